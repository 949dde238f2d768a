/**
 * GitHub's response strategy. Kinds the catalog marks not revocable (`ghs_` installation tokens) never reach it: the
 * respond job ends them `not_revocable` first. With verification (PATROL_VERIFY, on by default) the token is first
 * checked with `GET /user`: dead (401) ends `inactive` with no revocation call; live gives its owner (login, public
 * email), recorded on the incident. Every other token waits for the next batched `POST /credentials/revoke`
 * (revoke-batch.ts), which ends it `revocation_requested` (GitHub answers 202 and says no more). A token seen live is
 * then checked again on the confirmation schedule (incidents/response/confirm.ts): `revoked` once `GET /user` answers
 * 401, `revoke_unconfirmed` if it never does. A token patrol could not verify is not kept.
 *
 * @example
 * const response = githubResponse(deps, { issuer, batchDelayMs: 30_000, callsPerHour: 60 })
 * await response.respond(incident, job) // queues the batch that will carry this token
 */
import { eq } from 'drizzle-orm'
import { incidents, jobs } from '../../db/schema.js'
import { confirmJob } from '../../incidents/response/confirm.js'
import { finish, type ResponseDeps } from '../../incidents/response/steps.js'
import { unseal } from '../../incidents/sealing.js'
import { enqueue } from '../../jobs/queue.js'
import type { PlatformResponse } from '../platform.js'
import type { GithubIssuer } from './issuer.js'
import { GITHUB_BATCH_JOB, githubBatchJob } from './revoke-batch.js'

export interface GithubResponseDeps extends ResponseDeps {
  issuer: GithubIssuer
  /** Delay before a batch goes out, to gather the tokens of a burst into one call. */
  batchDelayMs: number
  callsPerHour: number
  /**
   * At most this many tokens per call (default GITHUB_REVOKE_BATCH_MAX): on Workers, finishing each token costs D1
   * statements, and one invocation may run only so many (src/adapter/workers/d1.ts). The rest go in the next batch.
   */
  tokensPerCall?: number
  /** When to check again, after GitHub accepted the revocation, that a token seen live stopped working. */
  confirmDelaysMs?: number[]
}

export const GITHUB_CONFIRM_JOB = 'github-confirm-revocation'

export function githubResponse(github: GithubResponseDeps): PlatformResponse {
  const deps: GithubResponseDeps = github.issuer.verify
    ? {
        ...github,
        // Only a token `GET /user` saw live is confirmed: one it could not verify would never be told dead.
        confirm: {
          job: GITHUB_CONFIRM_JOB,
          delaysMs: github.confirmDelaysMs ?? [],
          when: (i) => i.ownerLogin !== null,
        },
      }
    : github
  return {
    issuer: deps.issuer,
    jobs: {
      [GITHUB_BATCH_JOB]: githubBatchJob(deps),
      ...(deps.confirm ? { [GITHUB_CONFIRM_JOB]: confirmJob(deps, { issuer: deps.issuer }) } : {}),
    },
    async respond(incident) {
      if (deps.issuer.verify && incident.sealedToken) {
        // Uses the leaked token for one scope-less read (GET /user): is it live, and whose is it?
        let check: Awaited<ReturnType<GithubIssuer['check']>> | undefined
        try {
          check = await deps.issuer.check(await unseal(deps.keys, incident.sealedToken))
        } catch (error) {
          // GitHub unreachable: revoke anyway, unverified; revocation matters more than the owner's name.
          deps.log.warn('respond.github_verify_failed', { incident: incident.id, error: String(error) })
        }
        deps.log.info('respond.github_verify', { incident: incident.id, state: check?.state ?? 'error' })
        if (check?.state === 'inactive')
          return finish(deps, incident.id, incident.issuer, { outcome: 'inactive', detail: check.detail })
        if (check?.state === 'active')
          await deps.db
            .update(incidents)
            .set({
              ownerLogin: check.owner.login,
              ownerName: check.owner.login,
              ownerId: check.owner.id ?? null,
              ...(check.owner.email ? { ownerEmail: check.owner.email } : {}),
            })
            .where(eq(incidents.id, incident.id))
      }
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
