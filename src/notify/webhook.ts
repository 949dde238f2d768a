/**
 * The generic webhook, for SIEMs and pagers: the event body (channel-event.ts, `IncidentEvent` in the OpenAPI
 * document) posted as JSON, signed with HMAC-SHA256 so the receiver can verify it came from patrol and was not
 * replayed much later. WebCrypto only, so it runs on Node and Workers.
 *
 * Signature: `X-Patrol-Signature-256: sha256=<hex of HMAC-SHA256(PATROL_WEBHOOK_SECRET, "<timestamp>.<body>")>`,
 * with `X-Patrol-Timestamp` in Unix seconds. A receiver recomputes it over the raw body, compares in constant time
 * and refuses old timestamps.
 *
 * @example
 * const sig = await signWebhook('a-secret-of-16-chars+', '1767225600', '{"version":1,…}')  // 'sha256=5f1c…'
 */
import type { ChannelSettings } from '../config.js'
import { WEBHOOK_HEADERS } from './channel-event.js'
import { type Notifier, type NotifierOptions, postJson } from './notifier.js'

export async function signWebhook(secret: string, timestamp: string, body: string): Promise<string> {
  const enc = new TextEncoder()
  const key = await crypto.subtle.importKey('raw', enc.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
  ])
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, enc.encode(`${timestamp}.${body}`)))
  return `sha256=${Array.from(mac, (b) => b.toString(16).padStart(2, '0')).join('')}`
}

export function webhookNotifier(settings: ChannelSettings, o: NotifierOptions & { now?: () => number }): Notifier {
  const secret = settings.secret ?? ''
  return {
    channel: 'webhook',
    events: settings.events,
    async send({ event: body }) {
      const text = JSON.stringify(body)
      const timestamp = String(Math.floor((o.now?.() ?? Date.now()) / 1000))
      return postJson(
        'webhook',
        settings.url,
        text,
        {
          [WEBHOOK_HEADERS.event]: body.event,
          [WEBHOOK_HEADERS.delivery]: body.delivery,
          [WEBHOOK_HEADERS.timestamp]: timestamp,
          [WEBHOOK_HEADERS.signature]: await signWebhook(secret, timestamp, text),
        },
        o,
      )
    },
  }
}
