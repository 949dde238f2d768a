/**
 * Receiving an Azure Repos "Code pushed" (`git.push`) service hook. Azure DevOps signs nothing, so the hook is
 * authenticated by what the subscription was configured to send: basic auth and/or a secret header, compared in
 * constant time. The payload is validated with zod; its `id` is the delivery id used to drop repeated deliveries.
 * No `node:` import here: this module runs in Cloudflare Workers too.
 *
 * @example
 * if (!authenticateAzureHook(req.raw.headers, { user: 'patrol', password })) return c.json({ error: 'unauthorized' },
 * 401)
 * const parsed = parseAzurePush(await req.json())
 * if (!parsed.ok) return c.json({ error: parsed.error }, 400)
 * store(parsed.deliveryId, parsed.push)
 */
import { z } from 'zod'
import type { PlatformWebhook } from '../platform.js'
import type { PushEvent } from '../types.js'
import { parseJsonObject } from '../webhook-body.js'
import { AZURE_CONTENT_EVENTS, parseAzureContent } from './content-events.js'

export interface AzureHookExpectation {
  user?: string
  password?: string
  /** A custom header configured in the subscription's `httpHeaders`, e.g. `{ name: 'X-Patrol-Secret', value: '…' }`. */
  header?: { name: string; value: string }
}

/**
 * True when every configured check holds: basic auth (when `user` or `password` is set) and the secret header
 * (when `header` is set). With nothing configured it answers false: an unauthenticated endpoint is refused, not opened.
 */
export function authenticateAzureHook(headers: Headers, expect: AzureHookExpectation): boolean {
  const wantsBasic = expect.user !== undefined || expect.password !== undefined
  if (!wantsBasic && !expect.header) return false
  let ok = true
  if (wantsBasic) ok = basicAuthMatches(headers.get('authorization'), expect.user ?? '', expect.password ?? '') && ok
  if (expect.header) ok = constantTimeEqual(headers.get(expect.header.name) ?? '', expect.header.value) && ok
  return ok
}

function basicAuthMatches(authorization: string | null, user: string, password: string): boolean {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? '')
  let presented = ''
  if (match) {
    try {
      presented = new TextDecoder().decode(Uint8Array.from(atob(match[1]!), (c) => c.charCodeAt(0)))
    } catch {
      presented = ''
    }
  }
  // One comparison over `user:password`, so that which half is wrong is not observable either.
  return constantTimeEqual(presented, `${user}:${password}`) && match !== null
}

/** Compares all bytes of both strings whatever their content; only the lengths may leak through timing. */
export function constantTimeEqual(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a)
  const y = new TextEncoder().encode(b)
  const n = Math.max(x.length, y.length)
  let diff = x.length ^ y.length
  for (let i = 0; i < n; i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0)
  return diff === 0
}

const sha = z.string().regex(/^[0-9a-f]{40}$/i, 'expected a hex commit id')

/**
 * Project and repository ids are GUIDs on Azure DevOps; accepted are letters, digits, `-` and `_` (what no URL path
 * can resolve), so that a crafted id cannot move an API call to another path (issue 14).
 */
const azureId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'expected an Azure DevOps id (a GUID)')

/**
 * Azure DevOps names never hold `/ \ : * ? " < > | ; # $ { } , + = [ ]` or control characters, nor start with `.` or
 * `_`.
 */
const azureName = z
  .string()
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  .regex(/^(?![._])[^/\\:*?"<>|;#${},+=[\]\u0000-\u001f\u007f]{1,256}$/, 'expected an Azure DevOps name')

const identity = z.object({
  name: z.string().optional(),
  email: z.string().optional(),
  date: z.string().optional(),
})

const gitPushEvent = z.object({
  id: z.string().min(1),
  eventType: z.literal('git.push'),
  resource: z.object({
    commits: z
      .array(
        z.object({
          commitId: sha,
          author: identity.optional(),
          committer: identity.optional(),
          comment: z.string().optional(),
          commentTruncated: z.boolean().optional(),
          url: z.string().optional(),
        }),
      )
      .optional(),
    refUpdates: z.array(z.object({ name: z.string(), oldObjectId: sha, newObjectId: sha })).min(1),
    repository: z.object({
      id: azureId,
      name: azureName,
      url: z.string().optional(),
      remoteUrl: z.string().optional(),
      defaultBranch: z.string().optional(),
      project: z.object({ id: azureId, name: azureName }),
    }),
    pushedBy: z.object({
      id: z.string().optional(),
      displayName: z.string().optional(),
      uniqueName: z.string().optional(),
    }),
    pushId: z.number().int(),
    url: z.string().optional(),
  }),
})

export type AzurePushResult = { ok: true; push: PushEvent; deliveryId: string } | { ok: false; error: string }

/**
 * Validates a parsed `git.push` event; the error names the first missing or invalid field, e.g. `resource.pushId: …`.
 */
export function parseAzurePush(payload: unknown): AzurePushResult {
  const result = gitPushEvent.safeParse(payload)
  if (!result.success) {
    const issue = result.error.issues[0]
    const field = issue?.path.length ? issue.path.join('.') : '(payload)'
    return { ok: false, error: `${field}: ${issue?.message ?? 'invalid'}` }
  }
  const { id, resource: r } = result.data
  const push: PushEvent = {
    provider: 'azure-devops',
    repository: {
      id: r.repository.id,
      fullName: `${r.repository.project.name}/${r.repository.name}`,
      ...(r.repository.remoteUrl ? { url: r.repository.remoteUrl } : {}),
      ...(r.repository.defaultBranch ? { defaultBranch: r.repository.defaultBranch } : {}),
      projectId: r.repository.project.id,
    },
    refUpdates: r.refUpdates.map((u) => ({
      ref: u.name,
      before: u.oldObjectId.toLowerCase(),
      after: u.newObjectId.toLowerCase(),
    })),
    pusher: {
      ...(r.pushedBy.displayName ? { name: r.pushedBy.displayName } : {}),
      ...(r.pushedBy.uniqueName?.includes('@') ? { email: r.pushedBy.uniqueName } : {}),
      ...(r.pushedBy.uniqueName ? { login: r.pushedBy.uniqueName } : {}),
    },
    commits: (r.commits ?? []).map((c) => ({
      id: c.commitId.toLowerCase(),
      message: c.comment ?? '',
      ...(c.commentTruncated ? { messageTruncated: true } : {}),
      author: {
        ...(c.author?.name ? { name: c.author.name } : {}),
        ...(c.author?.email ? { email: c.author.email } : {}),
      },
      // Committer time: when the commit was made (the author date survives an amend or rebase).
      ...(c.committer?.date || c.author?.date ? { timestamp: c.committer?.date ?? c.author?.date } : {}),
      distinct: true,
      ...(c.url ? { url: c.url } : {}),
    })),
    pushId: r.pushId,
  }
  // The organization (Services) or collection (Server) URL the event came from; informational, the client uses
  // its configured URL so a payload cannot send patrol's PAT elsewhere.
  const apiBase = (r.url ?? r.repository.url)?.split('/_apis/')[0]
  if (apiBase?.startsWith('https://') || apiBase?.startsWith('http://')) push.apiBase = apiBase
  return { ok: true, push, deliveryId: id }
}

/**
 * The Azure DevOps service hook as the route sees it: basic auth and the secret header before the body is read, then
 * the event. Azure disables a subscription that gets a 410, so no answer here is one.
 */
export const azureDevOpsWebhook: PlatformWebhook = {
  admit(headers, config) {
    const authentic = authenticateAzureHook(headers, {
      user: config.azureDevOps.webhookUser,
      password: config.secrets.azureWebhookPassword,
      header: config.azureDevOps.webhookHeader,
    })
    if (!authentic)
      return {
        ok: false,
        error: 'authorization: expects the service hook’s basic auth (and secret header, when configured)',
        headers: { 'WWW-Authenticate': 'Basic realm="patrol"' },
      }
    return { ok: true }
  },

  parse(_headers, raw) {
    const payload = parseJsonObject(raw, 'application/json')
    if (payload === undefined) return { kind: 'refused', error: 'body: expects a JSON object' }
    const eventType = (payload as { eventType?: unknown }).eventType
    if (typeof eventType !== 'string') return { kind: 'refused', error: 'eventType: missing' }
    if ((AZURE_CONTENT_EVENTS as readonly string[]).includes(eventType)) {
      const id = (payload as { id?: unknown }).id
      if (typeof id !== 'string' || !id || id.length > 200)
        return { kind: 'refused', error: 'id: expects the event id' }
      const parsed = parseAzureContent({ ...payload, eventType })
      if (!parsed.ok) return { kind: 'refused', error: `${eventType} payload: ${parsed.error}` }
      if (!parsed.content)
        return { kind: 'answer', status: 202, body: { ignored: true, event: eventType, reason: 'no new text' } }
      return { kind: 'content', deliveryId: id, event: eventType, content: parsed.content }
    }
    if (eventType !== 'git.push') return { kind: 'answer', status: 202, body: { ignored: true, event: eventType } }
    const parsed = parseAzurePush(payload)
    if (!parsed.ok) return { kind: 'refused', error: `git.push payload: ${parsed.error}` }
    if (parsed.deliveryId.length > 200) return { kind: 'refused', error: 'id: expects the event id' }
    return { kind: 'push', deliveryId: parsed.deliveryId, event: eventType, push: parsed.push }
  },
}
