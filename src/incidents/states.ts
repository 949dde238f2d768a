/**
 * The incident state machine, in one place. patrol moves an incident through its response; admins resolve,
 * dismiss, reopen or retry it. Every transition becomes an audit event (transitions.ts).
 *
 * ```
 * new ─► responding ─► inactive | not_revocable | notify_only                                       (response over)
 *  │        │       └► revocation_requested ─► revoked            (the token no longer authenticates: confirmed)
 *  │        │                               └► revoke_unconfirmed (confirmation never came)
 *  │        └► revoke_failed | revoke_unconfirmed  ── admin: retry_response ──► responding
 *  └──► suppressed ─► new   (the token seen again where no suppression applies; admin: unsuppress)
 * any state but responding ── admin: resolve / false_positive ──► resolved / false_positive ── admin: reopen ──► the
 * state before
 * any state but responding, revocation_requested, suppressed ── admin: suppress (a suppression of its token) ──►
 * suppressed
 * revocation_requested | revoke_failed | revoke_unconfirmed ── admin: verify_now, token dead ──► revoked (a revocation
 *                                                              was requested) | inactive (none was)
 * ```
 *
 * The words are the same for every issuer: `revocation_requested` once the issuer accepted the request, `revoked`
 * only when patrol saw the leaked token stop authenticating, `revoke_unconfirmed` when that never came.
 * The sealed token is kept only while patrol may still need it: during the response, while an accepted revocation
 * is being confirmed (`revocation_requested`), in the two states an admin can retry from (`revoke_failed`,
 * `revoke_unconfirmed`), while suppressed (an admin can send it back to response: `unsuppress`), and in an incident
 * closed while its token may still have worked (closed from a state
 * `mayBeLive`): until a check finds it dead (transitions.ts `eraseDeadToken`) or the admin reopens it and the
 * response ends. Every other state erases it
 * (invariant 1); a platform that cannot confirm erases it on entering `revocation_requested` (response/steps.ts).
 *
 * @example
 * canTransition('new', 'responding')                 // true
 * adminAction('resolve', 'revoked')                  // { to: 'resolved' }
 * adminAction('retry_response', 'revoked')           // { error: 'incident is revoked; retry_response applies to
 * revoke_failed or revoke_unconfirmed' }
 */
import { mayBeLive } from '../notify/status-labels.js'

export const RESPONSE_OUTCOMES = [
  'revoked',
  'revocation_requested',
  'inactive',
  'not_revocable',
  'revoke_unconfirmed',
  'revoke_failed',
  'notify_only',
] as const

export const STATUSES = ['new', 'responding', ...RESPONSE_OUTCOMES, 'suppressed', 'resolved', 'false_positive'] as const

export type IncidentStatus = (typeof STATUSES)[number]

/** States an admin can ask patrol to respond again from: the token may still be live. */
const RETRYABLE: readonly IncidentStatus[] = ['revoke_failed', 'revoke_unconfirmed']

/** The states an admin closes an incident into. */
const CLOSED: readonly IncidentStatus[] = ['resolved', 'false_positive']

/**
 * Whether the sealed token must still be held in `status`, entered from `from`. A closed incident keeps the token it
 * was closed with if that token may still have worked (or it was already closed): the admin said it is rotated, but
 * patrol has not seen it dead.
 */
export function holdsToken(status: IncidentStatus, from?: IncidentStatus): boolean {
  if (CLOSED.includes(status)) return from !== undefined && (CLOSED.includes(from) || mayBeLive(from))
  return (
    status === 'new' ||
    status === 'responding' ||
    status === 'revocation_requested' ||
    status === 'suppressed' ||
    RETRYABLE.includes(status)
  )
}

const PATROL_MOVES: Record<IncidentStatus, readonly IncidentStatus[]> = {
  new: ['responding', 'suppressed'],
  responding: RESPONSE_OUTCOMES,
  revoked: [],
  // Confirmation (response/confirm.ts): dead → revoked; still working (or no answer) at the end → revoke_unconfirmed.
  revocation_requested: ['revoked', 'revoke_unconfirmed'],
  inactive: [],
  not_revocable: [],
  // An admin's verify now (response/verify.ts) found the token dead.
  revoke_unconfirmed: ['revoked'],
  revoke_failed: ['revoked', 'inactive'],
  notify_only: [],
  // A suppression covers a token or some places: the token seen again outside them is a leak to respond to.
  suppressed: ['new'],
  resolved: [],
  false_positive: [],
}

export function canTransition(from: IncidentStatus, to: IncidentStatus): boolean {
  return PATROL_MOVES[from].includes(to)
}

/**
 * Why an admin cannot suppress an incident's token from `from` (admin/actions.ts `suppressIncident`), or undefined:
 * not while patrol is responding to it, nor twice.
 */
export function suppressRefusal(from: IncidentStatus): string | undefined {
  return from === 'responding' || from === 'revocation_requested' || from === 'suppressed'
    ? `incident is ${from}; suppress applies once patrol's response is over, to an incident not yet suppressed`
    : undefined
}

export const ADMIN_ACTIONS = [
  'resolve',
  'false_positive',
  'reopen',
  'retry_response',
  'unsuppress',
  'verify_now',
] as const
export type AdminAction = (typeof ADMIN_ACTIONS)[number]

/**
 * Where an admin action leads from `from`, or why it is refused. `reopen` returns to `previous` (the state the
 * incident was resolved or dismissed from, from the audit trail).
 */
export function adminAction(
  action: AdminAction,
  from: IncidentStatus,
  previous?: IncidentStatus,
): { to: IncidentStatus } | { error: string } {
  switch (action) {
    case 'resolve':
      return from === 'resolved' || from === 'responding'
        ? { error: `incident is ${from}; resolve applies once patrol's response is over` }
        : { to: 'resolved' }
    case 'false_positive':
      return from === 'false_positive' || from === 'responding'
        ? { error: `incident is ${from}; false_positive applies once patrol's response is over` }
        : { to: 'false_positive' }
    case 'reopen':
      if (from !== 'resolved' && from !== 'false_positive')
        return { error: `incident is ${from}; reopen applies to resolved or false_positive` }
      return {
        to:
          previous && previous !== 'resolved' && previous !== 'false_positive' && previous !== 'responding'
            ? previous
            : 'notify_only',
      }
    case 'retry_response':
      return RETRYABLE.includes(from)
        ? { to: 'responding' }
        : { error: `incident is ${from}; retry_response applies to revoke_failed or revoke_unconfirmed` }
    case 'unsuppress':
      return from === 'suppressed' ? { to: 'new' } : { error: `incident is ${from}; unsuppress applies to suppressed` }
    case 'verify_now':
      // The check runs as a job; the state changes only if it finds the token dead (deadTokenStatus).
      return VERIFIABLE.includes(from)
        ? { to: from }
        : {
            error: `incident is ${from}; verify_now applies to revocation_requested, revoke_failed or revoke_unconfirmed`,
          }
  }
}

/** States whose token patrol still holds once its response is over: an admin may have it checked again. */
const VERIFIABLE: readonly IncidentStatus[] = ['revocation_requested', ...RETRYABLE]

/** Where a token found dead by verify now leads: `revoked` if a revocation was requested, `inactive` otherwise. */
export function deadTokenStatus(revocationRequested: boolean): IncidentStatus {
  return revocationRequested ? 'revoked' : 'inactive'
}
