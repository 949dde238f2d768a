/**
 * Azure DevOps as a token issuer: find the owner of a leaked PAT, then revoke it through Token Admin
 * (docs/reference/platform-apis.md §6a, §6b, §6e).
 *
 * No API maps a raw PAT to its authorization id, so revocation is by candidates among the owner's PATs
 * (chooseCandidates). Policy `precise` revokes the narrow set (valid, usable in this organization, created in the
 * month an 84-character PAT embeds, no later than the commit plus clock skew) and widens to "created before the
 * push" only on evidence: the narrow set is empty, or the leaked PAT still works after confirmation (`widen`).
 * Policy `broad` revokes every candidate created before the push; `none` only notifies. Token Admin's 204 means the
 * request was accepted: the outcome is `requested`, and only a later check that the PAT no longer authenticates makes
 * it `revoked` (confirm.ts). The leaked PAT itself is used only for read-only calls to patrol's own organization.
 *
 * @example
 * const azure = new AzureDevOpsIssuer({ orgUrl: 'https://dev.azure.com/contoso', adminToken, policy: 'precise' })
 * await azure.revoke(pat, { kind: 'azure-devops-pat', committedAt, pushedAt }) // { outcome: 'requested', candidates:
 * [...] }
 */

import type { TokenKind } from '../../scan/types.js'
import { RemoteError, remoteFetch } from '../remote-error.js'
import {
  type RevocationCandidate,
  type RevocationContext,
  type RevocationOutcome,
  type TokenIssuer,
  type TokenOwner,
  UNRECORDED_STEPS,
} from '../types.js'

export type AzureRevokePolicy = 'precise' | 'broad' | 'none'

export interface AzureDevOpsIssuerOptions {
  /** `https://dev.azure.com/{org}`, `https://{org}.visualstudio.com`, or a Server collection URL. */
  orgUrl: string
  /**
   * A Project Collection Administrator's PAT with `vso.tokenadministration vso.graph`. Absent: revocation is skipped.
   */
  adminToken?: string
  /** Token Admin host; derived for Services, required for Server (AZURE_DEVOPS_VSSPS_URL). */
  vsspsUrl?: string
  policy: AzureRevokePolicy
  /** `api-version` of every call but Token Admin's (AZURE_DEVOPS_API_VERSION): Server 2022 serves at most 7.0. */
  apiVersion?: string
  /** Token Admin's `api-version` (AZURE_DEVOPS_TOKEN_ADMIN_API_VERSION): Server documents `6.0-preview.1`. */
  tokenAdminApiVersion?: string
  /**
   * AZURE_DEVOPS_PROBE_SCOPES: learn the leaked PAT's scopes with read-only calls when candidates remain. Default on.
   */
  probeScopes?: boolean
  /** Authorization ids per `revocations` call. Default 990 (under Token Admin's 1000-item bound; tests use less). */
  revocationBatch?: number
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
/** Default `api-version` on Azure DevOps Services. */
export const AZURE_API_VERSION = '7.1'
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
  readonly #tokenAdminApiVersion: string
  readonly #apiVersion: string
  readonly #probeScopes: boolean
  readonly #revocationBatch: number
  readonly #fetchOptions: { fetch?: typeof fetch; timeoutMs?: number }

  constructor(options: AzureDevOpsIssuerOptions) {
    this.#orgUrl = options.orgUrl.replace(/\/+$/, '')
    this.#adminToken = options.adminToken || undefined
    this.#policy = options.policy
    this.#apiVersion = options.apiVersion || AZURE_API_VERSION
    this.#tokenAdminApiVersion = options.tokenAdminApiVersion || this.#apiVersion
    this.#probeScopes = options.probeScopes ?? true
    this.#revocationBatch = options.revocationBatch ?? REVOCATION_BATCH
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
  async owner(token: string, _kind: TokenKind, steps = UNRECORDED_STEPS): Promise<TokenOwner | undefined> {
    const connection = await steps.once('connection', () => this.connection(token))
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

    // Recorded steps (context.steps): a retry after a failed batch does not ask connectionData, list or probe again.
    const steps = context.steps ?? UNRECORDED_STEPS
    const connection = await steps.once('connection', () => this.connection(token))
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

    let chosen: ChosenCandidates
    try {
      chosen = await steps.once('candidates', () => this.chooseFor(token, owner.descriptor!, accountIds, context))
    } catch (error) {
      return adminFailure(error, "listing the owner's PATs")
    }
    const { candidates, listed, probed, widened } = chosen
    const widen = context.widen
    if (candidates.length === 0)
      return {
        outcome: 'failed',
        detail: `no candidate PAT among the owner's ${listed} listed: revoke it by hand`,
      }

    const ids = candidates.map((pat) => pat.authorizationId)
    try {
      const size = this.#revocationBatch
      for (let i = 0; i < ids.length; i += size) {
        const batch = ids.slice(i, i + size)
        await steps.once('revocation', () => this.revokeIds(batch).then(() => batch), i / size)
      }
    } catch (error) {
      // A retry resumes at the first batch not accepted; without recorded steps it re-lists, and PATs revoked by an
      // earlier batch are no longer valid and drop out. Either way no PAT is revoked twice on purpose.
      return adminFailure(error, 'revoking')
    }
    const whose = owner.email ?? owner.name ?? 'the owner'
    const why = widened && !widen ? ` (widened: ${widened})` : widen ? ` (widened: ${widen})` : ''
    return {
      outcome: 'requested',
      detail: `Token Admin accepted the revocation of ${ids.length} PAT${ids.length === 1 ? '' : 's'} of ${whose} that could be the leaked one${why}; Azure may take up to an hour to enforce it.${probed}`,
      authorizationIds: ids,
      candidates,
      ...(widened && !widen ? { widened } : {}),
    }
  }

  /**
   * The owner's PATs that could be the leaked one: every page of Token Admin's list, the candidate rules, then (policy
   * `precise`, more than one left) the scope probes as the leaked PAT.
   */
  private async chooseFor(
    token: string,
    descriptor: string,
    accountIds: string[],
    context: RevocationContext,
  ): Promise<ChosenCandidates> {
    const pats = await this.listPats(descriptor)
    const choice = chooseCandidates(pats, {
      token,
      committedAt: context.committedAt,
      pushedAt: context.pushedAt,
      accountIds,
      // Policy `none` never gets here (revoke() returns first).
      policy: context.widen || this.#policy === 'broad' ? 'broad' : 'precise',
    })
    // Widening after confirmation: the narrow set is already revoked; what is left is the broad remainder.
    const widen = context.widen
    let candidates = choice.candidates.map((c) => (widen ? { ...c, why: `${c.why}; widened: ${widen}` } : c))
    let probed = ''
    if (candidates.length > 1 && this.#probeScopes && this.#policy === 'precise' && !widen) {
      const held = await this.probeScopes(token)
      const fit = matchScopes(candidates, held)
      probed = ` Scope probes as the leaked PAT: ${describeProbes(held)}; ${fit.length} of ${candidates.length} candidates fit.`
      candidates = fit
    }
    return { candidates, listed: pats.length, probed, widened: choice.widened }
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
    // UNVERIFIED (docs/reference/platform-apis.md §6a, §7): which id Token Admin's `targetAccounts` holds for this
    // organization. The best
    // evidence is connectionData's `instanceId` (the organization's host id); `locationServiceData.serviceOwner`
    // is a service-type id, not an account. chooseCandidates copes with the id matching nothing.
    const instanceId = str(record(body).instanceId)
    return {
      state: 'active',
      owner: { id, descriptor, name: str(user.providerDisplayName) ?? str(user.customDisplayName), email },
      accountIds: instanceId ? [instanceId] : [],
    }
  }

  /**
   * Which scope families the leaked PAT holds, with one read-only call per family to patrol's own organization
   * (SCOPE_PROBES). 200: held; 401/403: not held [UNVERIFIED: Azure's answer to a PAT that lacks a scope is not
   * documented; both are read as "not held" because the PAT did authenticate with connectionData just before];
   * anything else, or a failure: unknown, and that family decides nothing.
   */
  async probeScopes(token: string): Promise<ScopeProbe[]> {
    const probes: ScopeProbe[] = []
    for (const probe of SCOPE_PROBES) {
      const url = `${this.#orgUrl}/${probe.path}?api-version=${encodeURIComponent(probe.version ?? this.#apiVersion)}`
      let status: number | undefined
      try {
        const res = await remoteFetch(url, { headers: basic(token) }, this.#fetchOptions)
        await res.body?.cancel().catch(() => {})
        status = res.status
      } catch (error) {
        status = error instanceof RemoteError ? error.status : undefined
      }
      const held = status === 200 ? true : status === 401 || status === 403 ? false : undefined
      probes.push({ family: probe.family, call: `GET ${probe.path}`, status, held })
    }
    return probes
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
      url.searchParams.set('api-version', this.#tokenAdminApiVersion)
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
    const url = `${this.#vsspsUrl}/_apis/tokenadmin/revocations?api-version=${encodeURIComponent(this.#tokenAdminApiVersion)}&isPublic=false`
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

/** The `candidates` step's record: what revoke() needs to carry on without listing or probing again. */
interface ChosenCandidates {
  candidates: RevocationCandidate[]
  /** How many PATs Token Admin listed for the owner. */
  listed: number
  /** The scope probes' summary for the outcome's detail ('' when none ran). */
  probed: string
  widened?: string
}

/** Why a PAT is a candidate, and what a candidate carries into the incident's record and the owner's email. */
export interface CandidateChoice {
  candidates: RevocationCandidate[]
  /** Set when policy `precise` found no narrow candidate and fell back to the broad rule: why. */
  widened?: string
}

/**
 * The year and month an 84-character PAT embeds (docs/reference/token-formats.md §1a: position 58 is the year as a
 * base64 index from 2024, 59 the month `A`–`L`); `undefined` for a legacy 52-character PAT, which carries no date.
 * @example embeddedMonth(pat) // { year: 2026, month: 2 } (0-based month: March)
 */
export function embeddedMonth(token: string): { year: number; month: number } | undefined {
  if (token.length !== 84 || token.slice(52, 56) !== 'JQQJ') return undefined
  const year = BASE64.indexOf(token[58] ?? '')
  const month = 'ABCDEFGHIJKL'.indexOf(token[59] ?? '')
  return year < 0 || month < 0 ? undefined : { year: 2024 + year, month }
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'

/**
 * A Token Admin date as epoch ms. Microsoft's documented example has no offset (`2018-07-19T00:00:00`): such a date
 * is UTC, never the host's time zone.
 * @example tokenAdminDate('2018-07-19T00:00:00') === Date.UTC(2018, 6, 19)
 */
export function tokenAdminDate(value: string | undefined): number {
  if (!value) return NaN
  const offset = /(Z|[+-]\d{2}:?\d{2})$/i.test(value) || !value.includes('T') ? '' : 'Z'
  return Date.parse(`${value}${offset}`)
}

/**
 * The owner's PATs that can be the leaked one. Every rule, in order:
 * 1. valid (`isValid`);
 * 2. usable in this organization: `targetAccounts` includes its id, or is empty/null (a global PAT). Because the
 *    account id is UNVERIFIED, when no organization-scoped PAT matches it this rule keeps every valid PAT;
 * 3. `precise` only: created (`validFrom`, UTC) in the year and month an 84-character PAT embeds (a legacy
 *    52-character PAT carries no date: no month rule);
 * 4. `precise`: created no later than the commit that added it (earliest occurrence, committer time) plus 5 minutes
 *    of clock skew; `broad`: no later than the push by patrol's clock, plus the same skew.
 * `precise` with no candidate left widens to `broad` and says why.
 */
export function chooseCandidates(
  pats: AzureTokenAdminPat[],
  options: {
    token?: string
    committedAt?: Date
    pushedAt?: Date
    accountIds: string[]
    policy?: Exclude<AzureRevokePolicy, 'none'>
  },
): CandidateChoice {
  const ours = new Set(options.accountIds.map((id) => id.toLowerCase()))
  const valid = pats.filter((pat) => pat.isValid === true)
  const scopedMatch = valid.some((pat) => pat.targetAccounts?.some((id) => ours.has(id.toLowerCase())))
  const usable =
    ours.size === 0 || !scopedMatch
      ? valid
      : valid.filter(
          (pat) => !pat.targetAccounts?.length || pat.targetAccounts.some((id) => ours.has(id.toLowerCase())),
        )
  const createdBy = (at: Date | undefined) => (pat: AzureTokenAdminPat) => {
    const from = tokenAdminDate(pat.validFrom)
    return !at || !Number.isFinite(from) || from <= at.getTime() + CLOCK_SKEW_MS
  }
  const broad = () =>
    usable
      .filter(createdBy(options.pushedAt ?? options.committedAt))
      .map((pat) => candidate(pat, 'valid, usable in this organization, created before the push'))
  if (options.policy === 'broad') return { candidates: broad() }

  const month = options.token ? embeddedMonth(options.token) : undefined
  const narrow = usable.filter((pat) => {
    if (!month) return true
    const from = tokenAdminDate(pat.validFrom)
    if (!Number.isFinite(from)) return true
    const d = new Date(from)
    return d.getUTCFullYear() === month.year && d.getUTCMonth() === month.month
  })
  const atCommit = narrow.filter(createdBy(options.committedAt ?? options.pushedAt))
  if (atCommit.length > 0) {
    const monthWhy = month
      ? `created in ${month.year}-${String(month.month + 1).padStart(2, '0')} as the PAT embeds, `
      : ''
    const when = options.committedAt ? 'no later than the commit (+5 min clock skew)' : 'no later than the push'
    return {
      candidates: atCommit.map((pat) => candidate(pat, `valid, usable in this organization, ${monthWhy}${when}`)),
    }
  }
  return {
    candidates: broad(),
    widened: `no PAT of the owner matches the narrow rules (${month ? 'embedded month, ' : ''}created by the commit): every PAT created before the push is a candidate`,
  }
}

/** One scope family and the documented read-only call that needs it (Azure DevOps REST reference). */
export const SCOPE_PROBES: readonly { family: string; path: string; version?: string }[] = [
  { family: 'vso.code', path: '_apis/git/repositories' }, // Repositories - List
  { family: 'vso.build', path: '_apis/build/resourceusage', version: '7.1-preview.2' }, // Resource Usage - Get
  { family: 'vso.work', path: '_apis/wit/fields' }, // Fields - List
]

export interface ScopeProbe {
  family: string
  call: string
  status?: number
  /** undefined: the probe could not tell. */
  held?: boolean
}

/**
 * Whether a Token Admin `scope` string grants a family: `vso.code`, `vso.code_write`, … or full access (`app_token`).
 */
function grants(scope: string | undefined, family: string): boolean | undefined {
  if (scope === undefined) return undefined
  const scopes = scope.split(/\s+/)
  return scopes.includes('app_token') || scopes.some((s) => s === family || s.startsWith(`${family}_`))
}

/**
 * The candidates whose scopes fit what the probes learned: for every family a probe answered, the candidate grants it
 * exactly when the leaked PAT holds it. A candidate without a listed scope always fits. If nothing fits, every
 * candidate stays (the probes are evidence, not proof: the leaked PAT is among the candidates either way).
 */
export function matchScopes(candidates: RevocationCandidate[], probes: ScopeProbe[]): RevocationCandidate[] {
  const known = probes.filter((p) => p.held !== undefined)
  if (known.length === 0) return candidates
  const fitting = candidates.filter((c) => known.every((p) => (grants(c.scope, p.family) ?? p.held) === p.held))
  if (fitting.length === 0) return candidates
  return fitting.map((c) => ({ ...c, why: `${c.why}, scopes fit the probes` }))
}

function describeProbes(probes: ScopeProbe[]): string {
  return probes
    .map(
      (p) =>
        `${p.call} → ${p.status ?? 'no answer'} (${p.family} ${p.held === undefined ? 'unknown' : p.held ? 'held' : 'not held'})`,
    )
    .join(', ')
}

function candidate(pat: AzureTokenAdminPat, why: string): RevocationCandidate {
  return {
    authorizationId: pat.authorizationId,
    displayName: pat.displayName,
    scope: pat.scope,
    createdAt: Number.isFinite(tokenAdminDate(pat.validFrom))
      ? new Date(tokenAdminDate(pat.validFrom)).toISOString()
      : undefined,
    why,
  }
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
