/**
 * The JSON error shape of every 4xx and 5xx: `{ "error": "<what was wrong>", "requestId": "…" }`.
 * 5xx answers never carry the exception's message or stack (logged instead, under the same request id).
 *
 * @example
 * return jsonError(c, 400, 'body: expects JSON')
 */
import type { Context } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { AppEnv } from './deps.js'

export function jsonError(
  c: Context<AppEnv>,
  status: ContentfulStatusCode,
  error: string,
  extra: Record<string, unknown> = {},
) {
  return c.json({ error, ...extra, requestId: c.get('requestId') }, status)
}
