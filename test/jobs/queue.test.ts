import { spawn } from 'node:child_process'
import { eq } from 'drizzle-orm'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openNodeDatabase } from '../../src/adapter/node/database.js'
import { jobs } from '../../src/db/schema.js'
import { retryDelayMs } from '../../src/jobs/backoff.js'
import { DEFAULT_GIVE_UP_AFTER_MS, isFinalAttempt } from '../../src/jobs/give-up.js'
import { claim, complete, enqueue, fail, queueStats, releaseAll, reschedule } from '../../src/jobs/queue.js'
import { RemoteError } from '../../src/platforms/remote-error.js'
import { tempDatabase } from '../support/db.js'

let t: ReturnType<typeof tempDatabase>
beforeEach(() => {
  t = tempDatabase()
})
afterEach(() => t.cleanup())

const T0 = 1_800_000_000_000
const opts = (now: number, worker = 'w1') => ({ worker, now, staleMs: 60_000 })

describe('enqueue', () => {
  it('is a no-op for a duplicate idempotency key', async () => {
    const first = await enqueue(t.db, { kind: 'scan-push', payload: { pushId: 1 }, key: 'scan-push:1' }, T0)
    const second = await enqueue(t.db, { kind: 'scan-push', payload: { pushId: 1 }, key: 'scan-push:1' }, T0)
    expect(first).toBeTypeOf('number')
    expect(second).toBeUndefined()
    expect(await t.db.select().from(jobs)).toHaveLength(1)
  })

  it('keeps jobs without a key apart', async () => {
    await enqueue(t.db, { kind: 'x', payload: 1 }, T0)
    await enqueue(t.db, { kind: 'x', payload: 1 }, T0)
    expect(await t.db.select().from(jobs)).toHaveLength(2)
  })
})

describe('claim', () => {
  it('respects the not-before time', async () => {
    await enqueue(t.db, { kind: 'x', payload: {}, runAt: T0 + 5_000 }, T0)
    expect(await claim(t.db, opts(T0 + 4_999))).toBeUndefined()
    const job = await claim(t.db, opts(T0 + 5_000))
    expect(job?.state).toBe('running')
    expect(job?.attempts).toBe(1)
  })

  it('hands a job to one claimer only', async () => {
    await enqueue(t.db, { kind: 'x', payload: {} }, T0)
    expect(await claim(t.db, opts(T0, 'a'))).toBeDefined()
    expect(await claim(t.db, opts(T0, 'b'))).toBeUndefined()
  })

  it('takes over a job whose worker died once its lock is stale, and the dead worker cannot complete it', async () => {
    await enqueue(t.db, { kind: 'x', payload: {} }, T0)
    const orphan = await claim(t.db, opts(T0, 'dead-worker'))
    expect(await claim(t.db, opts(T0 + 59_999, 'w2'))).toBeUndefined()
    const rescued = await claim(t.db, opts(T0 + 60_001, 'w2'))
    expect(rescued?.id).toBe(orphan?.id)
    expect(rescued?.attempts).toBe(2)
    expect(await complete(t.db, orphan!, T0 + 60_002)).toBe(false)
    expect(await complete(t.db, rescued!, T0 + 60_002)).toBe(true)
  })

  it('runs due jobs oldest first', async () => {
    const late = await enqueue(t.db, { kind: 'x', payload: 'late', runAt: T0 + 10 }, T0)
    const early = await enqueue(t.db, { kind: 'x', payload: 'early', runAt: T0 }, T0)
    expect((await claim(t.db, opts(T0 + 20)))?.id).toBe(early)
    expect((await claim(t.db, opts(T0 + 20)))?.id).toBe(late)
  })
})

describe('fail and retry', () => {
  it('backs off exponentially with jitter, never below Retry-After', () => {
    const policy = { baseMs: 1000, capMs: 60_000 }
    expect(retryDelayMs(1, policy, 0, () => 0)).toBe(500)
    expect(retryDelayMs(1, policy, 0, () => 0.999)).toBe(1000)
    expect(retryDelayMs(4, policy, 0, () => 0)).toBe(4000)
    expect(retryDelayMs(4, policy, 0, () => 0.999)).toBe(7996)
    expect(retryDelayMs(20, policy, 0, () => 0.999)).toBe(59_970)
    expect(retryDelayMs(1, policy, 120_000, () => 0.5)).toBe(120_000)
  })

  it('requeues with a later run_at past max_attempts, and goes dead on the first attempt after the give-up time', async () => {
    await enqueue(t.db, { kind: 'x', payload: {}, maxAttempts: 3 }, T0)
    const backoff = { baseMs: 1000, capMs: 60_000 }
    const giveUpAfterMs = 10_000
    let now = T0
    const states: string[] = []
    for (let i = 1; i <= 6; i++) {
      const job = await claim(t.db, opts(now))
      expect(job?.attempts).toBe(i)
      const final = isFinalAttempt(job!, new Error(`boom ${i}`), giveUpAfterMs)
      states.push(await fail(t.db, job!, `boom ${i}`, { now, backoff, random: () => 0, final }))
      const [row] = await t.db.select().from(jobs)
      if (i < 6) expect(row?.runAt).toBe(now + 500 * 2 ** (i - 1))
      now = row!.runAt
    }
    // Attempts started at T0 + 0, 0.5, 1.5, 3.5, 7.5 and 15.5 s: only the last began after the 10 s.
    expect(states).toEqual(['queued', 'queued', 'queued', 'queued', 'queued', 'dead'])
    const [row] = await t.db.select().from(jobs)
    expect(row).toMatchObject({ state: 'dead', lastError: 'boom 6', attempts: 6 })
    expect(await claim(t.db, opts(now + 1e9))).toBeUndefined()
    expect((await queueStats(t.db, now)).dead).toBe(1)
  })

  it('honours Retry-After when it asks for more than the backoff', async () => {
    await enqueue(t.db, { kind: 'x', payload: {} }, T0)
    const job = await claim(t.db, opts(T0))
    await fail(t.db, job!, 'HTTP 429', { now: T0, retryAfterMs: 90_000 })
    expect((await t.db.select().from(jobs))[0]?.runAt).toBe(T0 + 90_000)
  })

  it('kills a permanent failure at once', async () => {
    await enqueue(t.db, { kind: 'x', payload: {} }, T0)
    const job = await claim(t.db, opts(T0))
    const refused = new RemoteError('auth', 'HTTP 401: the credential was refused; check GITHUB_TOKEN', { status: 401 })
    expect(isFinalAttempt(job!, refused, DEFAULT_GIVE_UP_AFTER_MS)).toBe(true)
    expect(isFinalAttempt(job!, new RemoteError('transient', 'HTTP 503'), DEFAULT_GIVE_UP_AFTER_MS)).toBe(false)
    expect(await fail(t.db, job!, refused.message, { now: T0, final: true })).toBe('dead')
  })

  it('reschedules without spending an attempt', async () => {
    await enqueue(t.db, { kind: 'x', payload: {}, maxAttempts: 1 }, T0)
    const job = await claim(t.db, opts(T0))
    expect(await reschedule(t.db, job!, T0 + 3_600_000, T0, 'hourly budget spent')).toBe(true)
    const again = await claim(t.db, opts(T0 + 3_600_000))
    expect(again?.attempts).toBe(1)
  })

  it('releases a stopping worker’s jobs for immediate pickup, attempt not counted', async () => {
    await enqueue(t.db, { kind: 'x', payload: {} }, T0)
    await claim(t.db, opts(T0, 'stopping'))
    expect(await releaseAll(t.db, 'stopping', T0 + 5)).toBe(1)
    const job = await claim(t.db, opts(T0 + 5, 'other'))
    expect(job).toMatchObject({ attempts: 1, lockedBy: 'other' })
  })
})

describe('queue stats', () => {
  it('reports depth and the age of the oldest due job', async () => {
    await enqueue(t.db, { kind: 'x', payload: {} }, T0)
    await enqueue(t.db, { kind: 'x', payload: {}, runAt: T0 + 1_000_000 }, T0)
    expect(await queueStats(t.db, T0 + 1500)).toEqual({ depth: 2, oldestDueAgeMs: 1500, dead: 0 })
  })
})

describe('several processes on one WAL file', () => {
  it('run every job exactly once with 4 processes', async () => {
    const total = 800
    for (let i = 0; i < total; i++) await enqueue(t.db, { kind: 'x', payload: i }, Date.now() - 1)
    t.close()
    const run = (worker: string) =>
      new Promise<number[]>((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/claim-worker.ts', t.path, worker], {
          stdio: ['ignore', 'pipe', 'inherit'],
        })
        let out = ''
        child.stdout.on('data', (d) => (out += d))
        child.on('exit', (code) =>
          code === 0 ? resolve(JSON.parse(out) as number[]) : reject(new Error(`worker ${worker} exited ${code}`)),
        )
      })
    const results = await Promise.all(['p1', 'p2', 'p3', 'p4'].map(run))
    const all = results.flat()
    expect(all).toHaveLength(total)
    expect(new Set(all).size).toBe(total)
    expect(results.filter((r) => r.length > 0).length).toBeGreaterThan(1)
    const reopened = openNodeDatabase(t.path)
    const done = await reopened.db.select().from(jobs).where(eq(jobs.state, 'done'))
    expect(done).toHaveLength(total)
    reopened.close()
  })
})

describe('recovering the jobs of a dead worker', () => {
  it('counts the attempt, and ends a job dead when the dead worker had used its last one', async () => {
    await enqueue(t.db, { kind: 'x', payload: 'poison', maxAttempts: 2 }, T0)
    await enqueue(t.db, { kind: 'x', payload: 'fine', maxAttempts: 2 }, T0 + 1)
    await claim(t.db, opts(T0 + 2, 'host:1'))
    await releaseAll(t.db, 'host:1', T0 + 3, { countAttempt: true })
    await claim(t.db, opts(T0 + 4, 'host:2'))
    await claim(t.db, opts(T0 + 4, 'host:2'))
    expect(await releaseAll(t.db, 'host:2', T0 + 5, { countAttempt: true })).toBe(2)
    const rows = await t.db.select().from(jobs).orderBy(jobs.id)
    expect(rows.map((r) => [r.payload, r.state, r.attempts])).toEqual([
      ['"poison"', 'dead', 2],
      ['"fine"', 'queued', 1],
    ])
  })
})
