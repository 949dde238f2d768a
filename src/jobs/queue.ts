/**
 * The durable job queue, in the same database as everything else. Each function is one statement, so it is atomic
 * on better-sqlite3 and on D1 alike, and several processes on one database never run the same job at the same time.
 *
 * Lifecycle: `queued` → (claim) `running` → `done`; a failure goes back to `queued` with a later `run_at`
 * (backoff, or Retry-After), or to `dead` when the caller says it was the final attempt (give-up.ts decides that).
 * A worker that dies leaves its job `running` with an old `locked_at`; the next claim after `staleMs` takes it over
 * (or `releaseAll` hands it back at once when its process is known to be gone). Either way the attempt counts as a
 * crash: `crashes` says how many attempts in a row ended with their process, and the runner ends the job dead at
 * {@link MAX_CRASHES} rather than let a job that kills its process loop (runner.ts).
 *
 * @example
 * await enqueue(db, { kind: 'scan-push', payload: { pushId }, key: `scan-push:${pushId}` }, Date.now())
 * const job = await claim(db, { worker: 'w1', now: Date.now(), staleMs: 300_000 })
 * if (job) await complete(db, job, Date.now())
 */
import { and, asc, count, eq, inArray, lt, lte, min, or, sql } from 'drizzle-orm'
import { type Job, jobs } from '../db/schema.js'
import type { DB } from '../db/types.js'
import { type BackoffPolicy, DEFAULT_BACKOFF, jobRetryDelayMs } from './backoff.js'

/**
 * The `max_attempts` column's value. No rule reads it any more: jobs give up by time (give-up.ts), and a job that
 * kills its process ends dead after {@link MAX_CRASHES}.
 */
export const DEFAULT_MAX_ATTEMPTS = 8

/** Attempts in a row that ended with their process (crash, kill, stale lock) before the job ends dead. */
export const MAX_CRASHES = 3

/**
 * The reason a job that kept killing its process ends dead with (shown in the stuck-work list): the crashes in a row,
 * or, when fewer, that it had been failing for the give-up time (`failingForMs`).
 */
export function crashedReason(crashes: number, failingForMs?: number): string {
  const why =
    crashes >= MAX_CRASHES
      ? `the process running it ended during its last ${crashes} attempts in a row`
      : `failing for ${Math.round((failingForMs ?? 0) / 60_000)} min (PATROL_GIVE_UP_AFTER), the last attempt ending with its process`
  return `gave up: ${why} (a crash, a kill, or a hang past the stale-lock limit); see those processes' logs, then retry it`
}

export interface NewJob {
  kind: string
  payload: unknown
  /** A second enqueue with the same key is a no-op (even after the first job finished). */
  key?: string
  /** Not before this time (ms). Default: now. */
  runAt?: number
  maxAttempts?: number
}

/** A job as the invocation that wrote it hears of it (see {@link sendOwnJobs}). */
export interface Enqueued {
  id: number
  kind: string
  runAt: number
}

/** The invocations that send their own jobs' messages, by the database object they write through. */
const senders = new WeakMap<DB, (job: Enqueued) => void>()

/**
 * For an invocation that sends the messages of the jobs it writes itself (the Workers consumer, jobs/dispatch.ts):
 * every job `enqueue` writes through `db` from now on is stored already dispatched, so that no other invocation's
 * dispatch sends it a message, and `hear` is told of it. If the invocation ends before it runs the job or sends its
 * message, the job is a lost message: re-sent by the cron sweep once it has been quiet for RESEND_AFTER_MS.
 */
export function sendOwnJobs(db: DB, hear: (job: Enqueued) => void): void {
  senders.set(db, hear)
}

/** Adds a job; returns its id, or `undefined` when a job with the same key already exists. */
export async function enqueue(db: DB, job: NewJob, now: number): Promise<number | undefined> {
  const hear = senders.get(db)
  const runAt = job.runAt ?? now
  const rows = await db
    .insert(jobs)
    .values({
      kind: job.kind,
      payload: JSON.stringify(job.payload ?? null),
      idempotencyKey: job.key ?? null,
      state: 'queued',
      maxAttempts: job.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
      runAt,
      dispatchedAt: hear ? now : null,
      createdAt: now,
      updatedAt: now,
    })
    .onConflictDoNothing({ target: jobs.idempotencyKey })
    .returning({ id: jobs.id })
  const id = rows[0]?.id
  if (id !== undefined) hear?.({ id, kind: job.kind, runAt })
  return id
}

export interface ClaimOptions {
  worker: string
  now: number
  /** A `running` job locked longer ago than this is presumed orphaned by a dead worker. */
  staleMs: number
  /** Only these kinds (default: any). */
  kinds?: string[]
}

/** Takes the oldest due job (or an orphaned one) for `worker`, counting the attempt. One UPDATE … RETURNING. */
export async function claim(db: DB, o: ClaimOptions): Promise<Job | undefined> {
  const due = takeable(o)
  const next = db
    .select({ id: jobs.id })
    .from(jobs)
    .where(o.kinds ? and(due, inArray(jobs.kind, o.kinds)) : due)
    .orderBy(asc(jobs.runAt), asc(jobs.id))
    .limit(1)
  const [job] = await db
    .update(jobs)
    .set(taken(o))
    // The state test is repeated outside the subquery so that a row taken by another worker in between is not re-taken.
    .where(and(inArray(jobs.id, next), or(eq(jobs.state, 'queued'), lt(jobs.lockedAt, o.now - o.staleMs))))
    .returning()
  return job
}

/** Marks a job done, if `job.lockedBy` still holds it (a stale job taken over by another worker is theirs now). */
export async function complete(db: DB, job: Job, now: number): Promise<boolean> {
  const rows = await db
    .update(jobs)
    .set({
      state: 'done',
      finishedAt: now,
      updatedAt: now,
      lockedBy: null,
      lockedAt: null,
      lastError: null,
      crashes: 0,
    })
    .where(held(job))
    .returning({ id: jobs.id })
  return rows.length === 1
}

export interface FailOptions {
  now: number
  /** The remote asked for this much quiet (Retry-After). */
  retryAfterMs?: number
  /** This was the job's last attempt (isFinalAttempt): dead, not queued again. */
  final?: boolean
  /** The attempt got further than the ones before (Attempt.progressed): the failing clock starts again now. */
  progressed?: boolean
  /** When to run again, if the caller computed it; default: the backoff after this attempt. */
  runAt?: number
  backoff?: BackoffPolicy
  random?: () => number
}

/**
 * When a job that failed at `o.now` runs again, and since when it counts as failing: its backoff grows with the time
 * it has been failing (backoff.ts jobRetryDelayMs), counted from its first failure or from this failure when the
 * attempt made progress; never sooner than Retry-After.
 */
export function retryOf(
  job: Pick<Job, 'failingSince'>,
  o: Pick<FailOptions, 'now' | 'retryAfterMs' | 'progressed' | 'backoff' | 'random'>,
): { runAt: number; failingSince: number } {
  const failingSince = o.progressed ? o.now : (job.failingSince ?? o.now)
  const delay = jobRetryDelayMs(o.now - failingSince, o.backoff ?? DEFAULT_BACKOFF, o.retryAfterMs ?? 0, o.random)
  return { runAt: o.now + delay, failingSince }
}

/** Records a failure: back to `queued` after a backoff, or `dead` after the final attempt. Returns the new state. */
export async function fail(db: DB, job: Job, error: string, o: FailOptions): Promise<'queued' | 'dead' | 'lost'> {
  const dead = o.final === true
  const retry = retryOf(job, o)
  const failingSince = retry.failingSince
  const runAt = o.runAt ?? retry.runAt
  const rows = await db
    .update(jobs)
    .set(
      dead
        ? {
            state: 'dead',
            lastError: error,
            finishedAt: o.now,
            updatedAt: o.now,
            lockedBy: null,
            lockedAt: null,
            failingSince,
            crashes: 0,
          }
        : {
            state: 'queued',
            lastError: error,
            runAt,
            updatedAt: o.now,
            lockedBy: null,
            lockedAt: null,
            failingSince,
            crashes: 0,
          },
    )
    .where(held(job))
    .returning({ id: jobs.id })
  if (rows.length === 0) return 'lost'
  return dead ? 'dead' : 'queued'
}

/**
 * Takes one job by id for `worker` (a Queues message names its job): only if it is due, or running but stale. One
 * UPDATE … RETURNING, so two consumers given the same message never both run it. `undefined` when not takeable.
 */
export async function claimById(db: DB, id: number, o: Omit<ClaimOptions, 'kinds'>): Promise<Job | undefined> {
  const [job] = await db
    .update(jobs)
    .set(taken(o))
    .where(and(eq(jobs.id, id), takeable(o)))
    .returning()
  return job
}

/** Due and queued, or running but orphaned (locked longer ago than `staleMs`). */
function takeable(o: { now: number; staleMs: number }) {
  return or(
    and(eq(jobs.state, 'queued'), lte(jobs.runAt, o.now)),
    and(eq(jobs.state, 'running'), lt(jobs.lockedAt, o.now - o.staleMs)),
  )
}

/**
 * A claim: running, locked by `worker`, the attempt counted. Taking over a `running` job (its lock went stale) counts
 * its last attempt as a crash, which started the job failing if nothing had.
 */
function taken(o: { worker: string; now: number }) {
  const stale = sql`${jobs.state} = 'running'`
  return {
    state: 'running',
    lockedBy: o.worker,
    lockedAt: o.now,
    attempts: sql`${jobs.attempts} + 1`,
    crashes: sql`case when ${stale} then ${jobs.crashes} + 1 else ${jobs.crashes} end`,
    failingSince: sql`case when ${stale} then coalesce(${jobs.failingSince}, ${o.now}) else ${jobs.failingSince} end`,
    updatedAt: o.now,
  } as const
}

/**
 * Puts a job back without counting the attempt: a planned wait (hourly budget, a later confirmation), not a failure.
 */
export async function reschedule(db: DB, job: Job, runAt: number, now: number, reason?: string): Promise<boolean> {
  const rows = await db
    .update(jobs)
    .set({
      state: 'queued',
      runAt,
      attempts: sql`max(${jobs.attempts} - 1, 0)`,
      lastError: reason ?? null,
      updatedAt: now,
      lockedBy: null,
      lockedAt: null,
      crashes: 0,
    })
    .where(held(job))
    .returning({ id: jobs.id })
  return rows.length === 1
}

/**
 * Hands a worker's running jobs back to the queue. On a graceful shutdown (`crashed` unset) they are due at once and
 * the attempt is not counted. For a worker whose process died under them (`crashed`), the attempt counts as a crash
 * and as a failure: the job starts failing (if it was not already), waits a backoff as for any failure (jobs that
 * were fine before the crash come back within seconds), and the runner ends it dead once its attempts ended with
 * their process {@link MAX_CRASHES} times in a row, or it has been failing for PATROL_GIVE_UP_AFTER (runner.ts).
 */
export async function releaseAll(
  db: DB,
  worker: string,
  now: number,
  o: { crashed?: boolean; backoff?: BackoffPolicy } = {},
): Promise<number> {
  const policy = o.backoff ?? DEFAULT_BACKOFF
  // A job that was not failing starts failing now: however long its process was down is not its failure.
  const failingSince = sql`coalesce(${jobs.failingSince}, ${now})`
  const rows = await db
    .update(jobs)
    .set(
      o.crashed
        ? {
            state: 'queued',
            crashes: sql`${jobs.crashes} + 1`,
            failingSince,
            // backoff.ts jobBackoffStepMs, in SQL: the time failing so far, clamped to the policy.
            runAt: sql`${now} + min(${policy.capMs}, max(${policy.baseMs}, ${now} - ${failingSince}))`,
            lastError: sql`'its process ended while running it (' || (${jobs.crashes} + 1) || ' in a row)'`,
            lockedBy: null,
            lockedAt: null,
            updatedAt: now,
          }
        : {
            state: 'queued',
            attempts: sql`max(${jobs.attempts} - 1, 0)`,
            lockedBy: null,
            lockedAt: null,
            runAt: now,
            updatedAt: now,
          },
    )
    .where(and(eq(jobs.state, 'running'), eq(jobs.lockedBy, worker)))
    .returning({ id: jobs.id })
  return rows.length
}

/**
 * Renews the locks of `worker`'s running jobs: a live process's long attempt (a scan through a slow remote) is never
 * taken for orphaned and run twice, nor counted as a crash. One UPDATE; returns how many were renewed.
 */
export async function heartbeat(db: DB, worker: string, now: number): Promise<number> {
  const rows = await db
    .update(jobs)
    .set({ lockedAt: now })
    .where(and(eq(jobs.state, 'running'), eq(jobs.lockedBy, worker)))
    .returning({ id: jobs.id })
  return rows.length
}

/** The workers (`host:pid`) that hold running jobs, so an entry file can tell which of them are dead. */
export async function lockHolders(db: DB): Promise<string[]> {
  const rows = await db.selectDistinct({ worker: jobs.lockedBy }).from(jobs).where(eq(jobs.state, 'running'))
  return rows.map((r) => r.worker).filter((w): w is string => w !== null)
}

export interface QueueStats {
  /** Jobs queued or running. */
  depth: number
  /** Age in ms of the oldest queued job that is already due; 0 when none. */
  oldestDueAgeMs: number
  dead: number
}

export async function queueStats(db: DB, now: number): Promise<QueueStats> {
  const [pending] = await db
    .select({ n: count() })
    .from(jobs)
    .where(inArray(jobs.state, ['queued', 'running']))
  const [oldest] = await db
    .select({ at: min(jobs.runAt) })
    .from(jobs)
    .where(and(eq(jobs.state, 'queued'), lte(jobs.runAt, now)))
  const [dead] = await db.select({ n: count() }).from(jobs).where(eq(jobs.state, 'dead'))
  return { depth: pending?.n ?? 0, oldestDueAgeMs: oldest?.at ? now - oldest.at : 0, dead: dead?.n ?? 0 }
}

function held(job: Job) {
  return and(
    eq(jobs.id, job.id),
    eq(jobs.state, 'running'),
    eq(jobs.lockedBy, job.lockedBy ?? ''),
    eq(jobs.attempts, job.attempts),
  )
}
