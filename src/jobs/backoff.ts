/**
 * When to try a failed call or job again: exponential backoff with jitter, never sooner than the remote asked
 * (Retry-After), capped so that a long outage is retried at a steady pace. A call's retries count tries
 * ({@link retryDelayMs}); a job's count the time it has been failing since it last got further ({@link jobRetryDelayMs}).
 * Pure; `random` is injectable for tests.
 *
 * @example
 * retryDelayMs(3, { baseMs: 1000, capMs: 600_000 }) // somewhere in [2000, 4000)
 */
export interface BackoffPolicy {
  /** Delay scale of the first retry. */
  baseMs: number
  /** No delay (before Retry-After) exceeds this. */
  capMs: number
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 2_000, capMs: 15 * 60_000 }

/**
 * Delay before retry number `attempt` (1 = the first retry): the exponential step `base·2^(attempt-1)`, jittered
 * over its upper half so retries of many jobs spread out but none comes back too early; then at least `retryAfterMs`.
 */
export function retryDelayMs(
  attempt: number,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
  retryAfterMs = 0,
  random = Math.random,
): number {
  return jittered(Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, attempt - 1)), retryAfterMs, random)
}

/**
 * Delay before a failed job runs again, counted in time rather than attempts: about as long as the job has been
 * failing (`failingForMs`, since its first failure or the last attempt that got further), between `baseMs` and
 * `capMs`, jittered over its upper half; then at least `retryAfterMs`. A job that keeps failing backs off
 * exponentially (each wait is a share of the time already lost), while one whose attempts make progress (a resumable
 * scan that read a few more commits each time) keeps being retried within seconds, however many attempts it took.
 *
 * @example
 * jobRetryDelayMs(0, DEFAULT_BACKOFF)       // in [1000, 2000): the first failure, or one right after progress
 * jobRetryDelayMs(60_000, DEFAULT_BACKOFF)  // in [30_000, 60_000): failing for a minute
 */
export function jobRetryDelayMs(
  failingForMs: number,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
  retryAfterMs = 0,
  random = Math.random,
): number {
  return jittered(jobBackoffStepMs(failingForMs, policy), retryAfterMs, random)
}

/** The un-jittered step of {@link jobRetryDelayMs}: the time failing so far, clamped to the policy. */
export function jobBackoffStepMs(failingForMs: number, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  return Math.min(policy.capMs, Math.max(policy.baseMs, failingForMs))
}

/** `step` jittered over its upper half (retries spread out, none too early), then at least `retryAfterMs`. */
function jittered(step: number, retryAfterMs: number, random: () => number): number {
  return Math.max(Math.round(step / 2 + random() * (step / 2)), retryAfterMs)
}
