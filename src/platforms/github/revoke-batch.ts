/**
 * GitHub revocation in batches. `POST /credentials/revoke` takes up to 1000 tokens a call and allows 60 calls an
 * hour, so the tokens waiting for revocation go out together, and the hourly budget is planned here rather than
 * discovered as 429s: when the last hour already holds `githubCallsPerHour` calls, the job waits (without spending
 * an attempt) until the oldest of them leaves the window. A retry resends the whole waiting set, never one token.
 *
 * Incidents are taken into a batch by one compare-and-set statement (`revocation_batch`), so two batch jobs running
 * at once never send the same token twice.
 *
 * @example
 * handlers[GITHUB_BATCH_JOB] = githubBatchJob({ ...responseDeps, issuer, batchDelayMs, callsPerHour })
 */
import { and, asc, eq, gt, inArray, isNotNull, isNull, notInArray, sql } from 'drizzle-orm'
import { incidents, revocations } from '../../db/schema.js'
import { finish, recordAttempt } from '../../incidents/response/steps.js'
import { unseal } from '../../incidents/sealing.js'
import { enqueue } from '../../jobs/queue.js'
import type { JobHandler } from '../../jobs/runner.js'
import { NOT_REVOCABLE_KIND_IDS } from '../../kinds/index.js'
import { GITHUB_REVOKE_BATCH_MAX } from './issuer.js'
import type { GithubResponseDeps } from './respond.js'

const HOUR = 3_600_000

export const GITHUB_BATCH_JOB = 'revoke-github-batch'

export function githubBatchJob(deps: GithubResponseDeps): JobHandler {
  return async (job, _payload, attempt) => {
    const now = deps.now()
    const batchId = `github-${job.id}`

    // The hourly budget, counted from the calls actually made (one batch id per call).
    const calls = await deps.db
      .selectDistinct({ batch: revocations.batchId, at: revocations.at })
      .from(revocations)
      .where(and(eq(revocations.issuer, 'github'), isNotNull(revocations.batchId), gt(revocations.at, now - HOUR)))
      .orderBy(asc(revocations.at))
    const distinct = [...new Map(calls.map((c) => [c.batch, c.at])).values()]
    if (distinct.length >= deps.callsPerHour) {
      const rescheduleAt = distinct[0]! + HOUR + 1000
      deps.log.warn('revoke.github_budget_spent', {
        calls: distinct.length,
        until: new Date(rescheduleAt).toISOString(),
      })
      return { rescheduleAt, reason: `GitHub revocation budget spent (${distinct.length} calls in the last hour)` }
    }

    // Take every waiting token (up to one call's worth) into this batch: ones this job already took on an earlier
    // attempt, and any that arrived since.
    const waiting = deps.db
      .select({ id: incidents.id })
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
      .limit(GITHUB_REVOKE_BATCH_MAX)
    await deps.db
      .update(incidents)
      .set({ revocationBatch: batchId })
      .where(and(inArray(incidents.id, waiting), isNull(incidents.revocationBatch)))
    const batch = await deps.db
      .select({ id: incidents.id, sealedToken: incidents.sealedToken })
      .from(incidents)
      .where(and(eq(incidents.revocationBatch, batchId), eq(incidents.status, 'responding')))
      .orderBy(asc(incidents.id))
      .limit(GITHUB_REVOKE_BATCH_MAX)
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
      for (const b of batch)
        await finish(deps, b.id, 'github', { outcome: 'failed', detail: message }, { batchId: callId })
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
