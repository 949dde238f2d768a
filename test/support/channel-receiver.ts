/**
 * A loopback receiver standing in for Slack's incoming webhooks, a Teams Workflows webhook and a SIEM: it records
 * every POST (path, headers, raw body) and answers 200, or the statuses a test scripts for its next requests.
 *
 * @example
 * const rx = await startChannelReceiver()
 * rx.answerNext(500)                       // the next POST gets a 500
 * rx.requests.filter((r) => r.path === '/slack')
 */
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface ReceivedPost {
  path: string
  headers: IncomingHttpHeaders
  raw: string
}

export interface ChannelReceiver {
  url: string
  requests: ReceivedPost[]
  /** Statuses for the next requests to `path`, in order. */
  answerNext(path: string, ...statuses: number[]): void
  close(): Promise<void>
}

export async function startChannelReceiver(): Promise<ChannelReceiver> {
  const requests: ReceivedPost[] = []
  const scripted = new Map<string, number[]>()
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const path = new URL(req.url ?? '/', 'http://x').pathname
    requests.push({ path, headers: req.headers, raw: Buffer.concat(chunks).toString('utf8') })
    const status = scripted.get(path)?.shift() ?? 200
    res.writeHead(status, { 'content-type': 'text/plain' })
    res.end(status === 200 ? 'ok' : 'no')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    answerNext: (path, ...statuses) => scripted.set(path, [...(scripted.get(path) ?? []), ...statuses]),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}
