/**
 * Which Host names reach the admin page and API. A browser tricked by DNS rebinding sends the attacker's host name
 * to a patrol that listens on loopback, and the page would take that host as its own origin; so `/admin` and `/api`
 * answer 421 unless the request's host name is the one of `PATROL_PUBLIC_URL`, one of `PATROL_ALLOWED_HOSTS`
 * (a name, or `name:port` to pin the port too), or, when the public URL itself is on loopback (the default
 * `http://localhost:<PORT>`), one of the loopback names `localhost`, `127.0.0.1` and `[::1]`. Webhooks, health and
 * metrics are reachable by any host: senders authenticate themselves and carry no cookie.
 *
 * @example
 * app.use('/admin', knownHostOnly); app.use('/admin/*', knownHostOnly); app.use('/api/*', knownHostOnly)
 * isKnownHost(config, 'evil.example:8787') // false
 */
import type { MiddlewareHandler } from 'hono'
import type { Config } from '../config.js'
import type { AppEnv } from './deps.js'
import { jsonError } from './errors.js'

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]'])

export function isKnownHost(config: Pick<Config, 'publicUrl' | 'allowedHosts'>, host: string): boolean {
  const wanted = host.toLowerCase()
  const name = wanted.replace(/:\d+$/, '')
  const publicName = new URL(config.publicUrl).hostname.toLowerCase()
  if (name === publicName) return true
  if (LOOPBACK.has(publicName) && LOOPBACK.has(name)) return true
  return config.allowedHosts.some((allowed) => allowed === wanted || allowed === name)
}

export const knownHostOnly: MiddlewareHandler<AppEnv> = async (c, next) => {
  // On Node the request URL is built from the Host header; on Workers it is the URL the client asked for.
  const host = new URL(c.req.url).host
  if (!isKnownHost(c.get('deps').config, host))
    return jsonError(
      c,
      421,
      'host: not a name of this patrol; set PATROL_PUBLIC_URL or PATROL_ALLOWED_HOSTS to the name admins use',
    )
  await next()
}
