/**
 * A response stuck in retries: a revoking or confirming job that has kept failing for more than
 * `RETRYING_ALARM_MS` (jobs/stuck.ts, 10 minutes) while its incident is still `responding` or
 * `revocation_requested`. Each such incident gets one `needs_attention` message per stuck episode (the episode is
 * the job's `failing_since`, which a success or an admin's retry clears) on every channel that takes the event,
 * saying what patrol is waiting for, the last error and when it tries next (channels.ts `enqueueNeedsAttention`).
 *
 * Read from the queue, so it is the same on both runtimes: the Node runner calls the sweep when it finds no job due,
 * the Workers cron sweep on every run; each looks at most once per `everyMs`. A run takes the first `INCIDENTS_PER_RUN`
 * incidents of stuck jobs whose episode is not yet alerted (`jobs.alerted_since`), so an outage that stalls hundreds
 * of responses costs each run a bounded number of D1 statements; a run that left some lets the next one carry on.
 *
 * @example
 * const idle = stuckResponseSweep(deps)   // a runner's idle hook
 * await idle()
 */
import { and, asc, eq, inArray, isNull, lte, ne, or } from 'drizzle-orm'
import { incidents, jobs } from '../../db/schema.js'
import type { JobKind } from '../../jobs/kinds.js'
import { periodic } from '../../jobs/periodic.js'
import { RETRYING_ALARM_MS } from '../../jobs/stuck.js'
import type { IncidentStatus } from '../states.js'
import { enqueueNeedsAttention } from './channels.js'
import type { ResponseDeps } from './steps.js'

/** What patrol waits for while each response job retries. */
const WAITING_FOR: Partial<Record<JobKind, string>> = {
  respond: 'the issuer to accept the revocation (the call keeps failing)',
  'revoke-github-batch': 'GitHub to accept the revocation (POST /credentials/revoke keeps failing)',
  'confirm-revocation': 'a check that the revoked token no longer works (the check keeps failing)',
  'github-confirm-revocation': 'a check that the revoked token no longer works (the check keeps failing)',
}
const KINDS = Object.keys(WAITING_FOR)
const STUCK_STATUSES: IncidentStatus[] = ['responding', 'revocation_requested']
/**
 * Incidents a run alerts about (a job's incidents are alerted together; on Workers a GitHub batch carries at most 10).
 * Each costs about three statements per channel, so a run stays well under a Workers invocation's 200 statements.
 */
export const INCIDENTS_PER_RUN = 5

/**
 * Writes the alerts of responses stuck now (each once per episode), a bounded number of incidents; returns how many
 * messages it wrote and whether stuck jobs were left for the next run.
 */
export async function alertStuckResponses(deps: ResponseDeps): Promise<{ written: number; more: boolean }> {
  if (!(deps.notifiers ?? []).some((n) => !n.addressees && n.events.includes('needs_attention')))
    return { written: 0, more: false }
  const now = deps.now()
  const stuck = await deps.db
    .select()
    .from(jobs)
    .where(
      and(
        inArray(jobs.kind, KINDS),
        eq(jobs.state, 'queued'),
        lte(jobs.failingSince, now - RETRYING_ALARM_MS),
        or(isNull(jobs.alertedSince), ne(jobs.alertedSince, jobs.failingSince)),
      ),
    )
    .orderBy(asc(jobs.failingSince), asc(jobs.id))
    .limit(INCIDENTS_PER_RUN + 1)
  let written = 0
  let told = 0
  for (const job of stuck) {
    if (told >= INCIDENTS_PER_RUN) return { written, more: true }
    const { incidentId } = JSON.parse(job.payload) as { incidentId?: number }
    // A GitHub batch's tokens are the incidents it took (revoke-batch.ts: `github-<job id>`).
    const subject =
      incidentId !== undefined ? eq(incidents.id, incidentId) : eq(incidents.revocationBatch, `github-${job.id}`)
    const waiting = await deps.db
      .select({ id: incidents.id, status: incidents.status })
      .from(incidents)
      .where(and(subject, inArray(incidents.status, STUCK_STATUSES)))
    told += waiting.length
    for (const incident of waiting)
      written += await enqueueNeedsAttention(deps, incident, {
        waitingFor: WAITING_FOR[job.kind as JobKind]!,
        ...(job.lastError ? { reason: job.lastError } : {}),
        since: job.failingSince!,
        nextAttemptAt: job.runAt,
      })
    // This episode is told; a later one (the job failing again after progress or a retry) is a new `failing_since`.
    await deps.db
      .update(jobs)
      .set({ alertedSince: job.failingSince })
      .where(and(eq(jobs.id, job.id), eq(jobs.failingSince, job.failingSince!)))
  }
  return { written, more: stuck.length > INCIDENTS_PER_RUN }
}

/** The sweep as a hook: at most once per `everyMs` (default a minute); its errors are logged, never thrown. */
export function stuckResponseSweep(deps: ResponseDeps, everyMs = 60_000): () => Promise<void> {
  return periodic({ everyMs, now: deps.now, log: deps.log, failed: 'respond.stuck_sweep_failed' }, async () => {
    const { written, more } = await alertStuckResponses(deps)
    if (written) deps.log.warn('respond.stuck_alerted', { messages: written, more })
    return { more }
  })
}
