import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { jobs } from '../../src/db/schema.js'
import { claim, enqueue, MAX_CRASHES, releaseAll } from '../../src/jobs/queue.js'
import { createRunner, type JobHandler } from '../../src/jobs/runner.js'
import { stuckLists } from '../../src/jobs/stuck.js'
import { memoryLogger } from '../../src/log.js'
import { RemoteError } from '../../src/platforms/remote-error.js'
import { tempDatabase } from '../support/db.js'

let t: ReturnType<typeof tempDatabase>
beforeEach(() => {
  t = tempDatabase()
})
afterEach(() => t.cleanup())

const until = async (check: () => Promise<boolean> | boolean, ms = 5000) => {
  const end = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not reached')
    await new Promise((r) => setTimeout(r, 10))
  }
}

/** The one queued job is claimed by `n` processes in turn, each dying under it; the clock follows its backoff. */
async function crashes(n: number, clock: { now: number }) {
  for (let crash = 1; crash <= n; crash++) {
    await claim(t.db, { worker: `host:${crash}`, now: clock.now, staleMs: 60_000 })
    await releaseAll(t.db, `host:${crash}`, clock.now + 5, { crashed: true })
    clock.now = (await t.db.select().from(jobs))[0]!.runAt
  }
}

describe('runner', () => {
  it('wakes at once after an enqueue instead of waiting for the next poll', async () => {
    const seen: unknown[] = []
    const runner = createRunner({
      db: t.db,
      worker: 'w',
      log: memoryLogger(),
      pollMs: 60_000,
      handlers: { echo: async (_j, p) => void seen.push(p) },
    })
    runner.start()
    await enqueue(t.db, { kind: 'echo', payload: { n: 1 } }, Date.now())
    runner.wake()
    await until(() => seen.length === 1)
    expect(seen).toEqual([{ n: 1 }])
    await runner.stop(100)
  })

  it('retries a transient failure past max_attempts until the give-up time, telling the handler which try is final', async () => {
    const clock = { now: Date.parse('2026-12-01T00:00:00Z') }
    const verdicts: boolean[] = []
    const handlers: Record<string, JobHandler> = {
      flaky: async (_job, _payload, attempt) => {
        const error = new RemoteError('transient', 'HTTP 503', { status: 503 })
        verdicts.push(attempt.isFinal(error))
        throw error
      },
    }
    await enqueue(t.db, { kind: 'flaky', payload: {}, maxAttempts: 2 }, clock.now)
    const runner = createRunner({
      db: t.db,
      worker: 'w',
      log: memoryLogger(),
      handlers,
      now: () => clock.now,
      backoff: { baseMs: 60_000, capMs: 3_600_000 },
      giveUpAfterMs: 6 * 3_600_000,
    })
    for (let i = 0; i < 50; i++) {
      await runner.drain()
      const [row] = await t.db.select().from(jobs)
      if (row!.state === 'dead') break
      clock.now = row!.runAt
    }
    const [row] = await t.db.select().from(jobs)
    expect(row).toMatchObject({ state: 'dead', lastError: 'HTTP 503' })
    expect(row!.attempts).toBeGreaterThan(2)
    expect(verdicts.at(-1)).toBe(true)
    expect(verdicts.slice(0, -1).every((v) => !v)).toBe(true)
    expect(row!.finishedAt! - row!.failingSince!).toBeGreaterThanOrEqual(6 * 3_600_000)
  })

  it('turns a RemoteError into a retry at Retry-After, and a non-retryable one into a dead job', async () => {
    const handlers: Record<string, JobHandler> = {
      limited: async () => {
        throw new RemoteError('rate_limited', 'HTTP 429', { status: 429, retryAfterMs: 120_000 })
      },
      refused: async () => {
        throw new RemoteError('permanent', 'HTTP 422', { status: 422 })
      },
    }
    const now = Date.now()
    await enqueue(t.db, { kind: 'limited', payload: {} }, now)
    await enqueue(t.db, { kind: 'refused', payload: {} }, now)
    const log = memoryLogger()
    await createRunner({ db: t.db, worker: 'w', log, handlers }).drain()
    const rows = await t.db.select().from(jobs).orderBy(jobs.id)
    expect(rows[0]).toMatchObject({ state: 'queued', lastError: 'HTTP 429' })
    expect(rows[0]!.runAt).toBeGreaterThanOrEqual(now + 120_000)
    expect(rows[1]).toMatchObject({ state: 'dead', lastError: 'HTTP 422' })
    expect(log.lines.some((l) => l.event === 'job.failed' && l.state === 'dead')).toBe(true)
  })

  it('lets a running job finish within the grace period on stop', async () => {
    let finished = false
    const runner = createRunner({
      db: t.db,
      worker: 'w',
      log: memoryLogger(),
      handlers: { slow: () => new Promise((r) => setTimeout(() => r((finished = true) && undefined), 200)) },
    })
    await enqueue(t.db, { kind: 'slow', payload: {} }, Date.now())
    runner.start()
    await until(async () => (await t.db.select().from(jobs))[0]?.state === 'running')
    await runner.stop(5_000)
    expect(finished).toBe(true)
    expect((await t.db.select().from(jobs))[0]?.state).toBe('done')
  })

  it('releases a job still running after the grace period, for another process to take at once', async () => {
    const runner = createRunner({
      db: t.db,
      worker: 'w',
      log: memoryLogger(),
      handlers: { stuck: () => new Promise(() => {}) },
    })
    await enqueue(t.db, { kind: 'stuck', payload: {} }, Date.now())
    runner.start()
    await until(async () => (await t.db.select().from(jobs))[0]?.state === 'running')
    await runner.stop(50)
    expect((await t.db.select().from(jobs))[0]).toMatchObject({ state: 'queued', attempts: 0, lockedBy: null })
  })

  it('renews the lock of a job running longer than the stale limit, so no other process takes it over', async () => {
    let release: () => void = () => {}
    const runner = createRunner({
      db: t.db,
      worker: 'alive',
      log: memoryLogger(),
      staleMs: 300,
      handlers: { long: () => new Promise<void>((r) => (release = r)) },
    })
    await enqueue(t.db, { kind: 'long', payload: {} }, Date.now())
    runner.start()
    await until(async () => (await t.db.select().from(jobs))[0]?.state === 'running')
    // Three stale limits later, another process looks for orphaned work: there is none.
    await new Promise((r) => setTimeout(r, 900))
    expect(await claim(t.db, { worker: 'other', now: Date.now(), staleMs: 300 })).toBeUndefined()
    release()
    await until(async () => (await t.db.select().from(jobs))[0]?.state === 'done')
    expect((await t.db.select().from(jobs))[0]).toMatchObject({ attempts: 1, crashes: 0 })
    await runner.stop(100)
  })

  it('runs no more than `concurrency` jobs at once', async () => {
    let active = 0
    let peak = 0
    const runner = createRunner({
      db: t.db,
      worker: 'w',
      log: memoryLogger(),
      concurrency: 2,
      handlers: {
        work: async () => {
          peak = Math.max(peak, ++active)
          await new Promise((r) => setTimeout(r, 20))
          active--
        },
      },
    })
    for (let i = 0; i < 8; i++) await enqueue(t.db, { kind: 'work', payload: i }, Date.now())
    await runner.drain()
    expect(peak).toBe(2)
    expect((await t.db.select().from(jobs)).every((j) => j.state === 'done')).toBe(true)
  })

  it('ends a job dead without running it once its process ended under it three times in a row, and lists why', async () => {
    const clock = { now: Date.parse('2026-12-01T00:00:00Z') }
    const ran: number[] = []
    const ends: string[] = []
    await enqueue(t.db, { kind: 'poison', payload: {} }, clock.now)
    const runner = createRunner({
      db: t.db,
      worker: 'w',
      log: memoryLogger(),
      now: () => clock.now,
      handlers: { poison: async (job) => void ran.push(job.id) },
      deadEnd: async (job, reason) => void ends.push(`${job.kind}: ${reason}`),
    })
    // Three processes in a row die while running it (a restart finds each gone and hands its jobs back).
    await crashes(MAX_CRASHES, clock)
    await runner.drain()
    expect(ran).toEqual([])
    const [row] = await t.db.select().from(jobs)
    expect(row).toMatchObject({ state: 'dead', crashes: 0 })
    expect(row!.lastError).toMatch(/the process running it ended during its last 3 attempts in a row/)
    expect(ends).toEqual([`poison: ${row!.lastError}`])
    expect((await stuckLists(t.db)).deadJobs).toMatchObject([{ id: row!.id, lastError: row!.lastError }])
  })

  it('runs a job again after fewer crashes in a row than the limit, and a normal end forgets them', async () => {
    const clock = { now: Date.parse('2026-12-01T00:00:00Z') }
    let runs = 0
    await enqueue(t.db, { kind: 'flaky', payload: {} }, clock.now)
    const runner = createRunner({
      db: t.db,
      worker: 'w',
      log: memoryLogger(),
      now: () => clock.now,
      handlers: {
        flaky: async () => {
          if (++runs === 1) throw new RemoteError('transient', 'HTTP 503')
        },
      },
    })
    await crashes(MAX_CRASHES - 1, clock)
    await runner.drain()
    expect((await t.db.select().from(jobs))[0]).toMatchObject({ state: 'queued', crashes: 0 })
    clock.now = (await t.db.select().from(jobs))[0]!.runAt
    await runner.drain()
    expect((await t.db.select().from(jobs))[0]).toMatchObject({ state: 'done', crashes: 0 })
    expect(runs).toBe(2)
  })

  it('ends a crashing job dead once it has been failing for the give-up time, before the crash limit', async () => {
    const clock = { now: Date.parse('2026-12-01T00:00:00Z') }
    await enqueue(t.db, { kind: 'slow-poison', payload: {} }, clock.now)
    const runner = createRunner({
      db: t.db,
      worker: 'w',
      log: memoryLogger(),
      now: () => clock.now,
      giveUpAfterMs: 3_600_000,
      handlers: {
        'slow-poison': async () => {
          throw new RemoteError('transient', 'HTTP 503')
        },
      },
    })
    await runner.drain()
    const failingSince = (await t.db.select().from(jobs))[0]!.failingSince!
    // An hour later its process dies under it once.
    clock.now = failingSince + 3_600_000
    await crashes(1, clock)
    await runner.drain()
    const [row] = await t.db.select().from(jobs)
    expect(row).toMatchObject({ state: 'dead', failingSince })
    const minutes = /failing for (\d+) min \(PATROL_GIVE_UP_AFTER\), the last attempt ending with its process/.exec(
      row!.lastError ?? '',
    )?.[1]
    expect(Number(minutes)).toBeGreaterThanOrEqual(60)
  })
})
