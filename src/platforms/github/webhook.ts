/**
 * Receiving a GitHub push: checking `X-Hub-Signature-256` and turning the `push` payload into a PushEvent.
 * Signature checks are a streaming HMAC-SHA-256 (signature.ts, constant-time compare, the same on Node and Workers);
 * the payload is validated with zod so that a delivery missing what patrol needs is refused with the field's name.
 * No `node:` import here: this module runs in Cloudflare Workers too.
 *
 * @example
 * if (!(await verifyGithubSignature(raw, req.header('x-hub-signature-256'), [secret, ...previous]))) return c.json({
 * error: 'bad signature' }, 401)
 * const parsed = parseGithubPush(JSON.parse(raw))
 * if (!parsed.ok) return c.json({ error: parsed.error }, 400)
 */
import { z } from 'zod'
import type { PlatformWebhook } from '../platform.js'
import type { PushEvent } from '../types.js'
import { parseJsonObject } from '../webhook-body.js'
import { GITHUB_CONTENT_EVENTS, parseGithubContent } from './content-events.js'
import { githubSignatureCheck } from './signature.js'

/**
 * True when `signature` is the HMAC-SHA-256 of `rawBody` under one of `secrets` (the current secret first, then
 * previous ones kept during a rotation). A missing, malformed or non-matching signature is false, never an exception.
 * The webhook route checks while the body streams (signature.ts); this is the same check over a whole body.
 */
export async function verifyGithubSignature(
  rawBody: string,
  signature: string | undefined,
  secrets: string[],
): Promise<boolean> {
  const check = githubSignatureCheck(signature, secrets)
  if (!check) return false
  check.update(new TextEncoder().encode(rawBody))
  return check.matches()
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
    // GitHub's rules: owner letters, digits, `-` (and `_` on Enterprise); name letters, digits, `.`, `-`, `_`, never
    // `.` or `..` (which would move an API path: issue 14).
    full_name: z
      .string()
      .regex(
        /^[A-Za-z0-9_-]{1,100}\/(?!\.\.?$)[A-Za-z0-9._-]{1,100}$/,
        'expected owner/name in GitHub’s characters (letters, digits, `.`, `-`, `_`; not `.` or `..`)',
      ),
    html_url: z.string().optional(),
    default_branch: z.string().optional(),
    blobs_url: z.string().optional(),
  }),
  installation: z.object({ id: z.number().int() }).optional(),
})

export type GithubPushResult = { ok: true; push: PushEvent } | { ok: false; error: string }

/**
 * Validates a parsed `push` payload; the error names the first missing or invalid field, e.g. `repository.full_name:
 * …`.
 */
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

/**
 * The GitHub webhook as the route sees it: the signature header first, checked over the body as it streams, then the
 * delivery.
 */
export const githubWebhook: PlatformWebhook = {
  admit(headers, config) {
    const signature = headers.get('x-hub-signature-256')
    if (!signature)
      return { ok: false, error: 'X-Hub-Signature-256: missing; configure the webhook with patrol’s secret' }
    const secrets = [config.secrets.githubWebhookSecret, ...config.github.previousWebhookSecrets]
    // Checked while the body streams in (signature.ts): the body is never held whole before it is known to be GitHub's.
    const check = githubSignatureCheck(signature, secrets)
    if (!check) return { ok: false, error: 'X-Hub-Signature-256: expects sha256=<64 hex digits>' }
    return { ok: true, check: { ...check, mismatch: 'X-Hub-Signature-256: does not match the body' } }
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
    if (Object.hasOwn(GITHUB_CONTENT_EVENTS, event)) {
      const parsed = parseGithubContent(event, payload)
      if (!parsed.ok) return { kind: 'refused', error: `${event} payload: ${parsed.error}` }
      if (!parsed.content) return { kind: 'answer', status: 202, body: { ignored: true, event, reason: 'no new text' } }
      return { kind: 'content', deliveryId, event, content: parsed.content }
    }
    if (event !== 'push') return { kind: 'answer', status: 202, body: { ignored: true, event } }
    const parsed = parseGithubPush(payload)
    if (!parsed.ok) return { kind: 'refused', error: `push payload: ${parsed.error}` }
    return { kind: 'push', deliveryId, event, push: parsed.push }
  },
}
