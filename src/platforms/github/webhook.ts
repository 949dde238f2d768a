/**
 * Receiving a GitHub push: checking `X-Hub-Signature-256` and turning the `push` payload into a PushEvent.
 * Signature checks go through @octokit/webhooks (Web Crypto in Workers, node:crypto on Node, both constant-time);
 * the payload is validated with zod so that a delivery missing what patrol needs is refused with the field's name.
 * No `node:` import here: this module runs in Cloudflare Workers too.
 *
 * @example
 * if (!(await verifyGithubSignature(raw, req.header('x-hub-signature-256'), [secret, ...previous]))) return c.json({ error: 'bad signature' }, 401)
 * const parsed = parseGithubPush(JSON.parse(raw))
 * if (!parsed.ok) return c.json({ error: parsed.error }, 400)
 */
import { Webhooks } from '@octokit/webhooks'
import { z } from 'zod'
import type { PlatformWebhook } from '../platform.js'
import type { PushEvent } from '../types.js'
import { parseJsonObject, readBody } from '../webhook-body.js'

const SIGNATURE = /^sha256=[0-9a-f]{64}$/

/** One verifier per secret: built once, not on every delivery (the set of secrets is small and fixed per config). */
const verifiers = new Map<string, Webhooks>()
function verifierFor(secret: string): Webhooks {
  let verifier = verifiers.get(secret)
  if (!verifier) {
    verifier = new Webhooks({ secret })
    verifiers.set(secret, verifier)
  }
  return verifier
}

/**
 * True when `signature` is the HMAC-SHA-256 of `rawBody` under one of `secrets` (the current secret first, then
 * previous ones kept during a rotation). A missing, malformed or non-matching signature is false, never an exception.
 */
export async function verifyGithubSignature(
  rawBody: string,
  signature: string | undefined,
  secrets: string[],
): Promise<boolean> {
  if (!signature || !SIGNATURE.test(signature) || rawBody.length === 0) return false
  for (const secret of secrets) {
    if (!secret) continue
    try {
      if (await verifierFor(secret).verify(rawBody, signature)) return true
    } catch {
      // The web build throws on input it cannot decode; that is a mismatch, not a server error.
    }
  }
  return false
}

const sha = z.string().regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/, 'expected a hex commit SHA')

const gitPerson = z.object({
  name: z.string().optional(),
  email: z.string().nullish(),
  username: z.string().optional(),
})

const commit = z.object({
  id: sha,
  message: z.string(),
  distinct: z.boolean(),
  timestamp: z.string().optional(),
  url: z.string().optional(),
  author: gitPerson,
})

const pushPayload = z.object({
  ref: z.string().startsWith('refs/', 'expected a full ref such as refs/heads/main'),
  before: sha,
  after: sha,
  created: z.boolean(),
  deleted: z.boolean(),
  forced: z.boolean(),
  commits: z.array(commit),
  pusher: z.object({ name: z.string(), email: z.string().nullish() }),
  sender: z.object({ login: z.string() }).optional(),
  repository: z.object({
    id: z.number().int(),
    full_name: z.string().regex(/^[^/]+\/[^/]+$/, 'expected owner/name'),
    html_url: z.string().optional(),
    default_branch: z.string().optional(),
    blobs_url: z.string().optional(),
  }),
  installation: z.object({ id: z.number().int() }).optional(),
})

export type GithubPushResult = { ok: true; push: PushEvent } | { ok: false; error: string }

/** Validates a parsed `push` payload; the error names the first missing or invalid field, e.g. `repository.full_name: …`. */
export function parseGithubPush(payload: unknown): GithubPushResult {
  const result = pushPayload.safeParse(payload)
  if (!result.success) {
    const issue = result.error.issues[0]
    const field = issue?.path.length ? issue.path.join('.') : '(payload)'
    return { ok: false, error: `${field}: ${issue?.message ?? 'invalid'}` }
  }
  const p = result.data
  const push: PushEvent = {
    provider: 'github',
    repository: {
      id: String(p.repository.id),
      fullName: p.repository.full_name,
      ...(p.repository.html_url ? { url: p.repository.html_url } : {}),
      ...(p.repository.default_branch ? { defaultBranch: p.repository.default_branch } : {}),
    },
    refUpdates: [{ ref: p.ref, before: p.before, after: p.after }],
    forced: p.forced,
    pusher: {
      name: p.pusher.name,
      ...(p.pusher.email ? { email: p.pusher.email } : {}),
      login: p.sender?.login ?? p.pusher.name,
    },
    commits: p.commits.map((c) => ({
      id: c.id,
      message: c.message,
      distinct: c.distinct,
      author: {
        ...(c.author.name ? { name: c.author.name } : {}),
        ...(c.author.email ? { email: c.author.email } : {}),
        ...(c.author.username ? { login: c.author.username } : {}),
      },
      ...(c.timestamp ? { timestamp: c.timestamp } : {}),
      ...(c.url ? { url: c.url } : {}),
    })),
    ...(p.installation ? { installationId: p.installation.id } : {}),
  }
  // Informational only (which GitHub sent this): the client always calls its configured API URL, so a
  // payload can never direct patrol's token to another host.
  const apiBase = p.repository.blobs_url?.split('/repos/')[0]
  if (apiBase?.startsWith('https://') || apiBase?.startsWith('http://')) push.apiBase = apiBase
  return { ok: true, push }
}

/** The GitHub webhook as the route sees it: the signature check first (over the raw body), then the delivery. */
export const githubWebhook: PlatformWebhook = {
  async authenticate(request, config) {
    const { raw, bytes } = await readBody(request)
    const signature = request.headers.get('x-hub-signature-256')
    if (!signature)
      return { ok: false, error: 'X-Hub-Signature-256: missing; configure the webhook with patrol’s secret' }
    const secrets = [config.secrets.githubWebhookSecret, ...config.github.previousWebhookSecrets]
    if (!(await verifyGithubSignature(raw, signature, secrets)))
      return { ok: false, error: 'X-Hub-Signature-256: does not match the body' }
    return { ok: true, raw, bytes }
  },

  parse(headers, raw) {
    const event = headers.get('x-github-event')
    const deliveryId = headers.get('x-github-delivery')
    if (!event) return { kind: 'refused', error: 'X-GitHub-Event: missing' }
    if (!deliveryId || deliveryId.length > 200)
      return { kind: 'refused', error: 'X-GitHub-Delivery: expects the delivery GUID' }
    const payload = parseJsonObject(raw, headers.get('content-type') ?? undefined)
    if (payload === undefined)
      return { kind: 'refused', error: 'body: expects a JSON object (or a form with a `payload` field)' }
    if (event === 'ping') return { kind: 'answer', status: 200, body: { ok: true, event: 'ping' } }
    if (event !== 'push') return { kind: 'answer', status: 202, body: { ignored: true, event } }
    const parsed = parseGithubPush(payload)
    if (!parsed.ok) return { kind: 'refused', error: `push payload: ${parsed.error}` }
    return { kind: 'push', deliveryId, event, push: parsed.push }
  },
}
