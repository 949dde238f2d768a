/**
 * The interface every chat and webhook notifier implements (slack.ts, teams.ts, webhook.ts), and the one POST they
 * share: `fetch` only, so it runs on Node and Workers; a failure becomes a `RemoteError` whose message names the
 * channel and the HTTP status but never the URL (a Slack or Teams webhook URL is itself a secret).
 *
 * Email stays per recipient (notify/mailer.ts, the `notify` job); these channels go to one configured place each.
 *
 * @example
 * const notifiers = createNotifiers(config.channels, { fetch, timeoutMs: 15_000 })
 * await notifiers[0].send(body)
 */
import type { ChannelSettings } from '../config.js'
import { RemoteError, remoteFetch } from '../platforms/remote-error.js'
import type { IncidentEvent } from './channel-event.js'
import type { ChannelId, NotifyEvent } from './events.js'
import { slackNotifier } from './slack.js'
import { teamsNotifier } from './teams.js'
import { webhookNotifier } from './webhook.js'

export interface Notifier {
  channel: ChannelId
  /** The events this channel receives (PATROL_<CHANNEL>_EVENTS). */
  events: readonly NotifyEvent[]
  /** Sends one message; throws a RemoteError (retryable or not) when the receiver does not accept it. */
  send(body: IncidentEvent): Promise<void>
}

export interface NotifierOptions {
  fetch?: typeof fetch
  timeoutMs?: number
}

const BUILDERS: Record<ChannelId, (s: ChannelSettings, o: NotifierOptions) => Notifier> = {
  slack: slackNotifier,
  teams: teamsNotifier,
  webhook: webhookNotifier,
}

export function createNotifiers(channels: ChannelSettings[], options: NotifierOptions = {}): Notifier[] {
  return channels.map((c) => BUILDERS[c.id](c, options))
}

/** POSTs JSON; any non-2xx answer or network failure is a RemoteError naming only the channel. */
export async function postJson(
  channel: ChannelId,
  url: string,
  body: string,
  headers: Record<string, string>,
  o: NotifierOptions,
): Promise<void> {
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
}
