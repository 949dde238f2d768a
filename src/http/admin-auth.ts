/**
 * Who is an admin: the bearer of one of `PATROL_ADMIN_TOKENS`, compared in constant time against every configured
 * token (so neither which token nor how much of it matched shows in the timing). The match's name is what the audit
 * trail records (`admin:<name>`). Used by the API (Authorization header) and the admin page (session cookie).
 *
 * @example
 * app.use('/api/*', requireAdmin)      // 401 JSON without a valid bearer token
 * c.get('admin')                       // 'alice'
 */

import type { Context, MiddlewareHandler } from 'hono'
import { bearerAuth } from 'hono/bearer-auth'
import { timingSafeEqual } from 'hono/utils/buffer'
import type { AdminToken } from '../config.js'
import type { AppEnv } from './deps.js'

/** The admin whose token this is, or undefined. Always compares against every token. */
export async function findAdmin(tokens: AdminToken[], presented: string): Promise<AdminToken | undefined> {
  let found: AdminToken | undefined
  for (const t of tokens) if ((await timingSafeEqual(t.token, presented)) && !found) found = t
  return found
}

const unauthorized = (c: Context) => ({
  error: 'authorization: expects `Bearer <admin token>`',
  requestId: c.get('requestId'),
})

const bearer: MiddlewareHandler<AppEnv> = bearerAuth<AppEnv>({
  verifyToken: async (token, c) => {
    const admin = await findAdmin(c.get('deps').config.secrets.adminTokens, token)
    if (admin) c.set('admin', admin.name)
    return admin !== undefined
  },
  noAuthenticationHeader: { message: unauthorized },
  invalidAuthenticationHeader: { message: unauthorized },
  invalidToken: { message: unauthorized },
})

/**
 * 401 for every failure: bearerAuth answers a malformed header with 400, which would tell a prober more than needed.
 */
export const requireAdmin: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (!/^Bearer [^\s]+$/i.test(c.req.header('authorization') ?? ''))
    return c.json(unauthorized(c), 401, { 'WWW-Authenticate': 'Bearer realm="patrol"' })
  return bearer(c, next)
}
