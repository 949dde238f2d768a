/**
 * The platform-neutral steps of a response, shared by the `respond` job and each platform's own strategy
 * (src/platforms/<id>/respond.ts): record an attempt, end the incident in the status its outcome means (erasing the
 * sealed token), retry or give up on a remote failure, and queue the emails.
 *
 * @example
 * await finish(deps, incidentId, 'azure-devops', { outcome: 'inactive', detail: 'the token no longer works' })
 */
import { eq } from 'drizzle-orm'
import type { Config } from '../../config.js'
import type { Incident, Job } from '../../db/schema.js'
import { incidents, revocations } from '../../db/schema.js'
import { atomically, type DB } from '../../db/types.js'
import type { Attempt } from '../../jobs/give-up.js'
import { enqueue } from '../../jobs/queue.js'
import type { Logger } from '../../log.js'
import type { Mailer } from '../../notify/mailer.js'
import type { Notifier } from '../../notify/notifier.js'
import type { PlatformId } from '../../platforms/ids.js'
import type { RevocationOutcome } from '../../platforms/types.js'
import type { TokenKeys } from '../sealing.js'
import type { IncidentStatus } from '../states.js'
import { transitionStatements } from '../transitions.js'
import { enqueueMessages } from './channels.js'

export const NOTIFY_JOB = 'notify'

export interface ResponseDeps {
  /** For the platforms' links and settings. */
  config: Config
  db: DB
  keys: TokenKeys
  log: Logger
  now(): number
  revoke: 'auto' | 'off'
  mailer: Mailer
  mail: { from: string; securityEmails: string[]; publicUrl: string; notifyDomains?: string[] }
  /**
   * How this platform confirms an accepted revocation (confirm.ts): the job that re-checks the token and when (ms after
   * the request). Absent: a `requested` outcome cannot be confirmed, so the token is erased at once and the incident
   * stays `revocation_requested`, which is all patrol knows.
   */
  confirm?: {
    job: string
    delaysMs: number[]
    /** Which incidents can be confirmed (default all): GitHub confirms only tokens it saw live. */
    when?: (incident: Incident) => boolean
  }
  /** Email and the configured Slack, Teams and webhook channels (notify/notifier.ts). */
  notifiers?: Notifier[]
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

/** Records the outcome, moves the incident to its terminal state (erasing the token), and emails. */
export async function finish(
  deps: ResponseDeps,
  incidentId: number,
  issuer: PlatformId,
  outcome: RevocationOutcome,
  o: { recorded?: boolean; batchId?: string; securityOnly?: boolean } = {},
) {
  const now = deps.now()
  const to = STATUS_OF[outcome.outcome]
  let confirming = outcome.outcome === 'requested' && deps.confirm !== undefined
  if (confirming && deps.confirm?.when) {
    const [row] = await deps.db.select().from(incidents).where(eq(incidents.id, incidentId))
    confirming = row !== undefined && deps.confirm.when(row)
  }
  const [move, audit] = transitionStatements(deps.db, {
    incidentId,
    from: 'responding',
    to,
    actor: 'patrol',
    now,
    detail: { outcome: outcome.outcome, reason: outcome.detail },
    set: {
      ...(outcome.outcome === 'requested' || outcome.outcome === 'revoked' ? { revokedAt: now } : {}),
      ...(outcome.outcome === 'revoked' ? { confirmedDeadAt: now } : {}),
      // Nothing will ever check this token again: do not keep it.
      ...(outcome.outcome === 'requested' && !confirming ? { sealedToken: null } : {}),
    },
  })
  // The attempt and the move in one transaction (one D1 round trip).
  const moved = o.recorded
    ? (await atomically(deps.db, [move, audit]))[0].length > 0
    : (await atomically(deps.db, [attemptStatement(deps, incidentId, issuer, outcome, o.batchId), move, audit]))[1]
        .length > 0
  deps.log.info('respond.finished', { incident: incidentId, outcome: outcome.outcome, status: to })
  if (moved && confirming) await enqueueConfirmation(deps, incidentId, 0, now)
  await enqueueNotifications(deps, incidentId, o.securityOnly)
}

/** Queues check `check` of an accepted revocation (confirm.ts), `confirm.delaysMs[check]` after `requestedAt`. */
export async function enqueueConfirmation(
  deps: ResponseDeps,
  incidentId: number,
  check: number,
  requestedAt: number,
  extra: { widened?: boolean } = {},
) {
  if (!deps.confirm) return
  const job = deps.confirm.job
  const delay = deps.confirm.delaysMs[check] ?? 0
  await enqueue(
    deps.db,
    {
      kind: job,
      payload: { incidentId, check, requestedAt, ...extra },
      key: `${job}:${incidentId}:${requestedAt}:${check}`,
      runAt: requestedAt + delay,
    },
    deps.now(),
  )
}

export async function recordAttempt(
  deps: ResponseDeps,
  incidentId: number,
  issuer: PlatformId,
  outcome: RevocationOutcome | { outcome: 'error'; detail: string },
  batchId?: string,
) {
  await attemptStatement(deps, incidentId, issuer, outcome, batchId)
}

/** The `revocations` row of one attempt, as a statement (to run alone, or together with the move it ends in). */
function attemptStatement(
  deps: ResponseDeps,
  incidentId: number,
  issuer: PlatformId,
  outcome: RevocationOutcome | { outcome: 'error'; detail: string },
  batchId?: string,
) {
  return deps.db.insert(revocations).values({
    incidentId,
    issuer,
    outcome: outcome.outcome,
    detail: outcome.detail,
    authorizationIds:
      'authorizationIds' in outcome && outcome.authorizationIds ? JSON.stringify(outcome.authorizationIds) : null,
    candidates: 'candidates' in outcome && outcome.candidates ? JSON.stringify(outcome.candidates) : null,
    acceptedBy: 'acceptedBy' in outcome && outcome.acceptedBy ? JSON.stringify(outcome.acceptedBy) : null,
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
  issuer: PlatformId,
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

/** A message sent before the outcome: the revocation waits for GitHub's hourly budget, planned for `plannedAt`. */
export interface QueuedNotice {
  purpose: 'revocation_queued'
  plannedAt: number
}

/**
 * The messages of the incident's current outcome, through every configured notifier (email, Slack, Teams, the
 * webhook: channels.ts `enqueueMessages`), each once. `notice`: the "revocation queued" email instead.
 */
export async function enqueueNotifications(
  deps: ResponseDeps,
  incidentId: number,
  securityOnly = false,
  notice?: QueuedNotice,
) {
  await enqueueMessages(deps, incidentId, { securityOnly, notice })
}
