/**
 * GitHub as a token issuer: revocation through `POST /credentials/revoke` (docs/reference/platform-apis.md §3.1).
 *
 * The endpoint is unauthenticated, takes up to 1000 tokens a call, is limited to 60 calls an hour per source
 * address, and answers 202 without telling which tokens were valid: so the outcome is `requested`, never `revoked`.
 * The hourly budget is precious: the respond queue batches waiting tokens into one `revokeBatch` call and never
 * spends calls on retries of a single token (GITHUB_REVOKE_BATCH_MAX, GITHUB_REVOKE_CALLS_PER_HOUR).
 * Verification (`verify`, PATROL_VERIFY): `GET /user` authenticated as the leaked token needs no scope; 200 gives
 * its owner (`login`, and `email` when public), 401 means the token is dead. With `verify: false` patrol uses a
 * leaked token for nothing but revocation, and `owner` and `isActive` cannot tell (`undefined`).
 *
 * @example
 * const github = new GithubIssuer({ apiUrl: 'https://api.github.com' })
 * const outcome = await github.revokeBatch(waitingTokens) // { outcome: 'requested', … }; throws RemoteError on 429/5xx
 */

import { detectorsOf, kindOf } from '../../kinds/index.js'
import type { TokenKind } from '../../scan/types.js'
import { RemoteError, remoteFetch } from '../remote-error.js'
import type { RevocationContext, RevocationOutcome, TokenIssuer, TokenOwner } from '../types.js'

/** Most credentials GitHub accepts in one call. */
export const GITHUB_REVOKE_BATCH_MAX = 1000
/** GitHub's budget for unauthenticated calls to the endpoint, per hour and source address. */
export const GITHUB_REVOKE_CALLS_PER_HOUR = 60

const GITHUB_HEADERS = {
  Accept: 'application/vnd.github+json',
  'X-GitHub-Api-Version': '2022-11-28',
  'User-Agent': 'patrol',
}

export interface GithubIssuerOptions {
  /** `https://api.github.com`, or `https://{host}/api/v3` for GitHub Enterprise Server (3.18+). */
  apiUrl: string
  /** PATROL_VERIFY: check with `GET /user` whether a leaked token authenticates, and whose it is. Default false. */
  verify?: boolean
  fetch?: typeof fetch
  timeoutMs?: number
}

/**
 * The outcome for a token GitHub's endpoint does not accept, decided without any call; `undefined` when it can be
 * sent. The queue uses it to keep `ghs_` tokens out of batches.
 */
export function githubNotRevocable(token: string, kind: TokenKind): RevocationOutcome | undefined {
  // The catalog says which kinds no API revokes (`ghs_` installation tokens, in both forms). The token's own prefix
  // decides over the kind it was filed under, so a `ghs_` token is never sent whatever an older row says.
  const byPrefix = detectorsOf('github-prefixed').find((d) => token.startsWith(d.detector.prefix))?.kind
  const { revocation } = kindOf(byPrefix ?? kind)
  return revocation.revocable ? undefined : { outcome: 'not_revocable', detail: revocation.reason }
}

export class GithubIssuer implements TokenIssuer {
  readonly issuer = 'github' as const
  readonly #apiUrl: string
  readonly #fetch?: typeof fetch
  readonly #timeoutMs?: number
  readonly verify: boolean

  constructor(options: GithubIssuerOptions) {
    this.#apiUrl = options.apiUrl.replace(/\/+$/, '')
    this.verify = options.verify ?? false
    this.#fetch = options.fetch
    this.#timeoutMs = options.timeoutMs
  }

  /** The owner `GET /user` gives (login as `name`, public email); `undefined` without verification or when dead. */
  async owner(token: string, _kind: TokenKind): Promise<TokenOwner | undefined> {
    const check = await this.check(token)
    return check.state === 'active' ? check.owner : undefined
  }

  /** true: authenticates; false: 401; undefined: not verified (PATROL_VERIFY=off) or GitHub would not say. */
  async isActive(token: string, _kind: TokenKind): Promise<boolean | undefined> {
    const check = await this.check(token)
    return check.state === 'active' ? true : check.state === 'inactive' ? false : undefined
  }

  /**
   * `GET /user` as the token (GitHub REST "Get the authenticated user": 200 with `login`, `email` nullable; 401 for a
   * bad token). 403/404 and other refusals: `unknown`. 429/5xx/timeouts throw RemoteError.
   */
  async check(
    token: string,
  ): Promise<
    { state: 'active'; owner: TokenOwner & { login: string } } | { state: 'inactive' | 'unknown'; detail: string }
  > {
    if (!this.verify) return { state: 'unknown', detail: 'not verified (PATROL_VERIFY=off)' }
    let res: Response
    try {
      res = await remoteFetch(
        `${this.#apiUrl}/user`,
        { headers: { ...GITHUB_HEADERS, Authorization: `Bearer ${token}` } },
        { fetch: this.#fetch, timeoutMs: this.#timeoutMs },
      )
    } catch (error) {
      if (error instanceof RemoteError && error.status === 401)
        return { state: 'inactive', detail: 'the token no longer authenticates (GET /user: HTTP 401)' }
      if (error instanceof RemoteError && !error.retryable)
        return { state: 'unknown', detail: `GET /user answered HTTP ${error.status ?? '?'}` }
      throw error
    }
    const body = (await res.json().catch(() => ({}))) as { login?: unknown; email?: unknown; id?: unknown }
    if (typeof body.login !== 'string' || body.login === '')
      return { state: 'unknown', detail: 'GET /user answered without a login' }
    return {
      state: 'active',
      owner: {
        login: body.login,
        name: body.login,
        id: typeof body.id === 'number' || typeof body.id === 'string' ? String(body.id) : undefined,
        email: typeof body.email === 'string' && body.email ? body.email : undefined,
      },
    }
  }

  async revoke(token: string, context: RevocationContext): Promise<RevocationOutcome> {
    return githubNotRevocable(token, context.kind) ?? this.revokeBatch([token])
  }

  /**
   * One call for up to GITHUB_REVOKE_BATCH_MAX tokens. 202 → `requested` (for all of them: GitHub gives no per-token
   * answer). 422 and other refusals → `failed`, permanent. 429, rate-limited 403, 5xx and timeouts → RemoteError
   * thrown, to retry the whole batch later (Retry-After in `retryAfterMs`).
   */
  async revokeBatch(tokens: string[]): Promise<RevocationOutcome> {
    if (tokens.length === 0) throw new RangeError('revokeBatch: no tokens given')
    if (tokens.length > GITHUB_REVOKE_BATCH_MAX)
      throw new RangeError(
        `revokeBatch: ${tokens.length} tokens, GitHub takes at most ${GITHUB_REVOKE_BATCH_MAX} a call`,
      )
    try {
      const res = await remoteFetch(
        `${this.#apiUrl}/credentials/revoke`,
        {
          method: 'POST',
          // No Authorization: github.com answers 403 to authenticated calls of this endpoint.
          headers: { ...GITHUB_HEADERS, 'Content-Type': 'application/json' },
          body: JSON.stringify({ credentials: tokens }),
        },
        { fetch: this.#fetch, timeoutMs: this.#timeoutMs },
      )
      await res.body?.cancel().catch(() => {})
      const count = tokens.length === 1 ? 'the token' : `${tokens.length} tokens`
      return {
        outcome: 'requested',
        detail: `GitHub accepted the revocation of ${count} (HTTP ${res.status}); it revokes valid tokens and emails their owner, without saying which were valid`,
      }
    } catch (error) {
      if (error instanceof RemoteError && !error.retryable) {
        const why = error.status === 422 ? 'validation failed, or the endpoint has been spammed' : error.failure
        return {
          outcome: 'failed',
          detail: `GitHub refused the revocation request (HTTP ${error.status ?? '?'}: ${why})`,
        }
      }
      throw error
    }
  }
}
