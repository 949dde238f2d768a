/**
 * The Hono app, the same on Node and Workers: request id and one log line per request, security headers (HSTS over
 * https only), the admin page and API only under patrol's own host names (host-check.ts) and never cached, a 25 MB
 * body limit (GitHub's cap on webhook payloads) answered with 413 (the webhooks and the sign-in form read their own
 * bodies under the budget of unverified bytes, body-budget.ts), JSON errors that never leak internals, and the routes.
 *
 * @example
 * const app = createApp(() => deps)
 * const res = await app.request('/healthz')
 */

import type { Context } from 'hono'
import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { requestId } from 'hono/request-id'
import { secureHeaders } from 'hono/secure-headers'
import { BodyBudget, MAX_BODY_BYTES } from './body-budget.js'
import type { AppDeps, AppEnv } from './deps.js'
import { jsonError } from './errors.js'
import { knownHostOnly } from './host-check.js'
import { isHttps } from './page/session.js'
import { createAdminPage } from './routes/admin-page.js'
import { api } from './routes/api.js'
import { findingsRoute } from './routes/findings.js'
import { health } from './routes/health.js'
import { metrics } from './routes/metrics.js'
import { webhooks } from './routes/webhooks.js'

export { MAX_BODY_BYTES }

/** A caller's request id worth logging: a short plain token. */
const CALLER_ID = /^[A-Za-z0-9._:-]{1,64}$/

const READS_OWN_BODY = /^\/(webhooks\/|admin\/sign-in$)/

export function createApp(resolveDeps: (c: Context<AppEnv>) => AppDeps) {
  const app = new Hono<AppEnv>()
  // One budget per app (per process, per Workers isolate), sized by the first request's config.
  let budget: BodyBudget | undefined

  // Always patrol's own id: a caller's X-Request-Id is logged beside it when it is a plain token, never used as it,
  // so nobody can make their requests share an id with someone else's in the log.
  app.use(requestId({ headerName: '' }))
  app.use(async (c, next) => {
    const deps = resolveDeps(c)
    c.header('X-Request-Id', c.get('requestId'))
    const callerId = c.req.header('x-request-id')
    const log = deps.log.child({
      requestId: c.get('requestId'),
      ...(callerId && CALLER_ID.test(callerId) ? { callerRequestId: callerId } : {}),
    })
    c.set('deps', deps)
    c.set('log', log)
    budget ??= new BodyBudget(deps.config.unverifiedBodyBytes)
    c.set('bodyBudget', budget)
    const started = performance.now()
    await next()
    log.info('http.request', {
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms: Math.round((performance.now() - started) * 10) / 10,
    })
  })
  // HSTS only where it means something: over https (or when the public URL is https, behind a TLS proxy).
  app.use(secureHeaders({ strictTransportSecurity: false }))
  app.use(async (c, next) => {
    await next()
    if (isHttps(c)) c.header('Strict-Transport-Security', 'max-age=15552000; includeSubDomains')
  })
  app.use('/admin', knownHostOnly)
  app.use('/admin/*', knownHostOnly)
  app.use('/api/*', knownHostOnly)
  // Admin answers are about incidents: no cache or proxy keeps them.
  app.use('/api/*', async (c, next) => {
    await next()
    c.header('Cache-Control', 'no-store')
  })
  const limitBody = bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: (c) => jsonError(c as Context<AppEnv>, 413, `body: expects at most ${MAX_BODY_BYTES} bytes`),
  })
  // hono's bodyLimit buffers a chunked body whole before the route looks at who sent it: the webhooks and the
  // sign-in form read their own bodies instead, capped and under the budget of unverified bytes (body-budget.ts).
  app.use((c, next) => (READS_OWN_BODY.test(c.req.path) ? next() : limitBody(c, next)))

  app.route('/', health)
  app.route('/', webhooks)
  // Before `api`, whose middleware asks every other /api route for an admin token: this one takes reporter tokens only.
  app.route('/', findingsRoute)
  app.route('/', api)
  app.route('/', metrics)
  app.route('/', createAdminPage())

  app.notFound((c) => jsonError(c, 404, `no route for ${c.req.method} ${c.req.path}`))
  app.onError((error, c) => {
    // HTTPException from a middleware carries its own answer (e.g. 401 from bearerAuth).
    if ('getResponse' in error && typeof error.getResponse === 'function') return error.getResponse() as Response
    c.get('log')?.error('http.unhandled', { error: error.message, stack: error.stack })
    return jsonError(c, 500, 'internal error')
  })
  return app
}

export type App = ReturnType<typeof createApp>
