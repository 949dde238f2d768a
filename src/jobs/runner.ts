/**
 * Runs queued jobs in-process: polls the queue, wakes at once after an enqueue, runs up to `concurrency` jobs at a
 * time, and on `stop()` lets running jobs finish within a grace period before handing the rest back to the queue.
 * Handlers throw to fail: a `RemoteError` carries whether and when to retry; anything else is retried with backoff.
 *
 * @example
 * const runner = createRunner({ db, worker: 'node-1', handlers: { 'scan-push': scanPush }, log })
 * runner.start(); runner.wake() // after an enqueue
 * await runner.stop(10_000)
 */
import type { Job } from '../db/schema.js'
import type { DB } from '../db/types.js'
import type { Logger } from '../log.js'
import { RemoteError } from '../platforms/remote-error.js'
import type { BackoffPolicy } from './backoff.js'
import { claim, complete, fail, releaseAll, reschedule } from './queue.js'

/** What a handler may ask for instead of completing: try again later without counting a failure. */
export type JobResult = { rescheduleAt: number; reason: string }

/** Resolves to nothing when the job is done, or to a {@link JobResult} to run it again later. */
// biome-ignore lint/suspicious/noConfusingVoidType: handlers end with a bare `return`; void is what they return
export type JobHandler = (job: Job, payload: unknown) => Promise<JobResult | void>

export interface RunnerOptions {
  db: DB
  worker: string
  handlers: Record<string, JobHandler>
  log: Logger
  concurrency?: number
  pollMs?: number
  /** A running job older than this is presumed orphaned. Must exceed the longest job. Default 5 min. */
  staleMs?: number
  backoff?: BackoffPolicy
  now?: () => number
  /** Called when a look for work finds nothing due (housekeeping such as retention.ts); its errors are its own. */
  idle?: () => Promise<void>
}

export interface Runner {
  start(): void
  /** Look for work now (after an enqueue). */
  wake(): void
  /** Runs until the queue has nothing due (tests, the Workers sweep). */
  drain(): Promise<void>
  /** Stops claiming; waits up to `graceMs` for running jobs; releases what is still running. */
  stop(graceMs: number): Promise<void>
}

export function createRunner(o: RunnerOptions): Runner {
  const now = o.now ?? Date.now
  const concurrency = o.concurrency ?? 4
  const staleMs = o.staleMs ?? 5 * 60_000
  const running = new Set<Promise<void>>()
  let timer: ReturnType<typeof setInterval> | undefined
  let stopping = false
  let filling = false

  async function runOne(job: Job): Promise<void> {
    const started = now()
    const payload = JSON.parse(job.payload) as unknown
    const handler = o.handlers[job.kind]
    try {
      if (!handler) throw new Error(`no handler for job kind ${job.kind}`)
      const result = await handler(job, payload)
      if (result) {
        await reschedule(o.db, job, result.rescheduleAt, now(), result.reason)
        o.log.info('job.rescheduled', {
          job: job.id,
          kind: job.kind,
          runAt: result.rescheduleAt,
          reason: result.reason,
        })
      } else {
        await complete(o.db, job, now())
        o.log.info('job.done', { job: job.id, kind: job.kind, attempt: job.attempts, ms: now() - started })
      }
    } catch (error) {
      const remote = error instanceof RemoteError ? error : undefined
      const message = error instanceof Error ? error.message : String(error)
      const state = await fail(o.db, job, message, {
        now: now(),
        retryAfterMs: remote?.retryAfterMs,
        permanent: remote !== undefined && !remote.retryable,
        backoff: o.backoff,
      })
      const level = state === 'dead' ? 'error' : 'warn'
      o.log[level]('job.failed', { job: job.id, kind: job.kind, attempt: job.attempts, state, error: message })
    }
  }

  async function fill(): Promise<void> {
    if (filling) return
    filling = true
    let idle = false
    try {
      while (!stopping && running.size < concurrency) {
        const job = await claim(o.db, { worker: o.worker, now: now(), staleMs })
        if (!job) {
          idle = running.size === 0
          break
        }
        const p: Promise<void> = runOne(job).finally(() => {
          running.delete(p)
          if (!stopping) void fill()
        })
        running.add(p)
      }
    } catch (error) {
      o.log.error('jobs.claim_failed', { error: error instanceof Error ? error.message : String(error) })
    } finally {
      filling = false
    }
    // Outside `filling`, so a wake() during housekeeping still looks for work.
    if (idle && !stopping) await o.idle?.()
  }

  return {
    start() {
      stopping = false
      timer = setInterval(() => void fill(), o.pollMs ?? 1000)
      timer.unref?.()
      void fill()
    },
    wake() {
      if (!stopping) void fill()
    },
    async drain() {
      for (;;) {
        await fill()
        if (running.size === 0) {
          const job = await claim(o.db, { worker: o.worker, now: now(), staleMs })
          if (!job) return
          await runOne(job)
          continue
        }
        await Promise.race(running)
      }
    },
    async stop(graceMs) {
      stopping = true
      if (timer) clearInterval(timer)
      const grace = new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref?.())
      await Promise.race([Promise.allSettled([...running]), grace])
      const released = await releaseAll(o.db, o.worker, now())
      if (released) o.log.warn('jobs.released', { count: released })
    },
  }
}
