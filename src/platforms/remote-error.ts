/**
 * Failures of remote calls, classified so that the job queue knows what to do with them:
 * retry later (honouring Retry-After), or give up visibly with the fix. Also the one fetch wrapper every platform
 * uses: a timeout, short per-call retries of transient failures, and rate-limit headers turned into a delay.
 *
 * @example
 * const res = await remoteFetch('https://api.github.com/repos/o/r/compare/a...b', { headers }, { timeoutMs: 15_000 })
 * // a 503 or a reset is tried again at once (up to 6 calls within 30 s); a 429 with `Retry-After: 60` throws
 * // RemoteError { retryable: true, retryAfterMs: 60_000 } so that the job is rescheduled rather than blocked
 */

import { retryDelayMs } from '../jobs/backoff.js'

export type RemoteFailure = 'rate_limited' | 'transient' | 'auth' | 'not_found' | 'permanent'

export class RemoteError extends Error {
  readonly failure: RemoteFailure
  readonly status?: number
  /** When set, the earliest time a retry makes sense, in ms from now (from Retry-After and friends). */
  readonly retryAfterMs?: number

  constructor(
    failure: RemoteFailure,
    message: string,
    options: { status?: number; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause })
    this.name = 'RemoteError'
    this.failure = failure
    this.status = options.status
    this.retryAfterMs = options.retryAfterMs
  }

  get retryable(): boolean {
    return this.failure === 'rate_limited' || this.failure === 'transient'
  }
}

/** GitHub: with no header saying how long, a secondary rate limit means waiting at least a minute. */
export const SECONDARY_RATE_LIMIT_MS = 60_000

/**
 * The delay a response asks for, in ms: `Retry-After` (seconds or HTTP date), else GitHub's `x-ratelimit-reset`
 * when `x-ratelimit-remaining` is 0. `undefined` when neither. Azure's `X-RateLimit-Delay` says how long a request
 * *was* delayed, not when to retry (Azure DevOps rate-limit docs), so it is not read.
 */
export function requestedDelayMs(headers: Headers, now = Date.now()): number | undefined {
  const retryAfter = headers.get('retry-after')
  if (retryAfter !== null) {
    const seconds = Number(retryAfter)
    if (retryAfter.trim() !== '' && Number.isFinite(seconds)) return Math.max(0, seconds * 1000)
    const at = Date.parse(retryAfter)
    if (Number.isFinite(at)) return Math.max(0, at - now)
  }
  if (headers.get('x-ratelimit-remaining') === '0') {
    const reset = Number(headers.get('x-ratelimit-reset'))
    if (Number.isFinite(reset) && reset > 0) return Math.max(0, reset * 1000 - now)
  }
  return undefined
}

/** Retries of one call, inside the job, before the job itself is rescheduled. */
export interface CallRetry {
  /** Calls in all, the first included. */
  tries: number
  /** Backoff of the first retry; doubles up to `capMs`, jittered. */
  baseMs: number
  capMs: number
  /** A wait longer than this is not slept through: the error goes up and the job is rescheduled at that time. */
  maxWaitMs: number
  /**
   * No retry starts later than this after the call's first try (its timeouts included), so that one call never holds
   * its job for long: what is still failing then goes up to the job queue.
   */
  budgetMs: number
}

/**
 * Six tries: at a third of calls failing, one call still fails after all of them once in 729 (four tries: once in
 * 81, which failed most attempts of a scan making a hundred calls).
 */
export const CALL_RETRY: CallRetry = { tries: 6, baseMs: 100, capMs: 1_000, maxWaitMs: 5_000, budgetMs: 30_000 }

export interface RemoteFetchOptions {
  /** Abort the call after this long; a timeout is a transient failure. Default 15 s. */
  timeoutMs?: number
  /** The injectable fetch (tests, Workers). Default: globalThis.fetch. */
  fetch?: typeof fetch
  /** Per-call retries of transient failures; `false` for one try only. Default {@link CALL_RETRY}. */
  retry?: CallRetry | false
  /** How a retry waits (tests). Default: a timer. */
  sleep?: (ms: number) => Promise<void>
  /** The setting that holds the credential of this call, named in the fix of an auth failure. */
  credential?: string
}

/**
 * fetch with a timeout and per-call retries, and every non-2xx answer that is left turned into a RemoteError:
 * - 429, and 403 with `Retry-After`, an exhausted quota or a "secondary rate limit" body → rate_limited;
 * - 5xx and 408, network errors and timeouts → transient;
 * - 401 and other 403s → auth; 404 → not_found; other 4xx → permanent, each with the fix in its message.
 * Retryable failures are tried again after a short jittered backoff, never sooner than the answer asked; a wait
 * longer than `maxWaitMs`, one that would end past the call's `budgetMs`, or the last try's failure, is thrown with
 * `retryAfterMs` for the job queue. The error
 * message never holds the URL's credentials, the request headers or the answer's body.
 */
export async function remoteFetch(
  url: string,
  init: RequestInit = {},
  options: RemoteFetchOptions = {},
): Promise<Response> {
  const retry = options.retry === false ? { ...CALL_RETRY, tries: 1 } : (options.retry ?? CALL_RETRY)
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)))
  const started = Date.now()
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetchOnce(url, init, options)
    } catch (error) {
      if (!(error instanceof RemoteError) || !error.retryable || attempt >= retry.tries) throw error
      const wait = retryDelayMs(attempt, { baseMs: retry.baseMs, capMs: retry.capMs }, error.retryAfterMs ?? 0)
      if (wait > retry.maxWaitMs || Date.now() - started + wait > retry.budgetMs) throw error
      await sleep(wait)
    }
  }
}

async function fetchOnce(url: string, init: RequestInit, options: RemoteFetchOptions): Promise<Response> {
  const doFetch = options.fetch ?? globalThis.fetch
  const signal = AbortSignal.timeout(options.timeoutMs ?? 15_000)
  const call = `${init.method ?? 'GET'} ${describe(url)}`
  let res: Response
  try {
    res = await doFetch(url, { ...init, signal })
  } catch (cause) {
    const timedOut = (cause as Error)?.name === 'TimeoutError' || (cause as Error)?.name === 'AbortError'
    throw new RemoteError('transient', `${call}: ${timedOut ? 'timed out' : 'network error'}`, { cause })
  }
  if (res.ok) return res
  const delay = requestedDelayMs(res.headers)
  const status = res.status
  // Only a rate limit's answer is read, and only to tell GitHub's secondary limit from a refusal; never kept.
  const secondary = (status === 403 || status === 429) && /secondary rate limit/i.test(await head(res))
  await res.body?.cancel().catch(() => {})
  const text = `${call}: HTTP ${status}`
  if (status === 429 || (status === 403 && (delay !== undefined || secondary)))
    throw new RemoteError('rate_limited', `${text}${secondary ? ' (secondary rate limit)' : ' (rate limited)'}`, {
      status,
      retryAfterMs: delay ?? (secondary ? SECONDARY_RATE_LIMIT_MS : undefined),
    })
  if (status >= 500 || status === 408) throw new RemoteError('transient', text, { status, retryAfterMs: delay })
  const credential = options.credential ?? "patrol's token for this host"
  if (status === 401)
    throw new RemoteError('auth', `${text}: the credential was refused; check ${credential}`, { status })
  if (status === 403)
    throw new RemoteError('auth', `${text}: forbidden; give ${credential} the permission this call needs`, { status })
  if (status === 404)
    throw new RemoteError('not_found', `${text}: not found (deleted or renamed, or ${credential} cannot see it)`, {
      status,
    })
  throw new RemoteError('permanent', text, { status })
}

/** The first few KB of an error answer's body; empty when it cannot be read. */
async function head(res: Response): Promise<string> {
  const reader = res.body?.getReader()
  if (!reader) return ''
  const decoder = new TextDecoder()
  let text = ''
  try {
    while (text.length < 4096) {
      const { done, value } = await reader.read()
      if (done) break
      text += decoder.decode(value, { stream: true })
    }
  } catch {
    // A body that breaks off is no rate-limit message.
  }
  await reader.cancel().catch(() => {})
  return text
}

/** host + path, without userinfo or query (which may carry tokens). */
function describe(url: string): string {
  try {
    const u = new URL(url)
    return `${u.host}${u.pathname}`
  } catch {
    return '(invalid url)'
  }
}
