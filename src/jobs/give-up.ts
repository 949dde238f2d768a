/**
 * When patrol stops retrying a job: the one rule every handler and the queue share. A permanent failure (a
 * `RemoteError` that no retry can fix: a refused credential, a repository that is gone) ends at once; a transient
 * one is retried, with capped backoff, until the job has been failing for `PATROL_GIVE_UP_AFTER` (24 h by default),
 * counted from its first failure to the start of the attempt that failed. The number of attempts does not matter,
 * nor how long a job waited before it was first due (a confirmation check scheduled an hour ahead). An attempt that
 * got further than the last one (`attempt.progressed()`: a resumable scan read more commits) is not the last, and the
 * job's failing clock starts again from its failure: a long job that advances is never given up on as stuck.
 *
 * @example
 * if (isFinalAttempt(job, error, DEFAULT_GIVE_UP_AFTER_MS)) markPushFailed(reason) // then rethrow: the job ends dead
 */
import type { Job } from '../db/schema.js'
import { RemoteError } from '../platforms/remote-error.js'

export const DEFAULT_GIVE_UP_AFTER_MS = 24 * 3_600_000

/**
 * True when the attempt of `job` that failed with `error` is its last: the job ends `dead` after it. An attempt that
 * made progress is never the last for a transient failure.
 */
export function isFinalAttempt(job: AttemptTimes, error: unknown, giveUpAfterMs: number, progressed = false): boolean {
  if (isPermanent(error)) return true
  if (progressed) return false
  const started = job.lockedAt ?? job.updatedAt
  return started - (job.failingSince ?? started) >= giveUpAfterMs
}

type AttemptTimes = Pick<Job, 'failingSince' | 'lockedAt' | 'updatedAt'>

/** A failure that no retry can fix. Anything that is not a classified RemoteError is presumed transient. */
export function isPermanent(error: unknown): boolean {
  return error instanceof RemoteError && !error.retryable
}

/** What a handler is told about the attempt it runs. */
export interface Attempt {
  /** Whether this attempt is the last one if it fails with `error` (see {@link isFinalAttempt}). */
  isFinal(error: unknown): boolean
  /**
   * Says that this attempt got further than the ones before (recorded work a retry will not repeat): if it then fails,
   * its retry comes soon (the backoff counts from now) and the give-up clock starts again.
   */
  progressed(): void
  /** Whether {@link progressed} was called. */
  readonly madeProgress: boolean
}

/**
 * The columns a message row (email, chat) takes when a send fails: its error, and `failed` when no retry follows.
 * The caller rethrows, so the queue retries or ends the job.
 */
export function sendFailure(error: unknown, attempt: Attempt): { error: string; status?: 'failed' } {
  const message = error instanceof Error ? error.message : String(error)
  return attempt.isFinal(error) ? { error: message, status: 'failed' } : { error: message }
}

export function attemptOf(job: AttemptTimes, giveUpAfterMs: number): Attempt {
  let madeProgress = false
  return {
    isFinal: (error) => isFinalAttempt(job, error, giveUpAfterMs, madeProgress),
    progressed: () => {
      madeProgress = true
    },
    get madeProgress() {
      return madeProgress
    },
  }
}

/** An attempt that is the last whatever happens (a dead job's end, jobs/dead-end.ts). */
export const FINAL_ATTEMPT: Attempt = { isFinal: () => true, progressed: () => {}, madeProgress: false }
