/**
 * GitHub's response strategy. `ghs_` installation tokens end `not_revocable` at once (no API revokes them; they
 * expire within the hour). Every other GitHub token waits for the next batched `POST /credentials/revoke`
 * (revoke-batch.ts), which ends it `revocation_requested`: GitHub answers 202 and says no more. patrol never uses a
 * leaked token on GitHub, so there is no owner lookup and nothing to confirm.
 *
 * @example
 * const response = githubResponse(deps, { issuer, batchDelayMs: 30_000, callsPerHour: 60 })
 * await response.respond(incident, job) // queues the batch that will carry this token
 */
import { eq } from 'drizzle-orm'
import { jobs } from '../../db/schema.js'
import { finish, type ResponseDeps } from '../../incidents/response/steps.js'
import { enqueue } from '../../jobs/queue.js'
import type { TokenKind } from '../../scan/types.js'
import type { PlatformResponse } from '../platform.js'
import type { GithubIssuer } from './issuer.js'
import { GITHUB_BATCH_JOB, githubBatchJob } from './revoke-batch.js'

export interface GithubResponseDeps extends ResponseDeps {
  issuer: GithubIssuer
  /** Delay before a batch goes out, to gather the tokens of a burst into one call. */
  batchDelayMs: number
  callsPerHour: number
}

/**
 * The kinds no GitHub API revokes; the batch never carries them.
 * catalog: becomes `kindOf(kind).revocation` once the token-kind catalog (src/kinds) is merged.
 */
export const NOT_REVOCABLE_KINDS: readonly TokenKind[] = ['github-app-installation']

export function githubResponse(deps: GithubResponseDeps): PlatformResponse {
  return {
    issuer: deps.issuer,
    jobs: { [GITHUB_BATCH_JOB]: githubBatchJob(deps) },
    async respond(incident) {
      if (NOT_REVOCABLE_KINDS.includes(incident.kind as TokenKind))
        return finish(deps, incident.id, incident.issuer, {
          outcome: 'not_revocable',
          detail: 'installation token: expires within an hour, not revocable',
        })
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
