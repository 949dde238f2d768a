/**
 * GitHub as a token issuer: revocation through `POST /credentials/revoke` (docs/reference/platform-apis.md §3.1).
 *
 * The endpoint is unauthenticated, takes up to 1000 tokens a call, is limited to 60 calls an hour per source
 * address, and answers 202 without telling which tokens were valid: so the outcome is `requested`, never `revoked`.
 * The hourly budget is precious: the respond queue batches waiting tokens into one `revokeBatch` call and never
 * spends calls on retries of a single token (GITHUB_REVOKE_BATCH_MAX, GITHUB_REVOKE_CALLS_PER_HOUR).
 * GitHub Enterprise Server (`enterprise`: GITHUB_API_URL is not github.com's API): its own `POST /credentials/revoke`
 * must be authenticated (GITHUB_TOKEN) and takes only `ghp_` and `github_pat_` tokens, and a github.com token pushed
 * there would never reach github.com; so every batch goes to both, github.com's call unauthenticated with every token
 * (the prefixes are the same), and the outcome says which issuer accepted it (`acceptedBy`;
 * docs/reference/platform-facts.md). A token is live when either `GET /user` says so.
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
  /**
   * GitHub Enterprise Server: also revoke through github.com's API (`dotcomApiUrl`, GITHUB_DOTCOM_API_URL), and
   * authenticate the server's own call with `token` (GITHUB_TOKEN; without it the server's call is not made).
   */
  enterprise?: { dotcomApiUrl: string; token?: string }
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

/** The token prefixes GitHub Enterprise Server's `POST /credentials/revoke` accepts (platform-facts.md). */
export const GHES_REVOCABLE_PREFIXES = ['ghp_', 'github_pat_'] as const

/** An accepted revocation on one side while the other side's call failed and will be retried. */
export class PartialRevocationError extends RemoteError {
  constructor(
    readonly accepted: RevocationOutcome,
    failed: RemoteError,
  ) {
    super(failed.failure, `${failed.message}; ${accepted.detail}`, {
      status: failed.status,
      retryAfterMs: failed.retryAfterMs,
      cause: failed,
    })
  }
}

type CheckResult =
  | { state: 'active'; owner: TokenOwner & { login: string } }
  | { state: 'inactive' | 'unknown'; detail: string }

export class GithubIssuer implements TokenIssuer {
  readonly issuer = 'github' as const
  readonly #apiUrl: string
  readonly #fetch?: typeof fetch
  readonly #timeoutMs?: number
  readonly #enterprise?: { dotcomApiUrl: string; token?: string; host: string }
  readonly verify: boolean

  constructor(options: GithubIssuerOptions) {
    this.#apiUrl = options.apiUrl.replace(/\/+$/, '')
    this.verify = options.verify ?? false
    if (options.enterprise)
      this.#enterprise = {
        ...options.enterprise,
        dotcomApiUrl: options.enterprise.dotcomApiUrl.replace(/\/+$/, ''),
        host: new URL(this.#apiUrl).host,
      }
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
   * bad token). 403/404 and other refusals: `unknown`. 429/5xx/timeouts throw RemoteError. On GitHub Enterprise
   * Server a token the server does not know is asked of github.com too: dead only when neither knows it.
   */
  async check(token: string): Promise<CheckResult> {
    if (!this.verify) return { state: 'unknown', detail: 'not verified (PATROL_VERIFY=off)' }
    const here = await this.#checkAt(this.#apiUrl, token)
    if (here.state !== 'inactive' || !this.#enterprise) return here
    const dotcom = await this.#checkAt(this.#enterprise.dotcomApiUrl, token)
    if (dotcom.state !== 'inactive') return dotcom
    return { state: 'inactive', detail: `${here.detail}, on ${this.#enterprise.host} and on github.com` }
  }

  async #checkAt(apiUrl: string, token: string): Promise<CheckResult> {
    let res: Response
    try {
      res = await remoteFetch(
        `${apiUrl}/user`,
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
   * Up to GITHUB_REVOKE_BATCH_MAX tokens: one call to GitHub, or on GitHub Enterprise Server one to the server (its
   * `ghp_`/`github_pat_` tokens, authenticated) and one to github.com (all of them). `requested` when either accepted,
   * with `acceptedBy`; when one accepted and the other failed retryably, a PartialRevocationError carries the accepted
   * outcome for the queue's last attempt.
   */
  async revokeBatch(tokens: string[]): Promise<RevocationOutcome> {
    if (tokens.length === 0) throw new RangeError('revokeBatch: no tokens given')
    if (tokens.length > GITHUB_REVOKE_BATCH_MAX)
      throw new RangeError(
        `revokeBatch: ${tokens.length} tokens, GitHub takes at most ${GITHUB_REVOKE_BATCH_MAX} a call`,
      )
    const ghes = this.#enterprise
    if (!ghes) return this.#revokeAt(this.#apiUrl, 'GitHub', tokens, undefined, 'github.com')
    const own = tokens.filter((t) => GHES_REVOCABLE_PREFIXES.some((p) => t.startsWith(p)))
    const sides: Promise<RevocationOutcome>[] = [
      own.length === 0
        ? Promise.resolve({ outcome: 'skipped', detail: `${ghes.host}: no ghp_ or github_pat_ token to send` })
        : ghes.token
          ? this.#revokeAt(this.#apiUrl, ghes.host, own, ghes.token)
          : Promise.resolve({
              outcome: 'failed',
              detail: `${ghes.host}: not called, its revocation call must be authenticated and GITHUB_TOKEN is not set`,
            }),
      this.#revokeAt(ghes.dotcomApiUrl, 'github.com', tokens),
    ]
    const settled = await Promise.allSettled(sides)
    const outcomes = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []))
    const thrown = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as unknown] : []))
    const acceptedBy = outcomes.flatMap((o) => (o.outcome === 'requested' ? (o.acceptedBy ?? []) : []))
    const detail = outcomes.map((o) => o.detail).join('; ')
    if (thrown.length > 0) {
      const first = thrown[0]
      if (acceptedBy.length > 0 && first instanceof RemoteError)
        throw new PartialRevocationError({ outcome: 'requested', detail, acceptedBy }, first)
      throw first
    }
    return acceptedBy.length > 0 ? { outcome: 'requested', detail, acceptedBy } : { outcome: 'failed', detail }
  }

  /**
   * One call for up to GITHUB_REVOKE_BATCH_MAX tokens. 202 → `requested` (for all of them: GitHub gives no per-token
   * answer). 422 and other refusals → `failed`, permanent. 429, rate-limited 403, 5xx and timeouts → RemoteError
   * thrown, to retry the whole batch later (Retry-After in `retryAfterMs`). `name` says which issuer in the detail.
   */
  async #revokeAt(
    apiUrl: string,
    name: string,
    tokens: string[],
    auth?: string,
    accepter = name,
  ): Promise<RevocationOutcome> {
    try {
      const res = await remoteFetch(
        `${apiUrl}/credentials/revoke`,
        {
          method: 'POST',
          // Authorization only for GitHub Enterprise Server, which requires it; github.com answers 403 to it.
          headers: {
            ...GITHUB_HEADERS,
            'Content-Type': 'application/json',
            ...(auth ? { Authorization: `Bearer ${auth}` } : {}),
          },
          body: JSON.stringify({ credentials: tokens }),
        },
        { fetch: this.#fetch, timeoutMs: this.#timeoutMs },
      )
      await res.body?.cancel().catch(() => {})
      const count = tokens.length === 1 ? 'the token' : `${tokens.length} tokens`
      return {
        outcome: 'requested',
        detail: `${name} accepted the revocation of ${count} (HTTP ${res.status}); it revokes valid tokens and emails their owner, without saying which were valid`,
        acceptedBy: [accepter],
      }
    } catch (error) {
      if (error instanceof RemoteError && !error.retryable) {
        const why = error.status === 422 ? 'validation failed, or the endpoint has been spammed' : error.failure
        return {
          outcome: 'failed',
          detail: `${name} refused the revocation request (HTTP ${error.status ?? '?'}: ${why})`,
        }
      }
      throw error
    }
  }
}
