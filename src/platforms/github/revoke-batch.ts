/**
 * GitHub revocation in batches. `POST /credentials/revoke` takes up to 1000 tokens a call and allows 60 calls an
 * hour, so the tokens waiting for revocation go out together, and the hourly budget is planned here rather than
 * discovered as 429s: when the last hour already holds `githubCallsPerHour` calls, the job waits (without spending
 * an attempt) until the oldest of them leaves the window. A retry resends the whole waiting set, never one token.
 *
 * Incidents are taken into a batch by compare-and-set statements (`revocation_batch` still null), so two batch jobs
 * running at once never send the same token twice. When more tokens wait than one call carries, they take their
 * places round robin across authors and pushes (fair-share.ts), not oldest first: one push of thousands of tokens
 * cannot make every later leak wait behind it (issue 14).
 *
 * @example
 * handlers[GITHUB_BATCH_JOB] = githubBatchJob({ ...responseDeps, issuer, batchDelayMs, callsPerHour })
 */
import { and, asc, eq, gt, inArray, isNotNull, isNull, notInArray, sql } from 'drizzle-orm'
import { incidents, revocations } from '../../db/schema.js'
import { atomically, slices } from '../../db/types.js'
import { enqueueNotifications, finish, recordAttempt } from '../../incidents/response/steps.js'
import { unseal } from '../../incidents/sealing.js'
import { enqueue } from '../../jobs/queue.js'
import type { JobHandler } from '../../jobs/runner.js'
import { NOT_REVOCABLE_KIND_IDS } from '../../kinds/index.js'
import { fairOrder, type WaitingToken } from './fair-share.js'
import { GITHUB_REVOKE_BATCH_MAX, PartialRevocationError } from './issuer.js'
import type { GithubResponseDeps } from './respond.js'

const HOUR = 3_600_000

export const GITHUB_BATCH_JOB = 'revoke-github-batch'

export function githubBatchJob(deps: GithubResponseDeps): JobHandler {
  return async (job, _payload, attempt) => {
    const now = deps.now()
    const batchId = `github-${job.id}`

    // One round trip for what the job decides from: the hourly budget, counted from the calls actually made (one
    // batch id per call); the tokens this job already took on an earlier attempt; the tokens waiting.
    const [calls, [taken], waiting] = await atomically(deps.db, [
      deps.db
        .selectDistinct({ batch: revocations.batchId, at: revocations.at })
        .from(revocations)
        .where(and(eq(revocations.issuer, 'github'), isNotNull(revocations.batchId), gt(revocations.at, now - HOUR)))
        .orderBy(asc(revocations.at)),
      deps.db
        .select({ n: sql<number>`count(*)` })
        .from(incidents)
        .where(and(eq(incidents.revocationBatch, batchId), eq(incidents.status, 'responding'))),
      waitingTokens(deps),
    ])
    const distinct = [...new Map(calls.map((c) => [c.batch, c.at])).values()]
    if (distinct.length >= deps.callsPerHour) {
      const rescheduleAt = distinct[0]! + HOUR + 1000
      deps.log.warn('revoke.github_budget_spent', {
        calls: distinct.length,
        until: new Date(rescheduleAt).toISOString(),
      })
      await tellWhenPlanned(deps, distinct, waiting)
      return { rescheduleAt, reason: `GitHub revocation budget spent (${distinct.length} calls in the last hour)` }
    }

    // Take waiting tokens (up to one call's worth, in their fair order) into this batch: ones this job already took
    // on an earlier attempt, and any that arrived since.
    const perCall = Math.min(GITHUB_REVOKE_BATCH_MAX, deps.tokensPerCall ?? GITHUB_REVOKE_BATCH_MAX)
    const room = perCall - (taken?.n ?? 0)
    const chosen = room > 0 ? fairOrder(waiting).slice(0, room) : []
    // In slices: D1 binds at most 100 parameters a statement.
    for (const slice of slices(chosen))
      await deps.db
        .update(incidents)
        .set({ revocationBatch: batchId })
        .where(and(inArray(incidents.id, slice), isNull(incidents.revocationBatch)))
    const batch = await deps.db
      .select({ id: incidents.id, sealedToken: incidents.sealedToken })
      .from(incidents)
      .where(and(eq(incidents.revocationBatch, batchId), eq(incidents.status, 'responding')))
      .orderBy(asc(incidents.id))
      .limit(perCall)
    if (batch.length === 0) return

    const tokens = await Promise.all(batch.map((b) => unseal(deps.keys, b.sealedToken!)))
    const callId = `${batchId}#${job.attempts}`
    try {
      const outcome = await deps.issuer.revokeBatch(tokens)
      deps.log.info('revoke.github_batch', { tokens: tokens.length, outcome: outcome.outcome, call: callId })
      for (const b of batch) await finish(deps, b.id, 'github', outcome, { batchId: callId })
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      const last = attempt.isFinal(error)
      for (const b of batch)
        await recordAttempt(
          deps,
          b.id,
          'github',
          { outcome: 'error', detail: `${message}${last ? '' : '; retrying'}` },
          callId,
        )
      if (!last) throw error
      // GitHub Enterprise Server: one side accepted and the other never did; the accepted request is the outcome.
      const outcome =
        error instanceof PartialRevocationError ? error.accepted : { outcome: 'failed' as const, detail: message }
      for (const b of batch) await finish(deps, b.id, 'github', outcome, { batchId: callId })
    }

    // More than one call's worth was waiting: the rest go in the next batch, at once.
    const [more] = await deps.db
      .select({ n: sql<number>`count(*)` })
      .from(incidents)
      .where(
        and(
          eq(incidents.issuer, 'github'),
          eq(incidents.status, 'responding'),
          isNull(incidents.revocationBatch),
          notInArray(incidents.kind, NOT_REVOCABLE_KIND_IDS),
        ),
      )
    if ((more?.n ?? 0) > 0)
      await enqueue(
        deps.db,
        { kind: GITHUB_BATCH_JOB, payload: { after: job.id }, key: `${GITHUB_BATCH_JOB}:after:${job.id}` },
        now,
      )
  }
}

/** Tokens waiting for a batch, oldest first, each with the push and author of its first sighting (a query to run). */
function waitingTokens(deps: Pick<GithubResponseDeps, 'db'>) {
  const first = (column: string) =>
    sql.raw(`(select ${column} from occurrences o where o.incident_id = incidents.id order by o.id limit 1)`)
  return deps.db
    .select({
      id: incidents.id,
      push: sql<number | null>`${first('push_id')}`,
      author: sql<string | null>`${first('coalesce(author_email, pusher_email)')}`,
    })
    .from(incidents)
    .where(
      and(
        eq(incidents.issuer, 'github'),
        eq(incidents.status, 'responding'),
        notInArray(incidents.kind, NOT_REVOCABLE_KIND_IDS),
        isNotNull(incidents.sealedToken),
        isNull(incidents.revocationBatch),
      ),
    )
    .orderBy(asc(incidents.id))
}

/**
 * The budget is spent, so the waiting tokens' messages go out now (each once: the notification row is unique per
 * purpose), saying when each revocation is planned: the k-th call from now goes when the k-th of the last hour's calls
 * leaves the window (an hour later for each further round), and a token's call is its place in the fair order.
 */
async function tellWhenPlanned(deps: GithubResponseDeps, callTimes: number[], waiting: WaitingToken[]): Promise<void> {
  const order = fairOrder(waiting)
  for (const [place, incidentId] of order.entries()) {
    const call = Math.floor(place / Math.min(GITHUB_REVOKE_BATCH_MAX, deps.tokensPerCall ?? GITHUB_REVOKE_BATCH_MAX))
    const slot = callTimes[call % callTimes.length]!
    const plannedAt = slot + HOUR * (Math.floor(call / callTimes.length) + 1) + 1000
    await enqueueNotifications(deps, incidentId, false, { purpose: 'revocation_queued', plannedAt })
  }
}
