/**
 * The incident state machine, in one place. patrol moves an incident through its response; admins move it between
 * the open, resolved and false-positive states. Every transition becomes an audit event (incidents/audit.ts).
 *
 * ```
 * new ─► responding ─► revoked | revocation_requested | inactive | not_revocable | revoke_unconfirmed | revoke_failed | notify_only
 *  └──► suppressed                  (revoked / revocation_requested may still become revoke_unconfirmed at the confirmation check)
 * ```
 * The admin states `resolved` and `false_positive` are entered only through the admin API.
 *
 * @example
 * canTransition('new', 'responding')          // true
 * canTransition('revoked', 'responding')      // false: a response runs once (invariant 3)
 */
export const RESPONSE_TERMINAL = [
  'revoked',
  'revocation_requested',
  'inactive',
  'not_revocable',
  'revoke_unconfirmed',
  'revoke_failed',
  'notify_only',
] as const

export const STATUSES = ['new', 'responding', ...RESPONSE_TERMINAL, 'suppressed', 'resolved', 'false_positive'] as const

export type IncidentStatus = (typeof STATUSES)[number]
export type ResponseOutcomeStatus = (typeof RESPONSE_TERMINAL)[number]

/** States in which patrol's response is over: the sealed token must be gone. */
export function isResponseOver(status: IncidentStatus): boolean {
  return status !== 'new' && status !== 'responding'
}

const PATROL_MOVES: Record<IncidentStatus, readonly IncidentStatus[]> = {
  new: ['responding', 'suppressed'],
  responding: RESPONSE_TERMINAL,
  // A revocation that GitHub accepted or Azure confirmed can still turn out not to hold at the confirmation check.
  revoked: ['revoke_unconfirmed'],
  revocation_requested: ['revoke_unconfirmed'],
  inactive: [],
  not_revocable: [],
  revoke_unconfirmed: ['revoked'],
  revoke_failed: [],
  notify_only: [],
  suppressed: [],
  resolved: [],
  false_positive: [],
}

export function canTransition(from: IncidentStatus, to: IncidentStatus): boolean {
  return PATROL_MOVES[from].includes(to)
}
