import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { parseConfig } from '../../src/config.js'
import { createApp, MAX_BODY_BYTES } from '../../src/http/app.js'
import { importKeys } from '../../src/incidents/sealing.js'
import { enqueue } from '../../src/jobs/queue.js'
import { memoryLogger } from '../../src/log.js'
import { tempDatabase } from '../support/db.js'
import { testEnv } from '../support/env.js'

let t: ReturnType<typeof tempDatabase>
let log: ReturnType<typeof memoryLogger>
let app: ReturnType<typeof createApp>
const now = 1_800_000_000_000
beforeEach(async () => {
  t = tempDatabase()
  log = memoryLogger()
  const config = parseConfig(testEnv(t.dir))
  const keys = await importKeys(config.secrets)
  app = createApp(() => ({ config, db: t.db, keys, log, now: () => now, jobsEnqueued: () => {} }))
})
afterEach(() => t.cleanup())

describe('GET /healthz', () => {
  it('reports the database and the queue', async () => {
    await enqueue(t.db, { kind: 'x', payload: {} }, now - 4000)
    const res = await app.request('/healthz')
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({
      status: 'ok',
      database: 'ok',
      queue: { depth: 1, oldestDueAgeMs: 4000, dead: 0 },
      stuck: {
        unscannedPushes: 0,
        overdueUnscannedPushes: 0,
        oldestUnscannedAgeMs: 0,
        deadJobs: 0,
        staleRunningJobs: 0,
      },
      reasons: [],
    })
  })

  it('answers 503 when the database is gone, without internals', async () => {
    t.close()
    const res = await app.request('/healthz')
    expect(res.status).toBe(503)
    const body = (await res.json()) as Record<string, unknown>
    expect(body.database).toBe('unreachable')
    expect(JSON.stringify(body)).not.toMatch(/sqlite|stack|at /i)
  })
})

describe('every response', () => {
  it('carries a request id, also in the log line', async () => {
    const res = await app.request('/healthz')
    const id = res.headers.get('x-request-id')
    expect(id).toBeTruthy()
    expect(log.lines.find((l) => l.event === 'http.request')).toMatchObject({
      requestId: id,
      status: 200,
      path: '/healthz',
    })
  })

  it('answers with its own request id and logs a caller’s plain one beside it, never as it', async () => {
    const res = await app.request('/healthz', { headers: { 'x-request-id': 'abc-123' } })
    const id = res.headers.get('x-request-id')
    expect(id).toMatch(/^[0-9a-f-]{36}$/)
    expect(log.lines.find((l) => l.event === 'http.request')).toMatchObject({
      requestId: id,
      callerRequestId: 'abc-123',
    })
    await app.request('/healthz', { headers: { 'x-request-id': '==' } })
    expect(log.lines.filter((l) => l.event === 'http.request')[1]).not.toHaveProperty('callerRequestId')
  })

  it('answers unknown routes with a JSON 404', async () => {
    const res = await app.request('/nowhere', { method: 'POST' })
    expect(res.status).toBe(404)
    expect(await res.json()).toMatchObject({ error: 'no route for POST /nowhere' })
  })
})

describe('body limit', () => {
  it('refuses a body over 25 MB with 413 and a JSON error', async () => {
    const res = await app.request('/webhooks/github', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'content-length': String(MAX_BODY_BYTES + 1),
        'x-hub-signature-256': `sha256=${'0'.repeat(64)}`,
      },
      body: 'x'.repeat(MAX_BODY_BYTES + 1),
    })
    expect(res.status).toBe(413)
    expect(await res.json()).toMatchObject({ error: `body: expects at most ${MAX_BODY_BYTES} bytes` })
  })
})
