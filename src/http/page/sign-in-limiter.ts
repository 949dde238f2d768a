/**
 * Slows, then refuses, repeated failed sign-ins from one client address, so that admin tokens cannot be guessed
 * through the sign-in form. Kept in memory per process (per Workers isolate): a restart forgets, which is fine for a
 * 43-character random token; the point is to make guessing slow, not to keep a ledger.
 *
 * The first `freeFailures` failures cost nothing. Each one after that makes the address wait before its next attempt
 * (1 s, 2 s, 4 s … up to a minute); attempts during the wait are refused unchecked. At `lockAfter` failures within
 * the window the address is refused for `lockMs`. A success forgets the address. Times come from the caller's clock.
 *
 * @example
 * const limiter = createSignInLimiter()
 * const gate = limiter.attempt(address, now)  // { allowed: true } or { allowed: false, retryAfterMs: 4000 }
 * if (gate.allowed && right) limiter.succeeded(address)
 *
 * `attempt` counts the attempt as a failure before the caller compares the token, synchronously with the check:
 * parallel guesses cannot all pass the gate while the first ones are still being compared. A success then forgets it.
 */
export interface SignInLimits {
  freeFailures: number
  lockAfter: number
  /** How long failures are remembered, and how long a locked address stays locked. */
  windowMs: number
  lockMs: number
  maxDelayMs: number
  /** Addresses remembered at most; the oldest are forgotten first (bounded memory under a spray of addresses). */
  maxAddresses: number
}

export const DEFAULT_SIGN_IN_LIMITS: SignInLimits = {
  freeFailures: 3,
  lockAfter: 10,
  windowMs: 15 * 60_000,
  lockMs: 15 * 60_000,
  maxDelayMs: 60_000,
  maxAddresses: 10_000,
}

export type Gate = { allowed: true } | { allowed: false; retryAfterMs: number; locked: boolean }

interface Record {
  failures: number
  lastFailureAt: number
  /** No attempt is checked before this time. */
  waitUntil: number
  locked: boolean
}

export interface SignInLimiter {
  check(address: string, now: number): Gate
  /** `check`, and when allowed, the attempt recorded as a failure at once (undone by `succeeded`). */
  attempt(address: string, now: number): Gate
  failed(address: string, now: number): void
  succeeded(address: string): void
}

export function createSignInLimiter(limits: SignInLimits = DEFAULT_SIGN_IN_LIMITS): SignInLimiter {
  // A Map iterates in insertion order: re-inserting on each failure keeps the least recently failed first.
  const records = new Map<string, Record>()

  const current = (address: string, now: number): Record | undefined => {
    const r = records.get(address)
    if (!r) return undefined
    const forgotten = r.locked ? now >= r.waitUntil : now - r.lastFailureAt >= limits.windowMs
    if (forgotten) {
      records.delete(address)
      return undefined
    }
    return r
  }

  return {
    check(address, now) {
      const r = current(address, now)
      if (!r || now >= r.waitUntil) return { allowed: true }
      return { allowed: false, retryAfterMs: r.waitUntil - now, locked: r.locked }
    },
    attempt(address, now) {
      const gate = this.check(address, now)
      if (gate.allowed) this.failed(address, now)
      return gate
    },
    failed(address, now) {
      const r = current(address, now) ?? { failures: 0, lastFailureAt: now, waitUntil: now, locked: false }
      r.failures++
      r.lastFailureAt = now
      if (r.failures >= limits.lockAfter) {
        r.locked = true
        r.waitUntil = now + limits.lockMs
      } else if (r.failures > limits.freeFailures) {
        r.waitUntil = now + Math.min(limits.maxDelayMs, 1000 * 2 ** (r.failures - limits.freeFailures - 1))
      }
      records.delete(address)
      records.set(address, r)
      while (records.size > limits.maxAddresses) records.delete(records.keys().next().value!)
    },
    succeeded(address) {
      records.delete(address)
    },
  }
}
