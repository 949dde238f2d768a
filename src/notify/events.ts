/**
 * The vocabulary of patrol's chat and webhook notifiers, pure so the schema and the config can import it: which
 * channels exist, which events a channel can subscribe to, and which event an incident's status raises.
 *
 * An incident's first message on a channel is `incident.new` (and also carries the event of its outcome); a later
 * message, sent when the outcome changes (retry succeeded, revocation confirmed, response failed), is a follow-up
 * carrying only the outcome's event.
 *
 * @example
 * eventOfStatus('revoke_failed')          // 'response.failed'
 * eventOfStatus('revocation_requested')   // 'needs_attention'
 */

/** The channels a message is posted to (one configured place each): PATROL_<CHANNEL>_… */
export const POSTED_CHANNEL_IDS = ['slack', 'teams', 'webhook'] as const
export type PostedChannelId = (typeof POSTED_CHANNEL_IDS)[number]
/** Every notifier: email (one message per person) and the posted channels. */
export const CHANNEL_IDS = ['email', ...POSTED_CHANNEL_IDS] as const
export type ChannelId = (typeof CHANNEL_IDS)[number]

export const NOTIFY_EVENTS = ['incident.new', 'revocation.confirmed', 'response.failed', 'needs_attention'] as const
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number]

/**
 * Email's events: the first message only. A person is told about an incident once (docs/architecture.md,
 * invariant 3); later outcomes are on the incident page and in the chat channels.
 */
export const EMAIL_EVENTS: readonly NotifyEvent[] = ['incident.new']

/** What each event means, for the README, the OpenAPI document and config errors. */
export const EVENT_MEANING: Record<NotifyEvent, string> = {
  'incident.new': 'the first message about an incident, once patrol’s response has an outcome',
  'revocation.confirmed': 'the token is confirmed dead (revoked, or already inactive)',
  'response.failed': 'patrol could not revoke the token (revoke failed)',
  needs_attention:
    'the token may still be live and a person must act (not revocable, unconfirmed, notify only, …), or the response has been retrying for more than 10 minutes',
}

/** `pending` → `sent` | `failed` (after retries). */
export const CHANNEL_MESSAGE_STATUSES = ['pending', 'sent', 'failed'] as const

/**
 * The event an incident's status raises on a channel, or undefined for states no message is about (new,
 * responding, suppressed, and an admin's resolve or dismissal).
 */
export function eventOfStatus(status: string): NotifyEvent | undefined {
  switch (status) {
    case 'revoked':
    case 'inactive':
      return 'revocation.confirmed'
    case 'revoke_failed':
      return 'response.failed'
    case 'new':
    case 'responding':
    case 'suppressed':
    case 'resolved':
    case 'false_positive':
      return undefined
    default:
      // Every other outcome (requested, unconfirmed, not revocable, notify only, and states added later) leaves a
      // token that may be live: a person must look.
      return 'needs_attention'
  }
}
