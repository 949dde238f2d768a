/**
 * The one interface every notifier implements: email (email.ts), Slack, Teams and the signed webhook. A notifier
 * says which events it takes, whom a message about an incident goes to (one configured place for a chat or webhook
 * channel; one message per person for email), and how to send one message. Everything else (when a message is
 * written, its exactly-once record, the job with its retries and backoff, the give-up that leaves it visibly
 * `failed`) is the same path for all of them: src/incidents/response/channels.ts.
 *
 * Also the one POST the chat and webhook notifiers share: `fetch` only, so it runs on Node and Workers; a failure
 * becomes a `RemoteError` whose message names the channel and the HTTP status but never the URL (a Slack or Teams
 * webhook URL is itself a secret).
 *
 * @example
 * const notifiers = createNotifiers({ channels: config.channels, mailer, mail }, { fetch, timeoutMs: 15_000 })
 * for (const to of notifiers[0].addressees?.(people) ?? [undefined]) await notifiers[0].send({ event, facts, id, to })
 */
import type { ChannelSettings } from '../config.js'
import type { Incident, Occurrence, Revocation } from '../db/schema.js'
import type { LocationLinks, OwnerAdvice } from '../platforms/platform.js'
import { RemoteError, remoteFetch } from '../platforms/remote-error.js'
import type { IncidentEvent } from './channel-event.js'
import { type EmailSettings, emailNotifier } from './email.js'
import type { ChannelId, NotifyEvent, PostedChannelId } from './events.js'
import type { Mailer } from './mailer.js'
import type { MassLeakEmailInput } from './message.js'
import type { Recipient } from './recipients.js'
import { slackNotifier } from './slack.js'
import { teamsNotifier } from './teams.js'
import { webhookNotifier } from './webhook.js'

export interface Notifier {
  channel: ChannelId
  /** The events this channel receives (PATROL_<CHANNEL>_EVENTS; email: the first message only). */
  events: readonly NotifyEvent[]
  /**
   * Whom a message about an incident goes to, one message (and one record) each, with why; an address that must
   * not be sent to comes back `withheld`, with the reason. Absent: the channel's one configured place.
   */
  addressees?(people: IncidentPeople): Recipient[]
  /**
   * Sends one message; throws a RemoteError (retryable or not) when the receiver does not accept it. Resolves to
   * the id the receiver gave the message when it is not `message.id`.
   */
  send(message: OutgoingMessage): Promise<{ id?: string } | undefined>
}

/** The people an incident names, for `addressees`. */
export interface IncidentPeople {
  /** From the issuer. */
  ownerEmail?: string
  /** The first place's commit author and pusher. */
  authorEmail?: string
  pusherEmail?: string
  /** Only the security addresses (a response that reached nobody's token, e.g. a not-yet-known owner). */
  securityOnly?: boolean
}

/** One message: what every notifier renders from, loaded once per send from what patrol recorded. */
export interface OutgoingMessage {
  /** The documented description (channel-event.ts): what the chat and webhook notifiers send or render. */
  event: IncidentEvent
  /** The records behind it, for a notifier that says more (email: every place's source, the revoked candidates). */
  facts: IncidentFacts
  /**
   * Unique per message and the same on every retry, so a receiver can drop a repeat: email's Message-ID (stored
   * before the first attempt), `event.delivery` for the others.
   */
  id: string
  /** The addressee, for a notifier with `addressees`. */
  to?: Recipient
}

export interface IncidentFacts {
  incident: Incident
  /** The first five places, with links from the configured hosts (none for a platform patrol does not know). */
  places: (Occurrence & { links?: LocationLinks })[]
  /** Every place the token was seen. */
  occurrences: number
  /** The latest revocation attempt that is not an `error` (a retried failure). */
  latest?: Revocation
  /** The issuing platform's sentences for the owner. */
  advice: OwnerAdvice
  /** A message sent before, or instead of, the outcome one (email only: notify.ts). */
  notice?: { purpose: 'revocation_queued'; plannedAt: number } | { purpose: 'mass_leak'; alert: MassLeakEmailInput }
}

export interface NotifierOptions {
  fetch?: typeof fetch
  timeoutMs?: number
}

const BUILDERS: Record<PostedChannelId, (s: ChannelSettings, o: NotifierOptions) => Notifier> = {
  slack: slackNotifier,
  teams: teamsNotifier,
  webhook: webhookNotifier,
}

/** Each configured chat and webhook channel, and email (always: SMTP, the outbox or `send_email`). */
export function createNotifiers(
  o: { channels: ChannelSettings[]; mailer: Mailer; mail: EmailSettings },
  options: NotifierOptions = {},
): Notifier[] {
  return [...o.channels.map((c) => BUILDERS[c.id](c, options)), emailNotifier(o.mailer, o.mail)]
}

/** POSTs JSON; any non-2xx answer or network failure is a RemoteError naming only the channel. */
export async function postJson(
  channel: ChannelId,
  url: string,
  body: string,
  headers: Record<string, string>,
  o: NotifierOptions,
): Promise<undefined> {
  try {
    const res = await remoteFetch(
      url,
      { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body },
      { fetch: o.fetch, timeoutMs: o.timeoutMs },
    )
    await res.body?.cancel().catch(() => {})
  } catch (error) {
    if (!(error instanceof RemoteError)) throw error
    // remoteFetch names host and path; a webhook's path is its secret, so the message names the channel instead.
    const status = error.status ? `HTTP ${error.status}` : error.message.replace(/^.*: /, '')
    throw new RemoteError(error.failure, `${channel}: ${status}`, {
      status: error.status,
      retryAfterMs: error.retryAfterMs,
    })
  }
  return undefined
}
