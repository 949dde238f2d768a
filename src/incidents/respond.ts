/**
 * The response to a new incident, run once per token (invariant 3) as the `respond` job:
 *
 * - `PATROL_REVOKE=off`: record "skipped", end `notify_only`.
 * - GitHub `ghs_` installation tokens: no API revokes them (they expire within the hour): end `not_revocable`.
 * - Other GitHub tokens: wait for the next batched `POST /credentials/revoke` (github-batch.ts), which ends them
 *   `revocation_requested` (GitHub answers 202 and says no more).
 * - Azure DevOps PATs: owner from `connectionData`, then Token Admin revocation; `revoked` is then confirmed by
 *   checking the token again on a schedule (confirm.ts), `inactive` when the token no longer works.
 *
 * Every attempt is a `revocations` row; the owner and the security team are emailed as soon as patrol knows what it
 * did (notify.ts), and the sealed token is erased when the response is over.
 *
 * @example
 * const handler = respondJob(deps) // registered as handlers[RESPOND_JOB]
 */
import { asc, eq } from 'drizzle-orm'
import type { Job } from '../db/schema.js'
import { incidents, jobs, notifications, occurrences, revocations } from '../db/schema.js'
import type { DB } from '../db/types.js'
import type { Attempt } from '../jobs/give-up.js'
import { enqueue } from '../jobs/queue.js'
import type { JobHandler } from '../jobs/runner.js'
import type { Logger } from '../log.js'
import type { Mailer } from '../notify/mailer.js'
import { chooseRecipients } from '../notify/recipients.js'
import { RemoteError } from '../platforms/remote-error.js'
import type { RevocationOutcome, TokenIssuer, TokenOwner } from '../platforms/types.js'
import type { TokenKind } from '../scan/types.js'
import { type TokenKeys, unseal } from './sealing.js'
import type { IncidentStatus } from './states.js'
import { transition } from './transitions.js'

export const GITHUB_BATCH_JOB = 'revoke-github-batch'
export const CONFIRM_JOB = 'confirm-revocation'
export const NOTIFY_JOB = 'notify'

/** The GitHub issuer's batch call, the one thing the batch job needs from it. */
export interface GithubBatchRevoker extends TokenIssuer {
  revokeBatch(tokens: string[]): Promise<RevocationOutcome>
}

export interface ResponseDeps {
  db: DB
  keys: TokenKeys
  log: Logger
  now(): number
  revoke: 'auto' | 'off'
  github: GithubBatchRevoker
  /** Absent when AZURE_DEVOPS_ORG_URL is not set. */
  azureDevOps?: TokenIssuer
  mailer: Mailer
  mail: { from: string; securityEmails: string[]; publicUrl: string }
  /** Delay before a batch of GitHub revocations goes out, to gather the tokens of a burst into one call. */
  githubBatchDelayMs: number
  githubCallsPerHour: number
  /** After an Azure revocation, when to check that the token stopped working (ms after revocation). */
  confirmDelaysMs: number[]
}

/** Response outcome → the incident status it ends in. */
export const STATUS_OF: Record<RevocationOutcome['outcome'], IncidentStatus> = {
  revoked: 'revoked',
  requested: 'revocation_requested',
  inactive: 'inactive',
  not_revocable: 'not_revocable',
  skipped: 'notify_only',
  failed: 'revoke_failed',
}

export function respondJob(deps: ResponseDeps): JobHandler {
  return async (job, payload, attempt) => {
    const { incidentId } = payload as { incidentId: number }
    const [incident] = await deps.db.select().from(incidents).where(eq(incidents.id, incidentId))
    if (!incident) throw new RemoteError('permanent', `respond: incident ${incidentId} does not exist`)
    if (incident.status === 'new')
      await transition(deps.db, { incidentId, from: 'new', to: 'responding', actor: 'patrol', now: deps.now() })
    else if (incident.status !== 'responding') return // already responded: a retry or a duplicate job

    const kind = incident.kind as TokenKind
    if (deps.revoke === 'off')
      return finish(deps, incidentId, incident.issuer, {
        outcome: 'skipped',
        detail: 'PATROL_REVOKE=off: detect and notify only',
      })
    if (incident.issuer === 'github') {
      if (kind === 'github-app-installation')
        return finish(deps, incidentId, 'github', {
          outcome: 'not_revocable',
          detail: 'installation token: expires within an hour, not revocable',
        })
      const bucket = Math.floor(deps.now() / deps.githubBatchDelayMs) + 1
      const key = `${GITHUB_BATCH_JOB}:${bucket}`
      const runAt = bucket * deps.githubBatchDelayMs
      if (
        (await enqueue(deps.db, { kind: GITHUB_BATCH_JOB, payload: { bucket }, key, runAt }, deps.now())) === undefined
      ) {
        // That batch exists; if another process's clock already ran it, this token needs a batch of its own.
        const [batch] = await deps.db.select({ state: jobs.state }).from(jobs).where(eq(jobs.idempotencyKey, key))
        if (batch && batch.state !== 'queued')
          await enqueue(
            deps.db,
            { kind: GITHUB_BATCH_JOB, payload: { bucket, late: incidentId }, key: `${key}:late:${incidentId}`, runAt },
            deps.now(),
          )
      }
      return
    }
    if (!deps.azureDevOps)
      return finish(deps, incidentId, 'azure-devops', {
        outcome: 'skipped',
        detail: 'not configured: AZURE_DEVOPS_ORG_URL is not set',
      })
    if (!incident.sealedToken)
      return finish(deps, incidentId, 'azure-devops', {
        outcome: 'failed',
        detail: 'the sealed token is gone; nothing to revoke with',
      })

    let outcome: RevocationOutcome
    let owner: TokenOwner | undefined
    try {
      const token = await unseal(deps.keys, incident.sealedToken)
      // The token existed when it was pushed; commit dates can be older than the token (amend keeps the author date).
      const committedAt = new Date(incident.firstPushedAt)
      // Uses the leaked PAT once against our own organization to learn its owner (apis.md 6a); logged as such.
      owner = await deps.azureDevOps.owner(token, kind)
      deps.log.info('respond.owner_lookup', { incident: incidentId, found: owner !== undefined })
      outcome = await deps.azureDevOps.revoke(token, { kind, committedAt, owner })
    } catch (error) {
      return onRemoteFailure(deps, job, attempt, incidentId, 'azure-devops', error)
    }
    await recordAttempt(deps, incidentId, 'azure-devops', outcome)
    if (owner?.email || owner?.name || owner?.id)
      await deps.db
        .update(incidents)
        .set({
          ownerEmail: owner.email ?? null,
          ownerName: owner.name ?? null,
          ownerId: owner.descriptor ?? owner.id ?? null,
        })
        .where(eq(incidents.id, incidentId))
    if (outcome.outcome === 'revoked') {
      // Azure may take up to an hour to apply a revocation: email now, and keep the sealed token until checked.
      await deps.db.update(incidents).set({ revokedAt: deps.now() }).where(eq(incidents.id, incidentId))
      await enqueueNotifications(deps, incidentId)
      await enqueue(
        deps.db,
        {
          kind: CONFIRM_JOB,
          payload: { incidentId, check: 0 },
          key: `${CONFIRM_JOB}:${incidentId}:0`,
          runAt: deps.now() + (deps.confirmDelaysMs[0] ?? 0),
        },
        deps.now(),
      )
      return
    }
    return finish(deps, incidentId, 'azure-devops', outcome, { recorded: true })
  }
}

/** Records the outcome, moves the incident to its terminal state (erasing the token), and emails. */
export async function finish(
  deps: ResponseDeps,
  incidentId: number,
  issuer: string,
  outcome: RevocationOutcome,
  o: { recorded?: boolean; batchId?: string } = {},
) {
  const now = deps.now()
  if (!o.recorded) await recordAttempt(deps, incidentId, issuer, outcome, o.batchId)
  const to = STATUS_OF[outcome.outcome]
  const revokedAt = outcome.outcome === 'revoked' || outcome.outcome === 'requested' ? now : undefined
  await transition(deps.db, {
    incidentId,
    from: 'responding',
    to,
    actor: 'patrol',
    now,
    detail: { outcome: outcome.outcome, reason: outcome.detail },
    set: revokedAt ? { revokedAt } : {},
  })
  deps.log.info('respond.finished', { incident: incidentId, outcome: outcome.outcome, status: to })
  await enqueueNotifications(deps, incidentId)
}

export async function recordAttempt(
  deps: ResponseDeps,
  incidentId: number,
  issuer: string,
  outcome: RevocationOutcome | { outcome: 'error'; detail: string },
  batchId?: string,
) {
  await deps.db.insert(revocations).values({
    incidentId,
    issuer,
    outcome: outcome.outcome,
    detail: outcome.detail,
    authorizationIds:
      'authorizationIds' in outcome && outcome.authorizationIds ? JSON.stringify(outcome.authorizationIds) : null,
    batchId: batchId ?? null,
    at: deps.now(),
  })
}

/**
 * A remote failure during the response: recorded as an `error` attempt and retried by the queue; on the final
 * attempt (a permanent failure, or PATROL_GIVE_UP_AFTER spent) the response ends `revoke_failed` (visible) and the
 * owner is still emailed.
 */
export async function onRemoteFailure(
  deps: ResponseDeps,
  job: Job,
  attempt: Attempt,
  incidentId: number,
  issuer: string,
  error: unknown,
): Promise<void> {
  const message = error instanceof Error ? error.message : String(error)
  if (!attempt.isFinal(error)) {
    await recordAttempt(deps, incidentId, issuer, {
      outcome: 'error',
      detail: `${message} (attempt ${job.attempts}; retrying)`,
    })
    throw error
  }
  await recordAttempt(deps, incidentId, issuer, { outcome: 'failed', detail: message })
  await finish(deps, incidentId, issuer, { outcome: 'failed', detail: message }, { recorded: true })
}

/** One notification row per recipient (unique, so a repeat adds nothing) and a `notify` job for each. */
export async function enqueueNotifications(deps: ResponseDeps, incidentId: number) {
  const now = deps.now()
  const [incident] = await deps.db.select().from(incidents).where(eq(incidents.id, incidentId))
  const [first] = await deps.db
    .select()
    .from(occurrences)
    .where(eq(occurrences.incidentId, incidentId))
    .orderBy(asc(occurrences.id))
    .limit(1)
  const recipients = chooseRecipients({
    ownerEmail: incident?.ownerEmail ?? undefined,
    authorEmail: first?.authorEmail ?? undefined,
    pusherEmail: first?.pusherEmail ?? undefined,
    securityEmails: deps.mail.securityEmails,
  })
  if (recipients.length === 0) deps.log.warn('notify.no_recipient', { incident: incidentId })
  for (const r of recipients) {
    const [row] = await deps.db
      .insert(notifications)
      .values({ incidentId, recipient: r.address, reason: r.reason, status: 'pending', createdAt: now })
      .onConflictDoNothing()
      .returning({ id: notifications.id })
    if (row)
      await enqueue(
        deps.db,
        { kind: NOTIFY_JOB, payload: { notificationId: row.id }, key: `${NOTIFY_JOB}:${row.id}` },
        now,
      )
  }
}
