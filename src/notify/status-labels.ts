/**
 * Human words for incident states, and how dangerous each is, shared by the admin page, the API's CSV and the chat
 * and webhook messages. Driven by the state names as data: a state added later gets its name with spaces until it
 * is given a label here, and counts as possibly live (the safe default) until it is ranked.
 *
 * @example
 * statusLabel('revoke_failed')    // 'revoke failed'
 * mayBeLive('revocation_requested') // true
 */

const LABELS: Record<string, string> = {
  new: 'new',
  responding: 'responding',
  revoked: 'revoked',
  revocation_requested: 'revocation requested',
  inactive: 'already inactive',
  not_revocable: 'not revocable',
  revoke_unconfirmed: 'revocation unconfirmed',
  revoke_failed: 'revoke failed',
  notify_only: 'notified only (not revoked)',
  suppressed: 'suppressed',
  resolved: 'closed',
  false_positive: 'false positive',
}

export function statusLabel(status: string): string {
  return LABELS[status] ?? status.replace(/_/g, ' ')
}

/** States in which the token is known to be dead, or an admin closed the incident. */
const SETTLED = ['revoked', 'inactive', 'resolved', 'false_positive']

/** Whether the token may still work: everything patrol has not seen dead and no admin has closed. */
export function mayBeLive(status: string): boolean {
  return !SETTLED.includes(status)
}

/**
 * Lower is more urgent: a failed or unconfirmed revocation first, then tokens patrol cannot revoke, then ones in
 * flight. States not listed rank with the unconfirmed ones.
 */
const RISK: Record<string, number> = {
  revoke_failed: 0,
  revoke_unconfirmed: 1,
  not_revocable: 2,
  notify_only: 2,
  revocation_requested: 3,
  responding: 4,
  new: 4,
  suppressed: 5,
}

export function riskRank(status: string): number {
  return mayBeLive(status) ? (RISK[status] ?? 1) : 9
}
