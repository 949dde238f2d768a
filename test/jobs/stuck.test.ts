/**
 * Stuck work made visible: /healthz turns `degraded` (still 200) with reasons, and /metrics counts it, for a push
 * unscanned past 10 minutes, a dead job, and a job running past PATROL_JOB_STALE_MS.
 */

import { eq } from 'drizzle-orm'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { auditEvents, deliveries, jobs, pushes } from '../../src/db/schema.js'
import { claim, enqueue, fail } from '../../src/jobs/queue.js'
import { type TestApp, testApp } from '../support/service-app.js'

let t: TestApp
beforeEach(async () => {
  t = await testApp({ PATROL_JOB_STALE_MS: '300000' })
})
afterEach(() => t.cleanup())

const MIN = 60_000

async function pushReceived(agoMs: number, scanStatus: 'pending' | 'scanned' = 'pending') {
  const at = t.clock.now - agoMs
  const [d] = await t.db.db
    .insert(deliveries)
    .values({
      provider: 'github',
      deliveryId: `d${agoMs}`,
      event: 'push',
      receivedAt: at,
      status: 'queued',
      bodyBytes: 1,
    })
    .returning()
  await t.db.db.insert(pushes).values({
    deliveryId: d!.id,
    provider: 'github',
    repository: 'a/b',
    ref: 'refs/heads/main',
    event: '',
    receivedAt: at,
    scanStatus,
  })
}

async function health() {
  const res = await t.app.request('/healthz')
  expect(res.status).toBe(200)
  return (await res.json()) as { status: string; reasons: string[]; stuck: Record<string, number> }
}

async function metric(name: string): Promise<number> {
  const text = await (await t.admin('/metrics')).text()
  const line = text.split('\n').find((l) => l.startsWith(`${name} `))
  expect(line, name).toBeDefined()
  return Number(line!.split(' ')[1])
}

describe('/healthz and /metrics on stuck work', () => {
  it('stays ok while a push has waited less than 10 minutes, or was scanned', async () => {
    await pushReceived(5 * MIN)
    await pushReceived(60 * MIN, 'scanned')
    expect(await health()).toMatchObject({ status: 'ok', reasons: [] })
    expect(await metric('patrol_pushes_unscanned')).toBe(1)
    expect(await metric('patrol_oldest_unscanned_push_age_seconds')).toBe(300)
  })

  it('turns degraded, still 200, when a push is unscanned for more than 10 minutes', async () => {
    await pushReceived(5 * MIN)
    await pushReceived(42 * MIN)
    const body = await health()
    expect(body.status).toBe('degraded')
    expect(body.reasons).toEqual([
      expect.stringMatching(/^1 push unscanned for more than 10 minutes \(oldest 42 min\)/),
    ])
    expect(await metric('patrol_pushes_unscanned')).toBe(2)
    expect(await metric('patrol_pushes_unscanned_overdue')).toBe(1)
    expect(await metric('patrol_oldest_unscanned_push_age_seconds')).toBe(42 * 60)
  })

  it('turns degraded on a dead job', async () => {
    await enqueue(t.db.db, { kind: 'notify', payload: { notificationId: 1 } }, t.clock.now)
    const job = await claim(t.db.db, { worker: 'w', now: t.clock.now, staleMs: 300_000 })
    await fail(t.db.db, job!, 'HTTP 401: the credential was refused', { now: t.clock.now, final: true })
    const body = await health()
    expect(body.status).toBe('degraded')
    expect(body.reasons).toEqual([expect.stringMatching(/^1 dead job: /)])
    expect(await metric('patrol_jobs_dead')).toBe(1)
  })

  it('turns degraded on a job running past PATROL_JOB_STALE_MS, and not on one running for less', async () => {
    await enqueue(t.db.db, { kind: 'scan-push', payload: {} }, t.clock.now - 10 * MIN)
    await enqueue(t.db.db, { kind: 'scan-push', payload: {} }, t.clock.now - 10 * MIN)
    await claim(t.db.db, { worker: 'gone', now: t.clock.now - 6 * MIN, staleMs: 300_000 })
    await claim(t.db.db, { worker: 'busy', now: t.clock.now - MIN, staleMs: 300_000 })
    expect((await t.db.db.select().from(jobs)).map((j) => j.state)).toEqual(['running', 'running'])
    const body = await health()
    expect(body.status).toBe('degraded')
    expect(body.reasons).toEqual([expect.stringMatching(/^1 job running past PATROL_JOB_STALE_MS/)])
    expect(await metric('patrol_jobs_stale_running')).toBe(1)
  })
})

describe('admin API on stuck work', () => {
  it('lists unscanned pushes and dead jobs, retries a dead job and rescans a push, each audited', async () => {
    await pushReceived(42 * MIN)
    await enqueue(t.db.db, { kind: 'notify', payload: { notificationId: 1 } }, t.clock.now)
    const job = await claim(t.db.db, { worker: 'w', now: t.clock.now, staleMs: 300_000 })
    await fail(t.db.db, job!, 'SMTP 550: refused', { now: t.clock.now, final: true })

    const listed = await t.admin('/api/stuck')
    expect(listed.status).toBe(200)
    const body = (await listed.json()) as { pushes: { id: number; status: string }[]; deadJobs: { id: number }[] }
    expect(body.pushes.map((p) => p.status)).toEqual(['pending'])
    expect(body.deadJobs).toEqual([
      expect.objectContaining({ id: job!.id, kind: 'notify', lastError: 'SMTP 550: refused' }),
    ])

    expect((await t.admin(`/api/jobs/${job!.id}/retry`, { method: 'POST' })).status).toBe(200)
    const [again] = await t.db.db.select().from(jobs).where(eq(jobs.id, job!.id))
    expect(again).toMatchObject({ state: 'queued', runAt: t.clock.now, failingSince: null })
    expect((await t.admin(`/api/jobs/${job!.id}/retry`, { method: 'POST' })).status).toBe(404)

    const pushId = body.pushes[0]!.id
    await t.db.db.update(pushes).set({ scanStatus: 'failed', partialReasons: '["scan failed: HTTP 401"]' })
    expect((await t.admin(`/api/pushes/${pushId}/rescan`, { method: 'POST' })).status).toBe(200)
    expect((await t.db.db.select().from(pushes))[0]).toMatchObject({ scanStatus: 'pending', partialReasons: null })
    expect((await t.db.db.select().from(jobs).where(eq(jobs.kind, 'scan-push'))).map((j) => j.state)).toEqual([
      'queued',
    ])
    expect((await t.admin('/api/pushes/999/rescan', { method: 'POST' })).status).toBe(404)
    expect(t.enqueued.count).toBe(2)

    const audit = await t.db.db.select().from(auditEvents)
    expect(audit.map((a) => [a.actor, a.action, a.subjectType])).toEqual([
      ['admin:tester', 'job.retried', 'job'],
      ['admin:tester', 'push.rescanned', 'push'],
    ])
    expect((await t.app.request('/api/stuck')).status).toBe(401)
    expect((await t.admin('/api/jobs/x/retry', { method: 'POST' })).status).toBe(400)
    const doc = (await (await t.app.request('/api/openapi.json')).json()) as { paths: Record<string, unknown> }
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/stuck', '/api/jobs/{id}/retry', '/api/pushes/{id}/rescan']),
    )
  })
})
