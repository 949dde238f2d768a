/**
 * GitHub's response strategy. Kinds the catalog marks not revocable (`ghs_` installation tokens) never reach it: the
 * respond job ends them `not_revocable` first. Every other GitHub token waits for the next batched `POST /credentials/revoke`
 * (revoke-batch.ts), which ends it `revocation_requested`: GitHub answers 202 and says no more. patrol never uses a
 * leaked token on GitHub, so there is no owner lookup and nothing to confirm.
 *
 * @example
 * const response = githubResponse(deps, { issuer, batchDelayMs: 30_000, callsPerHour: 60 })
 * await response.respond(incident, job) // queues the batch that will carry this token
 */
import { eq } from 'drizzle-orm'
import { jobs } from '../../db/schema.js'
import type { ResponseDeps } from '../../incidents/response/steps.js'
import { enqueue } from '../../jobs/queue.js'
import type { PlatformResponse } from '../platform.js'
import type { GithubIssuer } from './issuer.js'
import { GITHUB_BATCH_JOB, githubBatchJob } from './revoke-batch.js'

export interface GithubResponseDeps extends ResponseDeps {
  issuer: GithubIssuer
  /** Delay before a batch goes out, to gather the tokens of a burst into one call. */
  batchDelayMs: number
  callsPerHour: number
}

export function githubResponse(deps: GithubResponseDeps): PlatformResponse {
  return {
    issuer: deps.issuer,
    jobs: { [GITHUB_BATCH_JOB]: githubBatchJob(deps) },
    async respond(incident) {
      const bucket = Math.floor(deps.now() / deps.batchDelayMs) + 1
      const key = `${GITHUB_BATCH_JOB}:${bucket}`
      const runAt = bucket * deps.batchDelayMs
      if (
        (await enqueue(deps.db, { kind: GITHUB_BATCH_JOB, payload: { bucket }, key, runAt }, deps.now())) === undefined
      ) {
        // That batch exists; if another process's clock already ran it, this token needs a batch of its own.
        const [batch] = await deps.db.select({ state: jobs.state }).from(jobs).where(eq(jobs.idempotencyKey, key))
        if (batch && batch.state !== 'queued')
          await enqueue(
            deps.db,
            {
              kind: GITHUB_BATCH_JOB,
              payload: { bucket, late: incident.id },
              key: `${key}:late:${incident.id}`,
              runAt,
            },
            deps.now(),
          )
      }
    },
  }
}
