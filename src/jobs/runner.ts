/**
 * Runs queued jobs in-process: polls the queue, wakes at once after an enqueue, runs up to `concurrency` jobs at a
 * time, and on `stop()` lets running jobs finish within a grace period before handing the rest back to the queue.
 * A job claimed here is always run here, or released: `drain()` returns only after every claim it could have raced
 * with has settled (on Workers nothing runs after the invocation's last promise). While jobs run, `start()`ed runners
 * renew their locks, so a long attempt is never taken over as orphaned.
 * Handlers throw to fail: a `RemoteError` carries whether and when to retry; anything else is retried with backoff,
 * until the give-up rule (give-up.ts) says the attempt was the last. The backoff grows with the time the job has been
 * failing, counted from the last attempt that made progress (queue.ts retryOf). A job whose attempts ended with their
 * process `MAX_CRASHES` times in a row, or that has been failing for the give-up time by crashing, is ended dead
 * when next claimed, without running it again, and given its visible end (`deadEnd`, jobs/dead-end.ts).
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
import { type Attempt, attemptOf, DEFAULT_GIVE_UP_AFTER_MS } from './give-up.js'
import {
  claim,
  complete,
  crashedReason,
  fail,
  heartbeat,
  MAX_CRASHES,
  releaseAll,
  reschedule,
  retryOf,
} from './queue.js'

/** What a handler may ask for instead of completing: try again later without counting a failure. */
export type JobResult = { rescheduleAt: number; reason: string }

/**
 * Resolves to nothing when the job is done, or to a {@link JobResult} to run it again later. A handler that must make
 * its give-up visible (a push marked failed, an incident ended) asks `attempt.isFinal(error)` before rethrowing.
 */
// biome-ignore lint/suspicious/noConfusingVoidType: handlers end with a bare `return`; void is what they return
export type JobHandler = (job: Job, payload: unknown, attempt: Attempt) => Promise<JobResult | void>

export interface JobContext {
  db: DB
  handlers: Record<string, JobHandler>
  log: Logger
  now: () => number
  backoff?: BackoffPolicy
  /** Transient failures are retried for this long after the job's first failure (PATROL_GIVE_UP_AFTER). */
  giveUpAfterMs?: number
  /**
   * The visible end of a job ended dead without its handler (it kept killing its process): its push `failed`, its
   * incident ended with the reason (jobs/dead-end.ts). Errors are logged, the job stays dead.
   */
  deadEnd?: (job: Job, reason: string) => Promise<void>
}

/** What became of one claimed job. `runAt`: when it runs next (queued again after a failure, or rescheduled). */
export type JobOutcome = { state: 'done' | 'dead' | 'lost' } | { state: 'queued' | 'rescheduled'; runAt: number }

/** Runs one claimed job with its handler and records the outcome: done, rescheduled, queued for a retry, or dead. */
export async function runJob(job: Job, o: JobContext): Promise<JobOutcome> {
  const started = o.now()
  const handler = o.handlers[job.kind]
  const giveUpAfterMs = o.giveUpAfterMs ?? DEFAULT_GIVE_UP_AFTER_MS
  const attempt = attemptOf(job, giveUpAfterMs)
  const failingFor = started - (job.failingSince ?? started)
  if (job.crashes >= MAX_CRASHES || (job.crashes > 0 && failingFor >= giveUpAfterMs))
    return buryCrashed(job, crashedReason(job.crashes, failingFor), o)
  try {
    if (!handler) throw new Error(`no handler for job kind ${job.kind}`)
    const result = await handler(job, JSON.parse(job.payload) as unknown, attempt)
    if (result) {
      const held = await reschedule(o.db, job, result.rescheduleAt, o.now(), result.reason)
      o.log.info('job.rescheduled', { job: job.id, kind: job.kind, runAt: result.rescheduleAt, reason: result.reason })
      return held ? { state: 'rescheduled', runAt: result.rescheduleAt } : { state: 'lost' }
    }
    const held = await complete(o.db, job, o.now())
    o.log.info('job.done', { job: job.id, kind: job.kind, attempt: job.attempts, ms: o.now() - started })
    return { state: held ? 'done' : 'lost' }
  } catch (error) {
    const remote = error instanceof RemoteError ? error : undefined
    const message = error instanceof Error ? error.message : String(error)
    const now = o.now()
    const progressed = attempt.madeProgress
    const { runAt } = retryOf(job, { now, progressed, backoff: o.backoff, retryAfterMs: remote?.retryAfterMs })
    const state = await fail(o.db, job, message, { now, runAt, progressed, final: attempt.isFinal(error) })
    const level = state === 'dead' ? 'error' : 'warn'
    o.log[level]('job.failed', {
      job: job.id,
      kind: job.kind,
      attempt: job.attempts,
      state,
      error: message,
      ...(state === 'queued' ? { retryInMs: runAt - now, progressed } : {}),
    })
    return state === 'queued' ? { state, runAt } : { state }
  }
}

/** Ends a job that kept killing its process: dead with the reason, and its subject's visible end. */
async function buryCrashed(job: Job, reason: string, o: JobContext): Promise<JobOutcome> {
  const state = await fail(o.db, job, reason, { now: o.now(), final: true })
  o.log.error('job.failed', { job: job.id, kind: job.kind, attempt: job.attempts, state, error: reason })
  if (state === 'dead')
    await o.deadEnd?.(job, reason).catch((error: unknown) =>
      o.log.error('job.dead_end_failed', {
        job: job.id,
        error: error instanceof Error ? error.message : String(error),
      }),
    )
  return { state: state === 'dead' ? 'dead' : 'lost' }
}

export interface RunnerOptions extends JobContext {
  worker: string
  concurrency?: number
  pollMs?: number
  /** A running job older than this is presumed orphaned. Must exceed the longest job. Default 5 min. */
  staleMs?: number
  /** Called when a look for work finds nothing due (housekeeping such as retention.ts); its errors are its own. */
  idle?: () => Promise<void>
}

export interface Runner {
  start(): void
  /** Look for work now (after an enqueue). */
  wake(): void
  /**
   * Runs until the queue has nothing due and nothing this runner claimed is left running (tests, the Workers sweep).
   */
  drain(): Promise<void>
  /** Stops claiming; waits up to `graceMs` for running jobs; releases what is still running. */
  stop(graceMs: number): Promise<void>
}

export function createRunner(options: Omit<RunnerOptions, 'now'> & { now?: () => number }): Runner {
  const o: RunnerOptions = { ...options, now: options.now ?? Date.now }
  const concurrency = o.concurrency ?? 4
  const staleMs = o.staleMs ?? 5 * 60_000
  const running = new Set<Promise<unknown>>()
  let timer: ReturnType<typeof setInterval> | undefined
  let beat: ReturnType<typeof setInterval> | undefined
  let stopping = false
  /** The fill in progress: callers wait for it rather than returning while it may still claim a job. */
  let filling: Promise<void> | undefined

  /** Set when fill() is asked for while one runs: that one looks again before it ends (a wake must not be lost). */
  let again = false

  async function fillLoop(): Promise<void> {
    let idle = false
    try {
      do {
        again = false
        while (!stopping && running.size < concurrency) {
          const job = await claim(o.db, { worker: o.worker, now: o.now(), staleMs })
          if (!job) {
            idle = running.size === 0
            break
          }
          const p: Promise<unknown> = runJob(job, o).finally(() => {
            running.delete(p)
            if (!stopping) void fill()
          })
          running.add(p)
        }
      } while (again && !stopping)
    } catch (error) {
      o.log.error('jobs.claim_failed', { error: error instanceof Error ? error.message : String(error) })
    }
    // A wake during housekeeping sets `again`, and fill() looks once more when this loop ends.
    if (idle && !stopping) await o.idle?.()
  }

  function fill(): Promise<void> {
    if (filling) {
      again = true
      return filling
    }
    filling = fillLoop().finally(() => {
      filling = undefined
      // A wake that came after the loop's last look but before it ended.
      if (again && !stopping) void fill()
    })
    return filling
  }

  return {
    start() {
      stopping = false
      timer = setInterval(() => void fill(), o.pollMs ?? 1000)
      timer.unref?.()
      // Locks renewed three times per stale limit: only a dead process's jobs go stale.
      beat = setInterval(() => {
        if (running.size > 0)
          heartbeat(o.db, o.worker, o.now()).catch((error: unknown) =>
            o.log.error('jobs.heartbeat_failed', { error: error instanceof Error ? error.message : String(error) }),
          )
      }, staleMs / 3)
      beat.unref?.()
      void fill()
    },
    wake() {
      if (!stopping) void fill()
    },
    async drain() {
      for (;;) {
        await fill()
        if (running.size > 0) await Promise.race(running)
        else if (!filling) return
      }
    },
    async stop(graceMs) {
      stopping = true
      if (timer) clearInterval(timer)
      if (beat) clearInterval(beat)
      await filling
      const grace = new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref?.())
      await Promise.race([Promise.allSettled([...running]), grace])
      const released = await releaseAll(o.db, o.worker, o.now())
      if (released) o.log.warn('jobs.released', { count: released })
    },
  }
}
