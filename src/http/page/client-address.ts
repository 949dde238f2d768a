/**
 * The address a request came from, for the sign-in limiter. On Node it is the socket's peer, which a client cannot
 * forge; headers such as `x-forwarded-for` are not trusted because anyone can send them. On Cloudflare Workers there
 * is no socket: `cf-connecting-ip` is set by Cloudflare's edge and overwrites what a client sends. Anywhere else
 * (in-process `app.request`) every request shares one bucket, which errs on refusing.
 *
 * The socket is read from the bindings @hono/node-server passes as `c.env` (`incoming`, or `server.incoming` when
 * the app is wrapped), which is exactly what its `getConnInfo` reads; importing that helper would put a Node-only
 * package into the Workers bundle (test/workers-bundle.test.ts forbids it).
 *
 * Behind a reverse proxy on Node every client shares the proxy's address: the limiter then protects the whole
 * sign-in form at once, which is the safe direction.
 *
 * @example
 * clientAddress(c) // '127.0.0.1', '2001:db8::1', or 'unknown'
 */
import type { Context } from 'hono'

interface NodeBindings {
  incoming?: { socket?: { remoteAddress?: string } }
  server?: { incoming?: { socket?: { remoteAddress?: string } } }
}

export function clientAddress(c: Context): string {
  const env = c.env as NodeBindings | undefined
  const incoming = env?.incoming ?? env?.server?.incoming
  if (incoming) return incoming.socket?.remoteAddress ?? 'unknown'
  return c.req.header('cf-connecting-ip') ?? 'unknown'
}
