/**
 * A response stuck in retries: a revoking or confirming job that has kept failing for more than
 * `RETRYING_ALARM_MS` (jobs/stuck.ts, 10 minutes) while its incident is still `responding` or
 * `revocation_requested`. Each such incident gets one `needs_attention` message per stuck episode (the episode is
 * the job's `failing_since`, which a success or an admin's retry clears) on every channel that takes the event,
 * saying what patrol is waiting for, the last error and when it tries next (channels.ts `enqueueNeedsAttention`).
 *
 * Read from the queue, so it is the same on both runtimes: the Node runner calls the sweep when it finds no job due,
 * the Workers cron sweep on every run; each looks at most once per `everyMs`.
 *
 * @example
 * const idle = stuckResponseSweep(deps)   // a runner's idle hook
 * await idle()
 */
import { and, eq, inArray, lte } from 'drizzle-orm'
import { incidents, jobs } from '../../db/schema.js'
import type { JobKind } from '../../jobs/kinds.js'
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

/** Writes the alerts of responses stuck now (each once per episode); returns how many messages it wrote. */
export async function alertStuckResponses(deps: ResponseDeps): Promise<number> {
  if (!(deps.notifiers ?? []).some((n) => !n.addressees && n.events.includes('needs_attention'))) return 0
  const now = deps.now()
  const stuck = await deps.db
    .select()
    .from(jobs)
    .where(and(inArray(jobs.kind, KINDS), eq(jobs.state, 'queued'), lte(jobs.failingSince, now - RETRYING_ALARM_MS)))
  let written = 0
  for (const job of stuck) {
    const { incidentId } = JSON.parse(job.payload) as { incidentId?: number }
    // A GitHub batch's tokens are the incidents it took (revoke-batch.ts: `github-<job id>`).
    const subject =
      incidentId !== undefined ? eq(incidents.id, incidentId) : eq(incidents.revocationBatch, `github-${job.id}`)
    const waiting = await deps.db
      .select({ id: incidents.id, status: incidents.status })
      .from(incidents)
      .where(and(subject, inArray(incidents.status, STUCK_STATUSES)))
    for (const incident of waiting)
      written += await enqueueNeedsAttention(deps, incident, {
        waitingFor: WAITING_FOR[job.kind as JobKind]!,
        ...(job.lastError ? { reason: job.lastError } : {}),
        since: job.failingSince!,
        nextAttemptAt: job.runAt,
      })
  }
  return written
}

/** The sweep as a hook: at most once per `everyMs` (default a minute); its errors are logged, never thrown. */
export function stuckResponseSweep(deps: ResponseDeps, everyMs = 60_000): () => Promise<void> {
  let last = Number.NEGATIVE_INFINITY
  return async () => {
    if (deps.now() - last < everyMs) return
    last = deps.now()
    try {
      const messages = await alertStuckResponses(deps)
      if (messages) deps.log.warn('respond.stuck_alerted', { messages })
    } catch (error) {
      deps.log.error('respond.stuck_sweep_failed', { error: error instanceof Error ? error.message : String(error) })
    }
  }
}
