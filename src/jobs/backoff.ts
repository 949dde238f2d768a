/**
 * When to try a failed job again: exponential backoff with full jitter, never sooner than the remote asked
 * (Retry-After), capped so that a long outage is retried at a steady pace. Pure; `random` is injectable for tests.
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
  const step = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, attempt - 1))
  const jittered = step / 2 + random() * (step / 2)
  return Math.max(Math.round(jittered), retryAfterMs)
}
