/**
 * Failures of remote calls, classified so that the job queue knows what to do with them:
 * retry later (honouring Retry-After), or give up visibly. Also the one fetch wrapper every provider uses:
 * a timeout, and rate-limit headers turned into a delay.
 *
 * @example
 * const res = await remoteFetch('https://api.github.com/repos/o/r/compare/a...b', { headers }, { timeoutMs: 15_000 })
 * // throws RemoteError { retryable: true, retryAfterMs: 60_000 } on 429 with `Retry-After: 60`
 */

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

/**
 * The delay a response asks for, in ms, from `Retry-After` (seconds or HTTP date), GitHub's
 * `x-ratelimit-reset` when `x-ratelimit-remaining` is 0, and Azure's `X-RateLimit-Delay`. `undefined` when none.
 */
export function requestedDelayMs(headers: Headers, now = Date.now()): number | undefined {
  const retryAfter = headers.get('retry-after')
  if (retryAfter !== null) {
    const seconds = Number(retryAfter)
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000)
    const at = Date.parse(retryAfter)
    if (Number.isFinite(at)) return Math.max(0, at - now)
  }
  if (headers.get('x-ratelimit-remaining') === '0') {
    const reset = Number(headers.get('x-ratelimit-reset'))
    if (Number.isFinite(reset) && reset > 0) return Math.max(0, reset * 1000 - now)
  }
  const azureDelay = Number(headers.get('x-ratelimit-delay'))
  if (headers.has('x-ratelimit-delay') && Number.isFinite(azureDelay)) return Math.max(0, azureDelay * 1000)
  return undefined
}

export interface RemoteFetchOptions {
  /** Abort the call after this long; a timeout is a transient failure. Default 15 s. */
  timeoutMs?: number
  /** The injectable fetch (tests, Workers). Default: globalThis.fetch. */
  fetch?: typeof fetch
}

/**
 * fetch with a timeout, and every non-2xx answer turned into a RemoteError:
 * 429 (and 403 with a rate-limit header) → rate_limited, 5xx/408 → transient, 401 → auth, 404 → not_found,
 * other 4xx → permanent. Network errors and timeouts → transient. The error message never holds the URL's
 * credentials or the request headers.
 */
export async function remoteFetch(
  url: string,
  init: RequestInit = {},
  options: RemoteFetchOptions = {},
): Promise<Response> {
  const doFetch = options.fetch ?? globalThis.fetch
  const signal = AbortSignal.timeout(options.timeoutMs ?? 15_000)
  const where = describe(url)
  let res: Response
  try {
    res = await doFetch(url, { ...init, signal })
  } catch (cause) {
    const timedOut = (cause as Error)?.name === 'TimeoutError' || (cause as Error)?.name === 'AbortError'
    throw new RemoteError(
      'transient',
      `${init.method ?? 'GET'} ${where}: ${timedOut ? 'timed out' : 'network error'}`,
      { cause },
    )
  }
  if (res.ok) return res
  const delay = requestedDelayMs(res.headers)
  const text = `${init.method ?? 'GET'} ${where}: HTTP ${res.status}`
  // Drain the body so the connection can be reused; its content may echo our request, so it is not kept.
  await res.body?.cancel().catch(() => {})
  if (
    res.status === 429 ||
    (res.status === 403 && (delay !== undefined || res.headers.get('x-ratelimit-remaining') === '0'))
  )
    return Promise.reject(new RemoteError('rate_limited', text, { status: res.status, retryAfterMs: delay ?? 60_000 }))
  if (res.status >= 500 || res.status === 408)
    throw new RemoteError('transient', text, { status: res.status, retryAfterMs: delay })
  if (res.status === 401 || res.status === 403) throw new RemoteError('auth', text, { status: res.status })
  if (res.status === 404) throw new RemoteError('not_found', text, { status: res.status })
  throw new RemoteError('permanent', text, { status: res.status })
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
