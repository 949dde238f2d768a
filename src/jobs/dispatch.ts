/**
 * Jobs through a message queue (Cloudflare Queues on Workers). The database stays the record of truth; a message
 * only says "job N may be due": the consumer claims that job by id (one statement, so duplicates and races are
 * harmless), runs it, and acknowledges or retries the message with the backoff as its delay. A message that keeps
 * failing its consumer ends in the dead-letter queue, whose consumer marks the job `dead`, visibly.
 *
 * Which jobs get a message is decided here, in one UPDATE … RETURNING: every queued job never dispatched (sent with
 * a delay until its `run_at`), and every job whose message seems lost (due, or running past its stale limit, with
 * no message sent for `resendAfterMs`). The cron sweep calls it too, so a lost message costs minutes, not a job.
 * The jobs a consumer's runs enqueue are its own (`followOn`): stored dispatched, run in the same invocation when due,
 * or sent their message by it; they need no dispatch.
 *
 * @example
 * const sent = await dispatchJobs(db, env.JOBS, { now: Date.now(), staleMs: 300_000 })
 * export default { async queue(batch, env, ctx) { await consumeJobs(batch, { db, handlers, log, now, worker }) } }
 */
import { and, asc, eq, inArray, isNull, lt, lte, or, sql } from 'drizzle-orm'
import { type Job, jobs } from '../db/schema.js'
import type { DB } from '../db/types.js'
import { claimById, type Enqueued } from './queue.js'
import { type JobContext, runJob } from './runner.js'

/**
 * The message body: the id of a job row, its kind (so that a consumer can budget before it claims the job) and when
 * it was due when the message was sent (so that a consumer given it early waits rather than tries a claim too soon).
 */
export interface JobMessageBody {
  job: number
  kind?: string
  runAt?: number
}

/** The producer binding, as much of it as patrol uses (workers-types' `Queue`). */
export interface JobQueue {
  sendBatch(messages: Iterable<{ body: JobMessageBody; delaySeconds?: number }>): Promise<unknown>
}

/** One delivered message (workers-types' `Message`). */
export interface JobMessage {
  readonly id: string
  readonly body: unknown
  readonly attempts: number
  ack(): void
  retry(options?: { delaySeconds?: number }): void
}

/** The dead-letter queue's name in wrangler.toml: its batches bury jobs instead of running them. */
export const DEAD_LETTER_QUEUE = 'patrol-jobs-dlq'

/** Queues' longest delay (12 h); a job due later gets a message at that point and is re-sent when it arrives. */
export const MAX_DELAY_S = 12 * 3600
/** At most this many messages per sendBatch, as Queues allows. */
export const SEND_BATCH_MAX = 100
/** Queues retries a message at most this often (wrangler.toml `max_retries`); then it goes to the dead-letter queue. */
export const MAX_RETRIES = 100

/** A due job with no message sent this long is presumed to have lost it. */
export const RESEND_AFTER_MS = 2 * 60_000

export interface DispatchOptions {
  now: number
  staleMs: number
  /** Default {@link SEND_BATCH_MAX}. */
  limit?: number
  resendAfterMs?: number
}

/** Sends a message for each job that needs one (see the module comment). Returns how many were sent. */
export async function dispatchJobs(db: DB, queue: JobQueue, o: DispatchOptions): Promise<number> {
  const quiet = lt(jobs.dispatchedAt, o.now - (o.resendAfterMs ?? RESEND_AFTER_MS))
  const needy = db
    .select({ id: jobs.id })
    .from(jobs)
    .where(
      or(
        and(eq(jobs.state, 'queued'), isNull(jobs.dispatchedAt)),
        and(eq(jobs.state, 'queued'), lte(jobs.runAt, o.now), quiet),
        and(eq(jobs.state, 'running'), lt(jobs.lockedAt, o.now - o.staleMs), or(isNull(jobs.dispatchedAt), quiet)),
      ),
    )
    .orderBy(asc(jobs.runAt), asc(jobs.id))
    .limit(Math.min(o.limit ?? SEND_BATCH_MAX, SEND_BATCH_MAX))
  const picked = await db
    .update(jobs)
    .set({ dispatchedAt: o.now })
    .where(inArray(jobs.id, needy))
    .returning({ id: jobs.id, kind: jobs.kind, runAt: jobs.runAt })
  if (picked.length === 0) return 0
  await sendMessages(queue, picked, o.now)
  return picked.length
}

/**
 * Queues delays are whole seconds: rounded down, so a message arrives at most a second early and its consumer waits
 * the rest ({@link EARLY_WAIT_MS}) rather than a second too late.
 */
export function delaySeconds(runAt: number, now: number): number {
  return Math.min(MAX_DELAY_S, Math.max(0, Math.floor((runAt - now) / 1000)))
}

/** A message whose job is due within this long is held by its consumer until then, not sent back. */
export const EARLY_WAIT_MS = 1000

export interface ConsumeOptions extends JobContext {
  worker: string
  staleMs: number
  /**
   * The invocation's D1 statement budget: a job starts only while the statements run so far, plus what the jobs
   * still running may need, plus what it may need, fit in `limit`; the messages left are retried at once, unrun.
   */
  budget?: { used(): number; limit: number; need(kind: string | undefined): number }
  /** Jobs run at the same time (default 1): a batch's jobs mostly wait on D1 and remote calls. */
  concurrency?: number
  /**
   * The producer: a job that is still being retried when its message nears MAX_RETRIES gets a fresh message instead,
   * so that PATROL_GIVE_UP_AFTER, not the message's retry count, decides when it ends.
   */
  producer?: JobQueue
  /**
   * Follow-on jobs: the jobs this invocation's runs enqueue (the adapter collects them with queue.ts `sendOwnJobs`,
   * which stores them already dispatched). Those due now are claimed and run here too, while the budget allows, so
   * that a scan goes on to its response and a response to its messages without a queue hop each; the rest get their
   * message when the batch ends. Needs `producer`.
   */
  followOn?: Enqueued[]
}

export type MessageFate = 'done' | 'retried' | 'acked' | 'deferred' | 'dead' | 'left'

/** What became of one message (or follow-on job): its fate, and the kind of job it named (when it said). */
export interface Consumed {
  fate: MessageFate
  kind?: string
  /** A job no message named: enqueued by a job of this invocation and run here ({@link ConsumeOptions.followOn}). */
  followOn?: boolean
}

/**
 * Runs the jobs a batch names, up to `concurrency` at a time within the statement budget, and settles every message:
 * acked when its job is done, dead, gone or taken by someone else; retried with the backoff as delay when the job
 * failed; retried at its `run_at` when it is not due yet (or was rescheduled); retried at once, unrun, when the budget
 * says stop. Then, with `followOn`, runs the due jobs those runs enqueued, while the budget allows. Returns each
 * message's fate, in the batch's order, then each follow-on job's.
 */
export async function consumeJobs(messages: readonly JobMessage[], o: ConsumeOptions): Promise<Consumed[]> {
  if (o.followOn && !o.producer)
    throw new Error('consumeJobs: followOn needs a producer to send the jobs it does not run')
  const results: Consumed[] = []
  const running = new Set<Promise<void>>()
  const concurrency = o.concurrency ?? 1
  /** What the running jobs may still need: reserved on start, released when each ends. */
  let reserved = 0
  const fits = (need: number) => !o.budget || o.budget.used() + need <= o.budget.limit
  /** Waits for a free slot, then while running jobs hold the room `need` needs; once none runs, the budget decides. */
  const roomFor = async (need: number) => {
    while (running.size >= concurrency) await Promise.race(running)
    while (o.budget && running.size > 0 && o.budget.used() + reserved + need > o.budget.limit)
      await Promise.race(running)
    return fits(need)
  }
  /** Runs `work` in a slot, holding `need` of the budget until it ends; its fate goes to `results[i]`. */
  const start = (i: number, need: number, id: number, kind: string | undefined, work: () => Promise<Consumed>) => {
    reserved += need
    const run: Promise<void> = work()
      .then(
        (consumed) => {
          results[i] = consumed
        },
        (error: unknown) => {
          // D1 failed under the job's bookkeeping: the message comes back; a job left running is re-sent when stale.
          o.log.error('jobs.consume_failed', { job: id, error: error instanceof Error ? error.message : String(error) })
          results[i] = { fate: 'retried', kind }
        },
      )
      .finally(() => {
        reserved -= need
        running.delete(run)
      })
    running.add(run)
  }
  const kindOf = (m: JobMessage) => {
    const kind = (m.body as Partial<JobMessageBody> | null)?.kind
    return typeof kind === 'string' ? kind : undefined
  }
  // The jobs that need the most first, while the whole budget is there; the small ones fill what is left.
  const order = [...messages.keys()].sort(
    (a, b) => (o.budget?.need(kindOf(messages[b]!)) ?? 0) - (o.budget?.need(kindOf(messages[a]!)) ?? 0),
  )
  for (const i of order) {
    const message = messages[i]!
    const id = (message.body as Partial<JobMessageBody> | null)?.job
    const kind = kindOf(message)
    if (typeof id !== 'number') {
      o.log.error('jobs.message_invalid', { message: message.id })
      message.ack()
      results[i] = { fate: 'acked' }
      continue
    }
    const need = o.budget?.need(kind) ?? 0
    if (!(await roomFor(need))) {
      message.retry({ delaySeconds: 0 })
      results[i] = { fate: 'left', kind }
      continue
    }
    start(i, need, id, kind, async () => {
      try {
        return { fate: await consumeOne(message, id, o), kind }
      } catch (error) {
        message.retry()
        throw error
      }
    })
  }
  if (o.followOn && o.producer) await runFollowOns(o.followOn, o.producer)
  await Promise.all(running)
  return results

  /**
   * Runs the jobs this invocation enqueued that are due, as running jobs end and write more, while the budget has
   * room; then sends a message for each one left (not due yet, or no room).
   */
  async function runFollowOns(own: Enqueued[], producer: JobQueue) {
    for (;;) {
      while (running.size >= concurrency) await Promise.race(running)
      const now = o.now()
      const next = own.findIndex((j) => j.runAt <= now)
      const need = next < 0 ? 0 : (o.budget?.need(own[next]!.kind) ?? 0)
      if (next < 0 || !fits(reserved + need)) {
        // Nothing due here yet, or no room: a running job may enqueue more, or end and free its room.
        if (running.size === 0) break
        await Promise.race(running)
        continue
      }
      const [job] = own.splice(next, 1)
      const i = results.length
      results.push({ fate: 'left', kind: job!.kind, followOn: true })
      start(i, need, job!.id, job!.kind, () => runFollowOn(job!.id, producer, o))
    }
    await Promise.all(running)
    // A send that fails leaves these jobs to the cron sweep, as lost messages (RESEND_AFTER_MS).
    await sendMessages(producer, own.splice(0), o.now()).catch((error: unknown) =>
      o.log.error('jobs.send_failed', { error: error instanceof Error ? error.message : String(error) }),
    )
  }
}

/**
 * Claims and runs a job this invocation enqueued (it has no message). Failed or rescheduled, it gets a message for
 * its next attempt, as a message's job gets its retry.
 */
async function runFollowOn(id: number, producer: JobQueue, o: ConsumeOptions): Promise<Consumed> {
  const job = await claimById(o.db, id, { worker: o.worker, now: o.now(), staleMs: o.staleMs })
  // Taken by the cron sweep's lost-message dispatch, or already done: its message's consumer has it.
  if (!job) return { fate: 'acked', followOn: true }
  const outcome = await runJob(job, o)
  if (outcome.state === 'queued' || outcome.state === 'rescheduled') {
    await markDispatched(o.db, id, o.now())
    await sendMessages(producer, [{ id, kind: job.kind, runAt: outcome.runAt }], o.now())
  }
  const fate = outcome.state === 'queued' ? 'retried' : outcome.state === 'rescheduled' ? 'deferred' : outcome.state
  return { fate: fate === 'lost' ? 'acked' : fate, kind: job.kind, followOn: true }
}

/** A message for each job, due at its `runAt`, 100 to a send. */
export async function sendMessages(producer: JobQueue, list: readonly Enqueued[], now: number): Promise<void> {
  for (let i = 0; i < list.length; i += SEND_BATCH_MAX)
    await producer.sendBatch(
      list.slice(i, i + SEND_BATCH_MAX).map((j) => ({
        body: { job: j.id, kind: j.kind, runAt: j.runAt },
        delaySeconds: delaySeconds(j.runAt, now),
      })),
    )
}

/** Claims the message's job, runs it and settles the message. */
async function consumeOne(message: JobMessage, id: number, o: ConsumeOptions): Promise<MessageFate> {
  // Queues' delays are whole seconds, rounded down: a message due within EARLY_WAIT_MS waits for its time here, so
  // that its claim is not tried (and refused, and the job read) before it can succeed.
  const runAt = (message.body as Partial<JobMessageBody> | null)?.runAt
  const early = typeof runAt === 'number' ? runAt - o.now() : 0
  if (early > 0 && early <= EARLY_WAIT_MS) await new Promise((resolve) => setTimeout(resolve, early))
  const now = o.now()
  const job = await claimById(o.db, id, { worker: o.worker, now, staleMs: o.staleMs })
  if (!job) return settleUnclaimed(message, id, o)
  const outcome = await runJob(job, o)
  if (outcome.state === 'queued') {
    await markDispatched(o.db, id, o.now())
    if (o.producer && message.attempts >= MAX_RETRIES - 5) {
      await sendMessages(o.producer, [{ id, kind: job.kind, runAt: outcome.runAt }], o.now())
      message.ack()
    } else message.retry({ delaySeconds: delaySeconds(outcome.runAt, o.now()) })
    return 'retried'
  }
  if (outcome.state === 'rescheduled') {
    await markDispatched(o.db, id, o.now())
    message.retry({ delaySeconds: delaySeconds(outcome.runAt, o.now()) })
    return 'deferred'
  }
  message.ack()
  return outcome.state === 'dead' ? 'dead' : 'done'
}

/**
 * A message whose job could not be claimed: due within EARLY_WAIT_MS → wait and claim it then; not due yet → retry at
 * its time; anything else → ack.
 */
async function settleUnclaimed(message: JobMessage, id: number, o: ConsumeOptions): Promise<MessageFate> {
  const now = o.now()
  const [row] = await o.db.select({ state: jobs.state, runAt: jobs.runAt }).from(jobs).where(eq(jobs.id, id))
  if (row?.state === 'queued' && row.runAt > now) {
    if (row.runAt - now > EARLY_WAIT_MS) {
      message.retry({ delaySeconds: delaySeconds(row.runAt, now) })
      return 'deferred'
    }
    await new Promise((resolve) => setTimeout(resolve, row.runAt - now))
    return consumeOne(message, id, o)
  }
  // Done, dead, gone, or running in another invocation (which completes or releases it; the sweep re-sends a stale
  // one).
  message.ack()
  return 'acked'
}

async function markDispatched(db: DB, id: number, now: number): Promise<void> {
  await db.update(jobs).set({ dispatchedAt: now }).where(eq(jobs.id, id))
}

/**
 * The dead-letter queue's consumer: the message's job failed its consumer every time Queues tried (it crashed or
 * ran out of its invocation), so it ends `dead`, with that reason, for an admin to see in /healthz.
 */
export async function buryJobs(db: DB, messages: readonly JobMessage[], now: number): Promise<Job[]> {
  const ids = messages
    .map((m) => (m.body as Partial<JobMessageBody> | null)?.job)
    .filter((id): id is number => typeof id === 'number')
  const buried =
    ids.length === 0
      ? []
      : await db
          .update(jobs)
          .set({
            state: 'dead',
            lastError: sql`coalesce(${jobs.lastError} || '; ', '') || 'its queue message was never handled (dead-letter queue)'`,
            finishedAt: now,
            updatedAt: now,
            lockedBy: null,
            lockedAt: null,
          })
          .where(and(inArray(jobs.id, ids), inArray(jobs.state, ['queued', 'running'])))
          .returning()
  for (const m of messages) m.ack()
  return buried
}
