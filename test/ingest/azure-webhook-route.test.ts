/**
 * POST /webhooks/azure-devops through the real app and a real SQLite file, with the documented `git.push` sample
 * (research/apis.md 4.3): refusals are 401 (never 410, which would disable the subscription) and store nothing;
 * the secret header is required when configured; other events are ignored; a repeated event id is a duplicate;
 * a database that cannot store the delivery answers 503 with Retry-After.
 */
import { count } from 'drizzle-orm'
import { afterEach, describe, expect, it } from 'vitest'
import { deliveries, jobs, pushes } from '../../src/db/schema.js'
import { azurePushSample } from '../support/azure-devops-api.js'
import { TEST_AZURE_PASSWORD } from '../support/env.js'
import { type Pipeline, startPipeline } from '../support/pipeline.js'

let p: Pipeline
afterEach(() => p?.close())

async function stored() {
  const n = async (table: typeof deliveries | typeof pushes | typeof jobs) =>
    (await p.db.select({ n: count() }).from(table))[0]!.n
  return { deliveries: await n(deliveries), pushes: await n(pushes), jobs: await n(jobs) }
}
const NOTHING = { deliveries: 0, pushes: 0, jobs: 0 }

async function expectJsonError(res: Response, status: number, pattern: RegExp) {
  expect(res.status).toBe(status)
  expect(res.headers.get('content-type')).toMatch(/^application\/json/)
  expect(((await res.json()) as { error: string }).error).toMatch(pattern)
}

describe('basic auth', () => {
  it('refuses a missing, wrong or malformed Authorization with 401 (never 410) and stores nothing', async () => {
    p = await startPipeline()
    const attempts = [
      await p.postAzure(azurePushSample(), { basic: null }),
      await p.postAzure(azurePushSample(), { basic: 'patrol:wrong-password' }),
      await p.postAzure(azurePushSample(), { basic: `someone:${TEST_AZURE_PASSWORD}` }),
      await p.postAzure(azurePushSample(), { basic: `patrol:${TEST_AZURE_PASSWORD}x` }),
      await p.postAzure(azurePushSample(), { basic: null, headers: { authorization: 'Basic !!!not-base64' } }),
      await p.postAzure(azurePushSample(), {
        basic: null,
        headers: { authorization: `Bearer ${TEST_AZURE_PASSWORD}` },
      }),
    ]
    for (const res of attempts) {
      expect(res.status).not.toBe(410)
      expect(res.headers.get('www-authenticate')).toMatch(/^Basic/)
      await expectJsonError(res, 401, /^authorization: /)
    }
    expect(await stored()).toEqual(NOTHING)
  })

  it('checks auth before reading the body: garbage without credentials is 401, not 400', async () => {
    p = await startPipeline()
    await expectJsonError(await p.postAzure(null, { basic: null, raw: '{oops' }), 401, /^authorization/)
    expect(await stored()).toEqual(NOTHING)
  })

  it('accepts the documented sample with the configured user and password: 202, stored with its scan job', async () => {
    p = await startPipeline()
    const res = await p.postAzure(azurePushSample())
    expect(res.status).toBe(202)
    expect(await res.json()).toEqual({ queued: true, deliveryId: '03c164c2-8912-4d5e-8009-3707d5f83734' })
    expect(await stored()).toEqual({ deliveries: 1, pushes: 1, jobs: 1 })
    const [row] = await p.db.select().from(pushes)
    expect(row).toMatchObject({
      provider: 'azure-devops',
      repository: 'Fabrikam-Fiber-Git/Fabrikam-Fiber-Git',
      ref: 'refs/heads/main',
    })
  })
})

describe('secret header (AZURE_DEVOPS_WEBHOOK_HEADER)', () => {
  it('requires the header on top of basic auth, compared exactly', async () => {
    p = await startPipeline({ AZURE_DEVOPS_WEBHOOK_HEADER: 'X-Patrol-Secret:s3cr3t:with-colon' })
    const missing = await p.postAzure(azurePushSample())
    const wrong = await p.postAzure(azurePushSample(), { headers: { 'x-patrol-secret': 's3cr3t' } })
    const rightHeaderWrongAuth = await p.postAzure(azurePushSample(), {
      basic: 'patrol:nope',
      headers: { 'x-patrol-secret': 's3cr3t:with-colon' },
    })
    for (const res of [missing, wrong, rightHeaderWrongAuth]) await expectJsonError(res, 401, /secret header/)
    expect(await stored()).toEqual(NOTHING)
    const ok = await p.postAzure(azurePushSample(), { headers: { 'X-Patrol-Secret': 's3cr3t:with-colon' } })
    expect(ok.status).toBe(202)
    expect(await stored()).toEqual({ deliveries: 1, pushes: 1, jobs: 1 })
  })
})

describe('payload', () => {
  it('answers other events 202 ignored and queues nothing', async () => {
    p = await startPipeline()
    const event = { ...azurePushSample(), eventType: 'build.complete' }
    const res = await p.postAzure(event)
    expect(res.status).toBe(202)
    expect(await res.json()).toEqual({ ignored: true, event: 'build.complete' })
    expect(await stored()).toEqual(NOTHING)
  })

  it('answers 400 to malformed JSON, a missing eventType, or a git.push without what patrol needs (naming the field)', async () => {
    p = await startPipeline()
    await expectJsonError(
      await p.postAzure(null, { raw: '{"eventType":"git.push",' }),
      400,
      /^body: expects a JSON object/,
    )
    await expectJsonError(await p.postAzure({ id: 'x', resource: {} }), 400, /^eventType: missing/)
    const noPushId = azurePushSample() as { resource: Record<string, unknown> }
    delete noPushId.resource.pushId
    await expectJsonError(await p.postAzure(noPushId), 400, /^git\.push payload: resource\.pushId: /)
    const noRefs = azurePushSample()
    noRefs.resource.refUpdates = []
    await expectJsonError(await p.postAzure(noRefs), 400, /^git\.push payload: resource\.refUpdates: /)
    const noId = azurePushSample() as Record<string, unknown>
    delete noId.id
    await expectJsonError(await p.postAzure(noId), 400, /^git\.push payload: id: /)
    expect(await stored()).toEqual(NOTHING)
  })

  it('answers a repeated event id 200 duplicate and queues nothing more', async () => {
    p = await startPipeline()
    const event = azurePushSample()
    expect((await p.postAzure(event)).status).toBe(202)
    const again = await p.postAzure(event)
    expect(again.status).toBe(200)
    expect(await again.json()).toEqual({ duplicate: true, deliveryId: event.id })
    expect(await stored()).toEqual({ deliveries: 1, pushes: 1, jobs: 1 })
  })
})

describe('overload', () => {
  it('answers 503 with Retry-After (never 410, never a 2xx) when the database cannot store the delivery', async () => {
    p = await startPipeline()
    p.sqlite.close()
    const res = await p.postAzure(azurePushSample())
    expect(res.status).toBe(503)
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0)
    const body = (await res.json()) as { error: string }
    expect(body.error).toMatch(/retry later/)
    expect(JSON.stringify(body)).not.toMatch(/sqlite|database connection|stack/i)
    expect(p.log.lines.find((l) => l.event === 'webhook.store_failed')).toMatchObject({ provider: 'azure-devops' })
  })

  it('answers 503 with Retry-After when the database is locked by another writer, and stores the redelivery afterwards', async () => {
    p = await startPipeline()
    // Another process holds the write lock past the busy timeout: keep it short here so the test stays fast.
    p.sqlite.pragma('busy_timeout = 50')
    const Database = (await import('better-sqlite3')).default
    const other = new Database(`${p.dir}/patrol.db`)
    other.exec('BEGIN IMMEDIATE')
    try {
      const res = await p.postAzure(azurePushSample())
      expect(res.status).toBe(503)
      expect(res.headers.get('retry-after')).toBe('30')
    } finally {
      other.exec('ROLLBACK')
      other.close()
    }
    expect(await stored()).toEqual(NOTHING)
    expect((await p.postAzure(azurePushSample())).status).toBe(202)
  })
})
