/**
 * The two webhook endpoints. Each authenticates, parses, stores the delivery with its scan job, and answers 202 in
 * milliseconds: no network call happens on the request path. A repeated delivery answers 200 `{ "duplicate": true }`.
 * Every refusal is a JSON 4xx that names the problem and stores nothing. The Azure endpoint never answers 410
 * (Azure disables a subscription that gets one) and answers 503 when patrol cannot store the delivery right now.
 *
 * @example
 * // POST /webhooks/github  X-GitHub-Event: push  X-GitHub-Delivery: <guid>  X-Hub-Signature-256: sha256=…
 * // → 202 {"queued":true,"deliveryId":"<guid>"}
 */
import { type Context, Hono } from 'hono'
import { type DeliveryStore, storeDelivery } from '../../incidents/deliveries.js'
import { authenticateAzureHook, parseAzurePush } from '../../platforms/azure-devops/webhook.js'
import { githubSignatureCheck } from '../../platforms/github/signature.js'
import { parseGithubPush } from '../../platforms/github/webhook.js'
import type { Provider, PushEvent } from '../../platforms/types.js'
import { bodyRefusal, MAX_BODY_BYTES, readBounded } from '../body-budget.js'
import type { AppEnv } from '../deps.js'
import { jsonError } from '../errors.js'

export const webhooks = new Hono<AppEnv>()

webhooks.post('/webhooks/github', async (c) => {
  const { config } = c.get('deps')
  const secrets = [config.secrets.githubWebhookSecret, ...config.github.previousWebhookSecrets]
  const signature = c.req.header('x-hub-signature-256')
  if (!signature) return jsonError(c, 401, 'X-Hub-Signature-256: missing; configure the webhook with patrol’s secret')
  // Checked while the body streams in, under the shared budget of unverified bytes (body-budget.ts).
  const check = githubSignatureCheck(signature, secrets)
  if (!check) return jsonError(c, 401, 'X-Hub-Signature-256: expects sha256=<64 hex digits>')
  const budget = c.get('bodyBudget')
  const read = await readBounded(c.req.raw, { maxBytes: MAX_BODY_BYTES, budget, onChunk: (b) => check.update(b) })
  if (!read.ok) return bodyRefusal(c, read)
  if (!check.matches()) return jsonError(c, 401, 'X-Hub-Signature-256: does not match the body')
  const raw = new TextDecoder().decode(read.bytes)
  const bytes = read.bytes.length

  const event = c.req.header('x-github-event')
  const deliveryId = c.req.header('x-github-delivery')
  if (!event) return jsonError(c, 400, 'X-GitHub-Event: missing')
  if (!deliveryId || deliveryId.length > 200) return jsonError(c, 400, 'X-GitHub-Delivery: expects the delivery GUID')

  const payload = parseBody(raw, c.req.header('content-type'))
  if (payload === undefined) return jsonError(c, 400, 'body: expects a JSON object (or a form with a `payload` field)')
  if (event === 'ping') return c.json({ ok: true, event: 'ping' }, 200)
  if (event !== 'push') return c.json({ ignored: true, event }, 202)

  const parsed = parseGithubPush(payload)
  if (!parsed.ok) return jsonError(c, 400, `push payload: ${parsed.error}`)
  return store(c, 'github', deliveryId, event, bytes, parsed.push)
})

webhooks.post('/webhooks/azure-devops', async (c) => {
  const { config } = c.get('deps')
  const authentic = authenticateAzureHook(c.req.raw.headers, {
    user: config.azureDevOps.webhookUser,
    password: config.secrets.azureWebhookPassword,
    header: config.azureDevOps.webhookHeader,
  })
  if (!authentic) {
    c.header('WWW-Authenticate', 'Basic realm="patrol"')
    return jsonError(
      c,
      401,
      'authorization: expects the service hook’s basic auth (and secret header, when configured)',
    )
  }
  const body = await readBody(c)
  if ('problem' in body) return bodyRefusal(c, body)
  const { raw, bytes } = body
  const payload = parseBody(raw, 'application/json')
  if (payload === undefined) return jsonError(c, 400, 'body: expects a JSON object')
  const eventType = (payload as { eventType?: unknown }).eventType
  if (typeof eventType !== 'string') return jsonError(c, 400, 'eventType: missing')
  if (eventType !== 'git.push') return c.json({ ignored: true, event: eventType }, 202)

  const parsed = parseAzurePush(payload)
  if (!parsed.ok) return jsonError(c, 400, `git.push payload: ${parsed.error}`)
  if (parsed.deliveryId.length > 200) return jsonError(c, 400, 'id: expects the event id')
  return store(c, 'azure-devops', parsed.deliveryId, eventType, bytes, parsed.push)
})

async function store(
  c: Context<AppEnv>,
  provider: Provider,
  deliveryId: string,
  event: string,
  bodyBytes: number,
  push: PushEvent,
) {
  const { db, keys, now, jobsEnqueued } = c.get('deps')
  const store: DeliveryStore = c.get('deps').storeDelivery ?? ((d, at) => storeDelivery(db, keys, d, at))
  let stored: 'stored' | 'duplicate'
  try {
    stored = await store({ provider, deliveryId, event, bodyBytes, push }, now())
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
  c.get('log').info('webhook.queued', {
    provider,
    deliveryId,
    repository: push.repository.fullName,
    commits: push.commits.length,
  })
  jobsEnqueued()
  return c.json({ queued: true, deliveryId }, 202)
}

/** The body as text, and its size in bytes (`deliveries.body_bytes`; the text's length counts UTF-16 units). */
async function readBody(c: Context<AppEnv>) {
  const read = await readBounded(c.req.raw, { maxBytes: MAX_BODY_BYTES })
  return read.ok ? { raw: new TextDecoder().decode(read.bytes), bytes: read.bytes.length } : read
}

/** JSON body, or GitHub's form encoding (`payload=<json>`). Undefined unless it is a JSON object. */
function parseBody(raw: string, contentType: string | undefined): object | undefined {
  let text = raw
  if (/^application\/x-www-form-urlencoded\b/i.test(contentType ?? ''))
    text = new URLSearchParams(raw).get('payload') ?? ''
  try {
    const value: unknown = JSON.parse(text)
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : undefined
  } catch {
    return undefined
  }
}
