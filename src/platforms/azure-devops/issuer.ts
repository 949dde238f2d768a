/**
 * Azure DevOps as a token issuer: find the owner of a leaked PAT, then revoke it through Token Admin
 * (docs/reference/platform-apis.md §6a, §6b, §6e).
 *
 * No API maps a raw PAT to its authorization id, so revocation is by candidates: the owner's valid PATs that existed
 * when the commit was made and that work in this organization. Policy `candidates` revokes all of them (certain, blunt:
 * the owner recreates the ones still needed); policy `none` only notifies. The leaked PAT itself is used for exactly
 * one read-only call, `connectionData`, to learn whose it is and whether it still works.
 *
 * @example
 * const azure = new AzureDevOpsIssuer({ orgUrl: 'https://dev.azure.com/contoso', adminToken, policy: 'candidates' })
 * await azure.revoke(pat, { kind: 'azure-devops-pat', committedAt }) // { outcome: 'revoked', authorizationIds: [...] }
 */

import type { TokenKind } from '../../scan/types.js'
import { RemoteError, remoteFetch } from '../remote-error.js'
import type { RevocationContext, RevocationOutcome, TokenIssuer, TokenOwner } from '../types.js'

export type AzureRevokePolicy = 'candidates' | 'none'

export interface AzureDevOpsIssuerOptions {
  /** `https://dev.azure.com/{org}`, `https://{org}.visualstudio.com`, or a Server collection URL. */
  orgUrl: string
  /** A Project Collection Administrator's PAT with `vso.tokenadministration vso.graph`. Absent: revocation is skipped. */
  adminToken?: string
  /** Token Admin host; derived for Services, required for Server (AZURE_DEVOPS_VSSPS_URL). */
  vsspsUrl?: string
  policy: AzureRevokePolicy
  fetch?: typeof fetch
  timeoutMs?: number
}

/** One PAT as Token Admin lists it (SPEC tokenAdmin 7.1 `SessionToken`); no token value or hash is ever returned. */
export interface AzureTokenAdminPat {
  authorizationId: string
  displayName?: string
  scope?: string
  validFrom?: string
  validTo?: string
  targetAccounts?: string[] | null
  isValid?: boolean
}

/** What `connectionData` said about a PAT. */
export type AzureConnection =
  | { state: 'active'; owner: TokenOwner; accountIds: string[] }
  | { state: 'inactive'; detail: string }
  /** The PAT authenticated (or may have) but the call was refused, e.g. 403 for a narrow scope [UNVERIFIED]. */
  | { state: 'unknown'; detail: string }

/** Ids Token Admin revokes in one call; Microsoft's own sample sends 990 (the limit is undocumented). */
const REVOCATION_BATCH = 990
/** A guard against a server that keeps answering the same continuation token. */
const MAX_PAGES = 1000
/** Committer clocks drift: a PAT created this long after the commit time still counts as a candidate. */
const CLOCK_SKEW_MS = 5 * 60_000
/** The identity Azure DevOps reports for anonymous callers of connectionData [3P, UNVERIFIED]. */
const ANONYMOUS = /UnauthenticatedIdentity|^aa442b2f-/i

/**
 * Token Admin's host for an Azure DevOps Services organization URL; `undefined` for anything else (Server).
 * @example vsspsUrlFor('https://contoso.visualstudio.com/') // 'https://vssps.dev.azure.com/contoso'
 */
export function vsspsUrlFor(orgUrl: string): string | undefined {
  let url: URL
  try {
    url = new URL(orgUrl)
  } catch {
    return undefined
  }
  const host = url.hostname.toLowerCase()
  if (host === 'dev.azure.com') {
    const org = url.pathname.split('/').filter(Boolean)[0]
    return org ? `https://vssps.dev.azure.com/${org}` : undefined
  }
  const legacy = /^([a-z0-9][a-z0-9-]*)\.visualstudio\.com$/.exec(host)
  if (legacy && legacy[1] !== 'app' && legacy[1] !== 'vssps') return `https://vssps.dev.azure.com/${legacy[1]}`
  return undefined
}

export class AzureDevOpsIssuer implements TokenIssuer {
  readonly issuer = 'azure-devops' as const
  readonly #orgUrl: string
  readonly #vsspsUrl?: string
  readonly #adminToken?: string
  readonly #policy: AzureRevokePolicy
  readonly #fetchOptions: { fetch?: typeof fetch; timeoutMs?: number }

  constructor(options: AzureDevOpsIssuerOptions) {
    this.#orgUrl = options.orgUrl.replace(/\/+$/, '')
    this.#adminToken = options.adminToken || undefined
    this.#policy = options.policy
    this.#fetchOptions = { fetch: options.fetch, timeoutMs: options.timeoutMs }
    const vssps = options.vsspsUrl || vsspsUrlFor(this.#orgUrl)
    // Only revocation needs Token Admin: without an admin token a Server install works as notify-only.
    if (!vssps && this.#adminToken)
      throw new Error(
        `AZURE_DEVOPS_VSSPS_URL is required: Token Admin's URL cannot be derived from AZURE_DEVOPS_ORG_URL (${this.#orgUrl}); ` +
          'for Azure DevOps Server set it to the collection URL that serves _apis/tokenadmin',
      )
    this.#vsspsUrl = vssps?.replace(/\/+$/, '')
  }

  /** Owner from `connectionData`, authenticated as the leaked PAT; `undefined` when the PAT does not work here. */
  async owner(token: string, _kind: TokenKind): Promise<TokenOwner | undefined> {
    const connection = await this.connection(token)
    return connection.state === 'active' ? connection.owner : undefined
  }

  /** true: the PAT still authenticates in this organization; false: 401/203/sign-in page; undefined: cannot tell. */
  async isActive(token: string, _kind: TokenKind): Promise<boolean | undefined> {
    const connection = await this.connection(token)
    return connection.state === 'active' ? true : connection.state === 'inactive' ? false : undefined
  }

  async revoke(token: string, context: RevocationContext): Promise<RevocationOutcome> {
    if (this.#policy === 'none')
      return { outcome: 'skipped', detail: 'policy none (AZURE_DEVOPS_REVOKE_POLICY): notify only' }
    if (!this.#adminToken || !this.#vsspsUrl)
      return { outcome: 'skipped', detail: 'not configured: AZURE_DEVOPS_ADMIN_TOKEN is not set' }

    const connection = await this.connection(token)
    if (connection.state === 'inactive') return { outcome: 'inactive', detail: connection.detail }
    // connectionData refused a PAT that may be valid: fall back to an owner found another way (push data → Graph).
    const found = connection.state === 'active' ? connection.owner : undefined
    const owner = found?.descriptor ? found : context.owner?.descriptor ? { ...found, ...context.owner } : found
    const accountIds = connection.state === 'active' ? connection.accountIds : []
    if (!owner?.descriptor)
      return {
        outcome: 'failed',
        detail: `owner unknown, cannot list candidates (${connection.state === 'unknown' ? connection.detail : 'no subject descriptor'})`,
      }

    let pats: AzureTokenAdminPat[]
    try {
      pats = await this.listPats(owner.descriptor)
    } catch (error) {
      return adminFailure(error, "listing the owner's PATs")
    }
    const candidates = chooseCandidates(pats, { committedAt: context.committedAt, accountIds })
    if (candidates.length === 0)
      return {
        outcome: 'failed',
        detail: `no candidate PAT among the owner's ${pats.length} listed: revoke it by hand`,
      }

    const ids = candidates.map((pat) => pat.authorizationId)
    try {
      for (let i = 0; i < ids.length; i += REVOCATION_BATCH) await this.revokeIds(ids.slice(i, i + REVOCATION_BATCH))
    } catch (error) {
      // A retry re-lists: PATs revoked by an earlier batch are no longer valid and drop out, so it is idempotent.
      return adminFailure(error, 'revoking')
    }
    return {
      outcome: 'revoked',
      detail: `revoked ${ids.length} PAT${ids.length === 1 ? '' : 's'} of ${owner.email ?? owner.name ?? 'the owner'} that could be the leaked one (Azure may take up to an hour to enforce it)`,
      authorizationIds: ids,
    }
  }

  /**
   * `GET {org}/_apis/connectionData` as the leaked PAT. An invalid PAT gets 401, or 203 with an HTML sign-in page,
   * or a redirect to one; all mean inactive. 429/5xx/timeouts throw RemoteError.
   */
  async connection(token: string): Promise<AzureConnection> {
    let res: Response
    try {
      res = await remoteFetch(`${this.#orgUrl}/_apis/connectionData`, { headers: basic(token) }, this.#fetchOptions)
    } catch (error) {
      if (error instanceof RemoteError && error.status === 401)
        return { state: 'inactive', detail: 'the token is not active in this organization (HTTP 401)' }
      if (
        error instanceof RemoteError &&
        (error.status === 403 || error.failure === 'not_found' || error.failure === 'permanent')
      )
        return { state: 'unknown', detail: `connectionData answered HTTP ${error.status}` }
      throw error
    }
    const body = await jsonOf(res)
    if (res.status === 203 || body === undefined)
      return {
        state: 'inactive',
        detail: `the token is not active in this organization (HTTP ${res.status}, sign-in page)`,
      }
    const user = record(record(body).authenticatedUser)
    const id = str(user.id)
    const descriptor = str(user.subjectDescriptor)
    if (!id || ANONYMOUS.test(id) || ANONYMOUS.test(str(user.descriptor) ?? '') || user.isActive === false)
      return { state: 'inactive', detail: 'the token is not active in this organization (anonymous connection)' }
    const properties = record(user.properties)
    const email =
      emailIn(record(properties.Account).$value) ??
      emailIn(record(properties.Mail).$value) ??
      emailIn(res.headers.get('x-vss-userdata')?.split(':').slice(1).join(':'))
    // UNVERIFIED (docs/reference/platform-apis.md §6a, §7): which id Token Admin's `targetAccounts` holds for this organization. The best
    // evidence is connectionData's `instanceId` (the organization's host id); `locationServiceData.serviceOwner`
    // is a service-type id, not an account. chooseCandidates copes with the id matching nothing.
    const instanceId = str(record(body).instanceId)
    return {
      state: 'active',
      owner: { id, descriptor, name: str(user.providerDisplayName) ?? str(user.customDisplayName), email },
      accountIds: instanceId ? [instanceId] : [],
    }
  }

  /** Every page of `tokenadmin/personalaccesstokens/{subjectDescriptor}`, following continuationToken. */
  async listPats(subjectDescriptor: string): Promise<AzureTokenAdminPat[]> {
    const pats: AzureTokenAdminPat[] = []
    const seen = new Set<string>()
    let continuation: string | undefined
    for (let page = 0; page < MAX_PAGES; page++) {
      const url = new URL(
        `${this.#vsspsUrl}/_apis/tokenadmin/personalaccesstokens/${encodeURIComponent(subjectDescriptor)}`,
      )
      url.searchParams.set('api-version', '7.1')
      url.searchParams.set('isPublic', 'false')
      if (continuation) url.searchParams.set('continuationToken', continuation)
      const res = await remoteFetch(url.toString(), { headers: basic(this.#adminToken ?? '') }, this.#fetchOptions)
      const body = await jsonOf(res)
      if (res.status === 203 || body === undefined)
        throw new RemoteError(
          'auth',
          `GET ${url.host}${url.pathname}: HTTP ${res.status}, sign-in page instead of JSON`,
          { status: res.status },
        )
      const value = record(body).value
      if (Array.isArray(value)) for (const item of value) if (isPat(item)) pats.push(item)
      // The spec puts the continuation token in the body; some Azure APIs use the header instead.
      continuation = str(record(body).continuationToken) ?? res.headers.get('x-ms-continuationtoken') ?? undefined
      if (!continuation || seen.has(continuation)) return pats
      seen.add(continuation)
    }
    throw new RemoteError('permanent', `Token Admin listed more than ${MAX_PAGES} pages`)
  }

  /** `POST tokenadmin/revocations` → 204. */
  async revokeIds(authorizationIds: string[]): Promise<void> {
    const url = `${this.#vsspsUrl}/_apis/tokenadmin/revocations?api-version=7.1&isPublic=false`
    const res = await remoteFetch(
      url,
      {
        method: 'POST',
        headers: { ...basic(this.#adminToken ?? ''), 'Content-Type': 'application/json' },
        body: JSON.stringify(authorizationIds.map((authorizationId) => ({ authorizationId }))),
      },
      this.#fetchOptions,
    )
    await res.body?.cancel().catch(() => {})
    if (res.status === 203)
      throw new RemoteError('auth', `POST ${new URL(url).host}: HTTP 203, sign-in page`, { status: 203 })
  }
}

/**
 * Narrow the owner's PATs to those that can be the leaked one: valid, created before the commit (with clock skew),
 * and usable in this organization (`targetAccounts` includes its id, or is empty/null for a global PAT).
 * Because the account id is UNVERIFIED, when no organization-scoped PAT matches it, every valid PAT of the right
 * age is a candidate: the leaked PAT did authenticate here, so it is among them either way.
 */
export function chooseCandidates(
  pats: AzureTokenAdminPat[],
  options: { committedAt?: Date; accountIds: string[] },
): AzureTokenAdminPat[] {
  const before = options.committedAt ? options.committedAt.getTime() + CLOCK_SKEW_MS : Infinity
  const eligible = pats.filter((pat) => {
    if (pat.isValid !== true) return false
    const from = pat.validFrom ? Date.parse(pat.validFrom) : NaN
    return !Number.isFinite(from) || from <= before
  })
  if (options.accountIds.length === 0) return eligible
  const ours = new Set(options.accountIds.map((id) => id.toLowerCase()))
  const scopedMatch = eligible.some((pat) => pat.targetAccounts?.some((id) => ours.has(id.toLowerCase())))
  if (!scopedMatch) return eligible
  return eligible.filter(
    (pat) => !pat.targetAccounts?.length || pat.targetAccounts.some((id) => ours.has(id.toLowerCase())),
  )
}

function adminFailure(error: unknown, doing: string): RevocationOutcome {
  if (error instanceof RemoteError && !error.retryable) {
    const hint =
      error.failure === 'auth'
        ? ': check AZURE_DEVOPS_ADMIN_TOKEN (a Project Collection Administrator, vso.tokenadministration)'
        : ''
    return {
      outcome: 'failed',
      detail: `Token Admin refused ${doing} (HTTP ${error.status ?? '?'}, ${error.failure})${hint}`,
    }
  }
  throw error
}

function basic(token: string): Record<string, string> {
  return { Authorization: `Basic ${btoa(`:${token}`)}`, Accept: 'application/json' }
}

/** The JSON body, or `undefined` when the answer is not JSON (Azure's HTML sign-in page). */
async function jsonOf(res: Response): Promise<unknown> {
  const type = res.headers.get('content-type') ?? ''
  if (!/json/i.test(type)) {
    await res.body?.cancel().catch(() => {})
    return undefined
  }
  try {
    return await res.json()
  } catch {
    return undefined
  }
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {}
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined
}

function emailIn(value: unknown): string | undefined {
  const s = str(value)?.trim()
  return s && /^[^\s@]+@[^\s@]+$/.test(s) ? s : undefined
}

function isPat(value: unknown): value is AzureTokenAdminPat {
  return typeof record(value).authorizationId === 'string'
}
