/**
 * The Hono app, the same on Node and Workers: request id and one log line per request, security headers, a 25 MB
 * body limit (GitHub's cap on webhook payloads) answered with 413, JSON errors that never leak internals, and the routes.
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
import { createAdminPage } from './routes/admin-page.js'
import { api } from './routes/api.js'
import { health } from './routes/health.js'
import { metrics } from './routes/metrics.js'
import { webhooks } from './routes/webhooks.js'

export { MAX_BODY_BYTES }

const READS_OWN_BODY = /^\/(webhooks\/|admin\/sign-in$)/

export function createApp(resolveDeps: (c: Context<AppEnv>) => AppDeps) {
  const app = new Hono<AppEnv>()
  // One budget per app (per process, per Workers isolate), sized by the first request's config.
  let budget: BodyBudget | undefined

  app.use(requestId({ limitLength: 64 }))
  app.use(async (c, next) => {
    const deps = resolveDeps(c)
    const log = deps.log.child({ requestId: c.get('requestId') })
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
  app.use(secureHeaders())
  const limitBody = bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: (c) => jsonError(c as Context<AppEnv>, 413, `body: expects at most ${MAX_BODY_BYTES} bytes`),
  })
  // hono's bodyLimit buffers a chunked body whole before the route looks at who sent it: the webhooks and the
  // sign-in form read their own bodies instead, capped and under the budget of unverified bytes (body-budget.ts).
  app.use((c, next) => (READS_OWN_BODY.test(c.req.path) ? next() : limitBody(c, next)))

  app.route('/', health)
  app.route('/', webhooks)
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
