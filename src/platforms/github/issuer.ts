/**
 * GitHub as a token issuer: revocation through `POST /credentials/revoke` (docs/reference/platform-apis.md §3.1).
 *
 * The endpoint is unauthenticated, takes up to 1000 tokens a call, is limited to 60 calls an hour per source
 * address, and answers 202 without telling which tokens were valid: so the outcome is `requested`, never `revoked`.
 * The hourly budget is precious: the respond queue batches waiting tokens into one `revokeBatch` call and never
 * spends calls on retries of a single token (GITHUB_REVOKE_BATCH_MAX, GITHUB_REVOKE_CALLS_PER_HOUR).
 * patrol never authenticates with a leaked token on GitHub, so `owner` and `isActive` cannot tell (`undefined`).
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

export interface GithubIssuerOptions {
  /** `https://api.github.com`, or `https://{host}/api/v3` for GitHub Enterprise Server (3.18+). */
  apiUrl: string
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

  constructor(options: GithubIssuerOptions) {
    this.#apiUrl = options.apiUrl.replace(/\/+$/, '')
    this.#fetch = options.fetch
    this.#timeoutMs = options.timeoutMs
  }

  /** patrol does not use a leaked token on GitHub (an org-policy decision, docs/reference/platform-apis.md §3.2): the owner comes from the push. */
  async owner(_token: string, _kind: TokenKind): Promise<TokenOwner | undefined> {
    return undefined
  }

  async isActive(_token: string, _kind: TokenKind): Promise<boolean | undefined> {
    return undefined
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
          headers: {
            Accept: 'application/vnd.github+json',
            'Content-Type': 'application/json',
            'X-GitHub-Api-Version': '2022-11-28',
            'User-Agent': 'patrol',
          },
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
