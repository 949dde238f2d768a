/**
 * Chaos in front of a loopback stand-in: an HTTP proxy that fails a share of the requests it gets, before they
 * reach the stand-in, for as long as it runs, with what real platforms do on a bad day: 500; 503 and 429 with
 * `Retry-After: 1`; GitHub's secondary rate limit (403 with quota remaining, with or without `Retry-After`); a
 * connection reset; or no answer at all (the client must time out). The rest pass through unchanged. Faults are
 * drawn from a seeded generator, so a failing run can be replayed with its seed. A request that was failed never
 * reached the stand-in, so the stand-in's own records (revocations, messages) show only calls that really happened.
 * The SMTP proxy resets, hangs, or answers as a server that refuses mail for now (451).
 *
 * @example
 * const proxy = await startFaultProxy(gh.url, { rate: 1 / 3, seed: 7, kinds: GITHUB_FAULTS })
 * // GITHUB_API_URL = proxy.url
 * proxy.faults // [{ kind: '429', what: 'GET /repos/…', retryAfterS: 1 }, …]
 */
import { createServer, request, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { connect, createServer as createTcpServer, type Socket } from 'node:net'

export type FaultKind = '500' | '503' | '429' | '403-secondary' | '403-secondary-bare' | 'reset' | 'hang' | '451'

/** What any HTTP platform does on a bad day. */
export const HTTP_FAULTS: FaultKind[] = ['500', '503', '429', 'reset', 'hang']
/** GitHub adds its secondary rate limit: a 403 with `Retry-After: 1`, and one with no header at all (wait a minute). */
export const GITHUB_FAULTS: FaultKind[] = [...HTTP_FAULTS, '403-secondary', '403-secondary-bare']
export const SMTP_FAULTS: FaultKind[] = ['reset', 'hang', '451']

export interface InjectedFault {
  kind: FaultKind
  /** The request line (HTTP) or the connection number (SMTP). */
  what: string
  retryAfterS?: number
  /** The ordinal of the request (or connection) it hit, from 1: faults spread over the whole run. */
  at: number
}

export interface FaultProxy {
  url: string
  faults: InjectedFault[]
  /** Requests (or connections) that went through untouched. */
  passed: number
  close(): Promise<void>
}

export interface FaultOptions {
  /** Share of requests failed. Default 1/3. */
  rate?: number
  seed?: number
  /** Which fault kinds to draw from. Default {@link HTTP_FAULTS} (HTTP) or {@link SMTP_FAULTS}. */
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

/**
 * Whether the next call fails is drawn at random (at `rate`); which fault it gets goes round the kinds, so that every
 * kind is played once there have been as many faults as kinds, and none is left out by the luck of a seed.
 */
function faultDrawer(o: FaultOptions, defaults: FaultKind[]): () => FaultKind | undefined {
  const random = seededRandom(o.seed ?? 1)
  const kinds = o.kinds ?? defaults
  let next = Math.floor(random() * kinds.length)
  return () => (random() < (o.rate ?? 1 / 3) ? kinds[next++ % kinds.length] : undefined)
}

const SECONDARY =
  '{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again."}'

/** The answer of each status fault: status, headers, body. */
const ANSWERS: Partial<Record<FaultKind, [number, Record<string, string>, string]>> = {
  '500': [500, {}, '{"message":"Server Error"}'],
  '503': [503, { 'retry-after': '1' }, '{"message":"Service Unavailable"}'],
  '429': [429, { 'retry-after': '1' }, '{"message":"API rate limit exceeded"}'],
  '403-secondary': [403, { 'retry-after': '1', 'x-ratelimit-remaining': '4000' }, SECONDARY],
  '403-secondary-bare': [403, { 'x-ratelimit-remaining': '4000' }, SECONDARY],
}

/** An HTTP proxy to `target` (a base URL; the request path is appended unchanged). */
export async function startFaultProxy(target: string, o: FaultOptions = {}): Promise<FaultProxy> {
  const draw = faultDrawer(o, HTTP_FAULTS)
  const faults: InjectedFault[] = []
  const hanging = new Set<ServerResponse>()
  let passed = 0
  let at = 0
  const server = createServer((req, res) => {
    const what = `${req.method} ${req.url}`
    at++
    const kind = draw()
    if (kind) {
      req.resume()
      if (kind === 'hang') {
        faults.push({ kind, what, at })
        hanging.add(res)
        res.on('close', () => hanging.delete(res))
        return
      }
      if (kind === 'reset') {
        faults.push({ kind, what, at })
        req.socket.destroy()
        return
      }
      const [status, headers, body] = ANSWERS[kind] ?? ANSWERS['500']!
      const retryAfter = headers['retry-after']
      faults.push({ kind, what, at, ...(retryAfter ? { retryAfterS: Number(retryAfter) } : {}) })
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(body)
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
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy()
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/**
 * A TCP proxy for SMTP: a failed connection is reset at once, left silent (no greeting, so the client's greeting
 * timeout fires), or answered by a stand-in server that greets and then refuses the mail with `451` (try again
 * later). No message can be half-accepted: a connection either fails before DATA or passes whole.
 */
export async function startSmtpFaultProxy(port: number, o: FaultOptions = {}): Promise<FaultProxy & { port: number }> {
  const draw = faultDrawer(o, SMTP_FAULTS)
  const faults: InjectedFault[] = []
  const sockets = new Set<Socket>()
  let passed = 0
  let n = 0
  const server = createTcpServer((client) => {
    sockets.add(client)
    client.on('close', () => sockets.delete(client))
    client.on('error', () => {})
    const kind = draw()
    const what = `connection ${++n}`
    if (kind === 'hang') {
      faults.push({ kind, what, at: n })
      return
    }
    if (kind === '451') {
      faults.push({ kind, what, at: n })
      refuseMail(client)
      return
    }
    if (kind) {
      faults.push({ kind: 'reset', what, at: n })
      client.resetAndDestroy()
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
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  }
}

/** Speaks just enough SMTP to greet, take EHLO, and refuse the mail with a temporary failure (451). */
function refuseMail(client: Socket): void {
  client.write('220 busy.example ESMTP\r\n')
  let buffered = ''
  client.on('data', (chunk) => {
    buffered += chunk.toString('latin1')
    for (let i = buffered.indexOf('\n'); i >= 0; i = buffered.indexOf('\n')) {
      const line = buffered.slice(0, i).trim().toUpperCase()
      buffered = buffered.slice(i + 1)
      if (line.startsWith('EHLO') || line.startsWith('HELO')) client.write('250 busy.example\r\n')
      else if (line.startsWith('QUIT')) client.end('221 bye\r\n')
      else if (line.startsWith('RSET') || line.startsWith('NOOP')) client.write('250 ok\r\n')
      else client.write('451 4.3.0 Temporary local problem, try again later\r\n')
    }
  })
}
