/**
 * The webhook endpoints, one per registered platform (`/webhooks/github`, `/webhooks/azure-devops`), dispatched
 * through the platform registry. Each request is admitted by its platform from its headers (a separate first step),
 * its body read under a budget (and verified as it streams, for GitHub), parsed,
 * stored with its scan job, and answered 202 in milliseconds: no network call happens on the request path. A
 * repeated delivery answers 200 `{ "duplicate": true }`. Every refusal is a JSON 4xx that names the problem and
 * stores nothing; a platform patrol does not know is a 404 naming it. No answer is 410 (Azure disables a
 * subscription that gets one); a delivery patrol cannot store right now is a 503.
 *
 * @example
 * // POST /webhooks/github  X-GitHub-Event: push  X-GitHub-Delivery: <guid>  X-Hub-Signature-256: sha256=…
 * // → 202 {"queued":true,"deliveryId":"<guid>"}
 */
import { type Context, Hono } from 'hono'
import { storeContentDelivery } from '../../incidents/ingest/content-event.js'
import { type DeliveryStore, storeDelivery } from '../../incidents/ingest/deliveries.js'
import type { PlatformId } from '../../platforms/ids.js'
import { type Platform, platform, UnknownPlatformError } from '../../platforms/index.js'
import type { PushEvent } from '../../platforms/types.js'
import { bodyRefusal, MAX_BODY_BYTES, readBounded } from '../body-budget.js'
import type { AppEnv } from '../deps.js'
import { jsonError } from '../errors.js'

export const webhooks = new Hono<AppEnv>()

webhooks.post('/webhooks/:platform', async (c) => {
  let receiver: Platform
  try {
    receiver = platform(c.req.param('platform'))
  } catch (error) {
    if (error instanceof UnknownPlatformError) return jsonError(c, 404, error.message)
    throw error
  }
  const { config } = c.get('deps')

  // Headers first: a request that cannot be the platform's is refused before a byte of its body is read.
  const admitted = receiver.webhook.admit(c.req.raw.headers, config)
  if (!admitted.ok) {
    for (const [name, value] of Object.entries(admitted.headers ?? {})) c.header(name, value)
    return jsonError(c, 401, admitted.error)
  }
  // A body still to be verified is read under the shared budget of unverified bytes (body-budget.ts).
  const { check } = admitted
  const read = await readBounded(c.req.raw, {
    maxBytes: MAX_BODY_BYTES,
    ...(check ? { budget: c.get('bodyBudget'), onChunk: (chunk: Uint8Array) => check.update(chunk) } : {}),
  })
  if (!read.ok) return bodyRefusal(c, read)
  if (check && !(await check.matches())) return jsonError(c, 401, check.mismatch)
  const raw = new TextDecoder().decode(read.bytes)

  const delivery = receiver.webhook.parse(c.req.raw.headers, raw)
  if (delivery.kind === 'refused') return jsonError(c, 400, delivery.error)
  if (delivery.kind === 'answer') return c.json(delivery.body, delivery.status)
  if (delivery.kind === 'content') {
    const { db, keys, now } = c.get('deps')
    const { deliveryId, event, content } = delivery
    return store(c, receiver.id, deliveryId, { repository: content.repository, source: content.source }, () =>
      storeContentDelivery(
        db,
        keys,
        { provider: receiver.id, deliveryId, event, bodyBytes: read.bytes.length, content },
        now(),
      ),
    )
  }
  return storePush(c, receiver.id, delivery.deliveryId, delivery.event, read.bytes.length, delivery.push)
})

function storePush(
  c: Context<AppEnv>,
  provider: PlatformId,
  deliveryId: string,
  event: string,
  bodyBytes: number,
  push: PushEvent,
) {
  const { db, keys, now } = c.get('deps')
  const write: DeliveryStore = c.get('deps').storeDelivery ?? ((d, at) => storeDelivery(db, keys, d, at))
  const logged = { repository: push.repository.fullName, commits: push.commits.length }
  return store(c, provider, deliveryId, logged, () => write({ provider, deliveryId, event, bodyBytes, push }, now()))
}

/** Writes a delivery with `write` and answers: 202 stored, 200 duplicate, 503 when the database cannot take it. */
async function store(
  c: Context<AppEnv>,
  provider: PlatformId,
  deliveryId: string,
  /** What the log line says of it (never `event`: that is the log line's own name). */
  logged: Record<string, unknown>,
  write: () => Promise<'stored' | 'duplicate'>,
) {
  const { jobsEnqueued } = c.get('deps')
  let stored: 'stored' | 'duplicate'
  try {
    stored = await write()
  } catch (error) {
    // Busy or unavailable database: ask the sender to come back (Azure retries 503; it must never see 410).
    c.get('log').error('webhook.store_failed', {
      provider,
      deliveryId,
      error: error instanceof Error ? error.message : String(error),
    })
    c.header('Retry-After', '30')
    return jsonError(c, 503, 'patrol cannot store deliveries right now; retry later')
  }
  if (stored === 'duplicate') {
    c.get('log').info('webhook.duplicate', { provider, deliveryId })
    return c.json({ duplicate: true, deliveryId }, 200)
  }
  c.get('log').info('webhook.queued', { provider, deliveryId, ...logged })
  jobsEnqueued()
  return c.json({ queued: true, deliveryId }, 202)
}
