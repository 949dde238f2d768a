import { spawn } from 'node:child_process'
import { eq } from 'drizzle-orm'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openNodeDatabase } from '../../src/adapter/node/database.js'
import { jobs } from '../../src/db/schema.js'
import { jobRetryDelayMs, retryDelayMs } from '../../src/jobs/backoff.js'
import { DEFAULT_GIVE_UP_AFTER_MS, isFinalAttempt } from '../../src/jobs/give-up.js'
import {
  claim,
  complete,
  enqueue,
  fail,
  MAX_CRASHES,
  queueStats,
  releaseAll,
  reschedule,
} from '../../src/jobs/queue.js'
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

  it('backs a failing job off by the time it has been failing, between the base and the cap, never below Retry-After', () => {
    const policy = { baseMs: 1000, capMs: 60_000 }
    expect(jobRetryDelayMs(0, policy, 0, () => 0)).toBe(500)
    expect(jobRetryDelayMs(0, policy, 0, () => 0.999)).toBe(1000)
    expect(jobRetryDelayMs(8_000, policy, 0, () => 0)).toBe(4000)
    expect(jobRetryDelayMs(8_000, policy, 0, () => 0.999)).toBe(7996)
    expect(jobRetryDelayMs(3_600_000, policy, 0, () => 0.999)).toBe(59_970)
    expect(jobRetryDelayMs(0, policy, 120_000, () => 0.5)).toBe(120_000)
  })

  it('requeues with a later run_at past max_attempts, and goes dead on the first attempt after the give-up time', async () => {
    await enqueue(t.db, { kind: 'x', payload: {}, maxAttempts: 3 }, T0)
    const backoff = { baseMs: 1000, capMs: 60_000 }
    const giveUpAfterMs = 10_000
    let now = T0
    const states: string[] = []
    const starts: number[] = []
    for (let i = 1; i <= 20 && states.at(-1) !== 'dead'; i++) {
      const job = await claim(t.db, opts(now))
      expect(job?.attempts).toBe(i)
      starts.push(now - T0)
      const final = isFinalAttempt(job!, new Error(`boom ${i}`), giveUpAfterMs)
      states.push(await fail(t.db, job!, `boom ${i}`, { now, backoff, random: () => 0, final }))
      const [row] = await t.db.select().from(jobs)
      // Half the time failing so far (at least half the base): the wait grows with the failure, not the count.
      if (row?.state === 'queued') expect(row.runAt - now).toBe(Math.round(Math.max(1000, now - T0) / 2))
      now = row!.runAt
    }
    // Attempts started at T0 + 0, 0.5, 1, 1.5, 2.25, 3.375, 5.06, 7.59 and 11.39 s: only the last began after 10 s.
    expect(starts).toEqual([0, 500, 1000, 1500, 2250, 3375, 5063, 7595, 11393])
    expect(states).toEqual([...starts.slice(1).map(() => 'queued'), 'dead'])
    const [row] = await t.db.select().from(jobs)
    expect(row).toMatchObject({ state: 'dead', lastError: 'boom 9', attempts: 9 })
    expect(await claim(t.db, opts(now + 1e9))).toBeUndefined()
    expect((await queueStats(t.db, now)).dead).toBe(1)
  })

  it('counts the backoff from the last attempt that made progress, and starts the give-up clock again there', async () => {
    await enqueue(t.db, { kind: 'scan', payload: {} }, T0)
    const backoff = { baseMs: 1000, capMs: 600_000 }
    const giveUpAfterMs = 60_000
    const failAt = async (now: number, progressed: boolean) => {
      const job = await claim(t.db, opts(now))
      const error = new RemoteError('transient', 'HTTP 503')
      const final = isFinalAttempt(job!, error, giveUpAfterMs, progressed)
      await fail(t.db, job!, error.message, { now, backoff, random: () => 0.999, final, progressed })
      const [row] = await t.db.select().from(jobs)
      return row!
    }
    // Failing without progress for 40 s: the next wait is about 40 s.
    await failAt(T0, false)
    let row = await failAt(T0 + 40_000, false)
    expect(row.runAt - (T0 + 40_000)).toBeGreaterThan(39_000)
    // The next attempt (80 s after the first failure) reads more before it fails: back to the base wait, and the
    // failing clock starts there.
    row = await failAt(row.runAt, true)
    const progressAt = row.failingSince!
    expect(progressAt - T0).toBeGreaterThan(60_000)
    expect(row).toMatchObject({ state: 'queued' })
    expect(row.runAt - progressAt).toBeLessThanOrEqual(1000)
    // More than the give-up time after the first failure, but 2 s after the progress: not given up on.
    row = await failAt(progressAt + 2_000, false)
    expect(row.state).toBe('queued')
    expect(row.failingSince).toBe(progressAt)
    // Without progress for the give-up time after it, it ends dead.
    row = await failAt(progressAt + 60_000, false)
    expect(row).toMatchObject({ state: 'dead', failingSince: progressAt })
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
  it('requeues them after a backoff, counting a crash in a row and the start of a failure, never ending them dead', async () => {
    const backoff = { baseMs: 1000, capMs: 60_000 }
    await enqueue(t.db, { kind: 'poison', payload: {}, maxAttempts: 2 }, T0)
    await enqueue(t.db, { kind: 'fine', payload: {}, maxAttempts: 2 }, T0 + 1)
    let now = T0 + 2
    // The poison job kills every process that runs it, more often than any attempt count would allow; the queue
    // itself never ends it (the runner does, at MAX_CRASHES, without running it: runner.test.ts).
    for (let crash = 1; crash <= 4; crash++) {
      const job = await claim(t.db, { ...opts(now, `host:${crash}`), kinds: ['poison'] })
      expect(job?.attempts).toBe(crash)
      expect(await releaseAll(t.db, `host:${crash}`, now + 10, { crashed: true, backoff })).toBe(1)
      const [row] = await t.db.select().from(jobs).where(eq(jobs.id, job!.id))
      expect(row).toMatchObject({ state: 'queued', crashes: crash, failingSince: T0 + 12, lockedBy: null })
      expect(row!.lastError).toBe(`its process ended while running it (${crash} in a row)`)
      // Not due at once: the backoff of a job failing since its first crash.
      expect(row!.runAt - (now + 10)).toBe(Math.max(1000, now + 10 - (T0 + 12)))
      now = row!.runAt
    }
    const [fine] = await t.db.select().from(jobs).where(eq(jobs.kind, 'fine'))
    expect(fine).toMatchObject({ state: 'queued', crashes: 0, failingSince: null })
  })

  it('counts a stale lock taken over as a crash, and an attempt that ends normally starts the count again', async () => {
    await enqueue(t.db, { kind: 'x', payload: {} }, T0)
    await claim(t.db, opts(T0, 'gone'))
    const rescued = await claim(t.db, opts(T0 + 60_001, 'w2'))
    expect(rescued).toMatchObject({ crashes: 1, failingSince: T0 + 60_001 })
    await fail(t.db, rescued!, 'HTTP 503', { now: T0 + 60_002 })
    const [row] = await t.db.select().from(jobs)
    expect(row).toMatchObject({ state: 'queued', crashes: 0, failingSince: T0 + 60_001 })
    expect(MAX_CRASHES).toBe(3)
  })
})
