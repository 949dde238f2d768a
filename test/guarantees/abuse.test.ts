/**
 * Abuse (DESIGN.md invariant 6): hostile bodies over real HTTP. A body over the 25 MB limit is refused with 413
 * before patrol has read it whole: the answer arrives while most of the declared body is still unsent. A chunked
 * body without a length is cut off once it crosses the limit. JSON nested 100,000 levels deep is refused with a
 * 4xx and the server keeps serving. Nothing is stored for any of them.
 *
 * Not covered here: throttling of repeated failed admin sign-ins, which belongs to the admin page (built separately).
 */
import { request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type ServerType, serve } from '@hono/node-server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MAX_BODY_BYTES } from '../../src/http/app.js'
import { TEST_ADMIN_TOKEN, TEST_AZURE_PASSWORD, TEST_GITHUB_SECRET } from '../support/env.js'
import { githubDeliveryHeaders } from '../support/github-signing.js'
import { type TestApp, testApp } from '../support/service-app.js'

let t: TestApp
let server: ServerType
let port: number

beforeAll(async () => {
  t = await testApp()
  server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s))
  })
  port = (server.address() as AddressInfo).port
})
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()))
  t.cleanup()
})

const storedRows = () =>
  (
    t.db.sqlite
      .prepare(
        'select (select count(*) from deliveries) + (select count(*) from jobs) + (select count(*) from suppressions) as n',
      )
      .get() as { n: number }
  ).n
const azureAuth = `Basic ${Buffer.from(`patrol:${TEST_AZURE_PASSWORD}`).toString('base64')}`

/**
 * Streams `total` bytes of a JSON-looking body in 256 KB pieces, pausing for the server to drain each, and stops
 * as soon as an answer arrives. Returns the status and how many bytes had been written by then.
 */
function streamBody(
  path: string,
  headers: Record<string, string>,
  total: number,
  declareLength: boolean,
): Promise<{ status: number; sent: number }> {
  return new Promise((resolve, reject) => {
    const piece = Buffer.alloc(256 * 1024, 0x20)
    let sent = 0
    let answered = false
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path,
        headers: { ...headers, ...(declareLength ? { 'content-length': String(total) } : {}) },
      },
      (res) => {
        answered = true
        res.resume()
        res.on('end', () => resolve({ status: res.statusCode ?? 0, sent }))
        req.destroy()
      },
    )
    req.on('error', (error) => (answered ? undefined : reject(error)))
    const pump = () => {
      while (!answered && sent < total) {
        const chunk =
          sent === 0
            ? Buffer.concat([Buffer.from('{"a":"'), piece.subarray(6)])
            : piece.subarray(0, Math.min(piece.length, total - sent))
        sent += chunk.length
        if (!req.write(chunk)) return void req.once('drain', () => setImmediate(pump))
      }
      if (!answered && sent >= total) req.end()
    }
    pump()
  })
}

describe('oversized bodies', () => {
  const routes: [string, Record<string, string>][] = [
    [
      '/webhooks/github',
      {
        'content-type': 'application/json',
        'x-github-event': 'push',
        'x-github-delivery': 'big-1',
        // Well-formed but wrong: a malformed or missing signature is refused (401) before any body is read.
        'x-hub-signature-256': `sha256=${'0'.repeat(64)}`,
      },
    ],
    ['/webhooks/azure-devops', { 'content-type': 'application/json', authorization: azureAuth }],
    ['/api/suppressions', { 'content-type': 'application/json', authorization: `Bearer ${TEST_ADMIN_TOKEN}` }],
  ]

  it.each(routes)('%s: a declared 30 MB body is refused with 413 long before it is all sent', async (path, headers) => {
    const before = storedRows()
    const { status, sent } = await streamBody(path, headers, 30 * 1024 * 1024, true)
    expect(status).toBe(413)
    expect(sent).toBeLessThan(MAX_BODY_BYTES)
    expect(storedRows()).toBe(before)
  })

  it('a chunked body without a length is cut off once it crosses 25 MB', async () => {
    const before = storedRows()
    const { status, sent } = await streamBody(
      '/webhooks/azure-devops',
      { 'content-type': 'application/json', authorization: azureAuth },
      60 * 1024 * 1024,
      false,
    )
    expect(status).toBe(413)
    // The server stopped at the limit; the sender had not got far past it (socket buffers only).
    expect(sent).toBeGreaterThan(MAX_BODY_BYTES)
    expect(sent).toBeLessThan(MAX_BODY_BYTES + 16 * 1024 * 1024)
    expect(storedRows()).toBe(before)
  })
})

describe('deeply nested JSON', () => {
  const depth = 100_000
  const arrays = '['.repeat(depth) + ']'.repeat(depth)
  const objects = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`

  it.each([
    ['arrays', arrays],
    ['objects', objects],
  ])('100k levels of %s are refused with a 4xx on every route, and the server keeps serving', async (_, nested) => {
    const before = storedRows()
    const github = await fetch(`http://127.0.0.1:${port}/webhooks/github`, {
      method: 'POST',
      headers: githubDeliveryHeaders(nested, TEST_GITHUB_SECRET, `deep-${_}`),
      body: nested,
    })
    const azure = await fetch(`http://127.0.0.1:${port}/webhooks/azure-devops`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: azureAuth },
      body: nested,
    })
    const admin = await fetch(`http://127.0.0.1:${port}/api/suppressions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
      body: nested,
    })
    const action = await fetch(`http://127.0.0.1:${port}/api/incidents/1/actions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
      body: nested,
    })
    for (const res of [github, azure, admin, action]) {
      expect(res.status, res.url).toBeGreaterThanOrEqual(400)
      expect(res.status, res.url).toBeLessThan(500)
      expect(((await res.json()) as { error?: string }).error).toBeTypeOf('string')
    }
    expect(github.status).toBe(400)
    expect(azure.status).toBe(400)
    expect(storedRows()).toBe(before)
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200)
    expect(t.log.lines.filter((l) => l.event === 'http.unhandled')).toEqual([])
  })
})
