/**
 * Chaos in front of a loopback stand-in: an HTTP proxy that fails a share of the requests it gets, before they
 * reach the stand-in, with what real platforms do on a bad day: 500, 429 with `Retry-After`, a connection reset,
 * or no answer at all (the client must time out). The rest pass through unchanged. Faults are drawn from a seeded
 * generator, so a failing run can be replayed with its seed. A request that was failed never reached the
 * stand-in, so the stand-in's own records (revocations, messages) show only calls that really happened.
 *
 * @example
 * const proxy = await startFaultProxy(gh.url, { rate: 1 / 3, seed: 7 })
 * // GITHUB_API_URL = proxy.url
 * proxy.faults // [{ kind: '429', path: '/repos/…', retryAfterS: 30 }, …]
 */
import { createServer, request, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { connect, createServer as createTcpServer, type Socket } from 'node:net'

export type FaultKind = '500' | '429' | 'reset' | 'hang'

export interface InjectedFault {
  kind: FaultKind
  /** The request line (HTTP) or the connection number (SMTP). */
  what: string
  retryAfterS?: number
}

export interface FaultProxy {
  url: string
  faults: InjectedFault[]
  /** Requests (or connections) that went through untouched. */
  passed: number
  /** Stop injecting (everything passes from now on). */
  calm(): void
  close(): Promise<void>
}

export interface FaultOptions {
  /** Share of requests failed. Default 1/3. */
  rate?: number
  seed?: number
  /** Which fault kinds to draw from. Default all four. */
  kinds?: FaultKind[]
}

/** mulberry32: a tiny seeded generator, so that chaos is replayable. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function drawFault(random: () => number, o: FaultOptions): FaultKind | undefined {
  if (random() >= (o.rate ?? 1 / 3)) return undefined
  const kinds = o.kinds ?? ['500', '429', 'reset', 'hang']
  return kinds[Math.floor(random() * kinds.length)]
}

/** An HTTP proxy to `target` (a base URL; the request path is appended unchanged). */
export async function startFaultProxy(target: string, o: FaultOptions = {}): Promise<FaultProxy> {
  const random = seededRandom(o.seed ?? 1)
  const faults: InjectedFault[] = []
  const hanging = new Set<ServerResponse>()
  let calm = false
  let passed = 0
  const server = createServer((req, res) => {
    const what = `${req.method} ${req.url}`
    const kind = calm ? undefined : drawFault(random, o)
    if (kind) {
      req.resume()
      if (kind === 'hang') {
        faults.push({ kind, what })
        hanging.add(res)
        res.on('close', () => hanging.delete(res))
        return
      }
      if (kind === 'reset') {
        faults.push({ kind, what })
        req.socket.destroy()
        return
      }
      if (kind === '429') {
        const retryAfterS = 1 + Math.floor(random() * 120)
        faults.push({ kind, what, retryAfterS })
        res
          .writeHead(429, { 'content-type': 'application/json', 'retry-after': String(retryAfterS) })
          .end('{"message":"API rate limit exceeded"}')
        return
      }
      faults.push({ kind, what })
      res.writeHead(500, { 'content-type': 'application/json' }).end('{"message":"Server Error"}')
      return
    }
    passed++
    const url = new URL(target.replace(/\/+$/, '') + (req.url ?? '/'))
    const upstream = request(url, { method: req.method, headers: { ...req.headers, host: url.host } }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers)
      up.pipe(res)
    })
    upstream.on('error', () => res.destroy())
    req.pipe(upstream)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    faults,
    get passed() {
      return passed
    },
    calm: () => void (calm = true),
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy()
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/**
 * A TCP proxy for SMTP: a failed connection is reset at once or left silent (no greeting, so the client's greeting
 * timeout fires). No message can be half-accepted: a connection either fails before the greeting or passes whole.
 */
export async function startSmtpFaultProxy(port: number, o: FaultOptions = {}): Promise<FaultProxy & { port: number }> {
  const random = seededRandom(o.seed ?? 1)
  const faults: InjectedFault[] = []
  const sockets = new Set<Socket>()
  let calm = false
  let passed = 0
  let n = 0
  const server = createTcpServer((client) => {
    sockets.add(client)
    client.on('close', () => sockets.delete(client))
    client.on('error', () => {})
    const kind = calm ? undefined : drawFault(random, { ...o, kinds: o.kinds ?? ['reset', 'hang'] })
    const what = `connection ${++n}`
    if (kind === 'reset' || kind === '500' || kind === '429') {
      faults.push({ kind: 'reset', what })
      client.resetAndDestroy()
      return
    }
    if (kind === 'hang') {
      faults.push({ kind, what })
      return
    }
    passed++
    const upstream = connect(port, '127.0.0.1')
    sockets.add(upstream)
    upstream.on('close', () => sockets.delete(upstream))
    upstream.on('error', () => client.destroy())
    client.on('close', () => upstream.destroy())
    client.pipe(upstream).pipe(client)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const proxyPort = (server.address() as AddressInfo).port
  return {
    url: `127.0.0.1:${proxyPort}`,
    port: proxyPort,
    faults,
    get passed() {
      return passed
    },
    calm: () => void (calm = true),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  }
}
