import { randomBytes, randomUUID } from 'node:crypto'
import { asc } from 'drizzle-orm'
import { afterEach, describe, expect, it } from 'vitest'
import { responseSteps } from '../../src/db/schema.js'
import { stepLog } from '../../src/incidents/response/step-log.js'
import {
  AzureDevOpsIssuer,
  chooseCandidates,
  embeddedMonth,
  tokenAdminDate,
  vsspsUrlFor,
} from '../../src/platforms/azure-devops/issuer.js'
import { CALL_RETRY } from '../../src/platforms/remote-error.js'
import {
  type AzureDevOpsAdminApi,
  type AzureDevOpsAdminApiOptions,
  startAzureDevOpsAdminApi,
} from '../support/azure-devops-admin-api.js'
import { tempDatabase } from '../support/db.js'
import { rejection } from '../support/remote-rejection.js'
import { generateAdoLegacyPat, generateAdoPat } from '../support/tokens.js'

/**
 * An Azure-PAT-shaped string made at test time (84 chars, `AZDO` at 76); not checksum-valid, the issuer does not check.
 */
function fakePat(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
  const random = (n: number) => Array.from(randomBytes(n), (b) => alphabet[b % 62]).join('')
  return `${random(76)}AZDO${random(4)}`
}

const ADMIN = `admin-${randomUUID()}`
const COMMITTED_AT = new Date('2026-03-01T12:00:00Z')

const servers: AzureDevOpsAdminApi[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

async function azureApi(options: Partial<AzureDevOpsAdminApiOptions> = {}) {
  const api = await startAzureDevOpsAdminApi({ adminToken: ADMIN, ...options })
  servers.push(api)
  const issuer = (extra: Partial<ConstructorParameters<typeof AzureDevOpsIssuer>[0]> = {}) =>
    new AzureDevOpsIssuer({
      orgUrl: api.orgUrl,
      vsspsUrl: api.vsspsUrl,
      adminToken: ADMIN,
      policy: 'precise',
      ...extra,
    })
  return { api, issuer }
}

describe('vssps URL', () => {
  it('is derived for Azure DevOps Services URLs, both forms', () => {
    expect(vsspsUrlFor('https://dev.azure.com/contoso')).toBe('https://vssps.dev.azure.com/contoso')
    expect(vsspsUrlFor('https://dev.azure.com/contoso/')).toBe('https://vssps.dev.azure.com/contoso')
    expect(vsspsUrlFor('https://contoso.visualstudio.com/')).toBe('https://vssps.dev.azure.com/contoso')
    expect(vsspsUrlFor('https://tfs.corp.example/DefaultCollection')).toBeUndefined()
    expect(vsspsUrlFor('not a url')).toBeUndefined()
  })

  it('is required for Server when revocation is configured, with an error naming the variable', () => {
    expect(
      () =>
        new AzureDevOpsIssuer({
          orgUrl: 'https://tfs.corp.example/DefaultCollection',
          adminToken: ADMIN,
          policy: 'precise',
        }),
    ).toThrow(/AZURE_DEVOPS_VSSPS_URL/)
    // Without an admin token a Server install is notify-only and needs no Token Admin URL.
    expect(
      () => new AzureDevOpsIssuer({ orgUrl: 'https://tfs.corp.example/DefaultCollection', policy: 'precise' }),
    ).not.toThrow()
  })
})

describe('AzureDevOpsIssuer against loopback connectionData and Token Admin', () => {
  it('finds the owner with connectionData, authenticated as the leaked PAT', async () => {
    const { api, issuer } = await azureApi()
    const user = api.addUser({ email: 'dev@contoso.example', displayName: 'Dev One' })
    const leaked = fakePat()
    api.addPat({ token: leaked, user })
    const owner = await issuer().owner(leaked, 'azure-devops-pat')
    expect(owner).toEqual({
      id: user.id,
      descriptor: user.subjectDescriptor,
      name: 'Dev One',
      email: 'dev@contoso.example',
    })
    expect(await issuer().isActive(leaked, 'azure-devops-pat')).toBe(true)
    expect(await issuer().owner(fakePat(), 'azure-devops-pat')).toBeUndefined()
  })

  it('revokes every candidate over all pages: valid, older than the commit, usable in this organization', async () => {
    const { api, issuer } = await azureApi({ pageSize: 2 })
    const user = api.addUser()
    const leaked = fakePat()
    const theLeak = api.addPat({ token: leaked, user, validFrom: '2026-02-01T00:00:00Z' })
    const sibling = api.addPat({ token: fakePat(), user, validFrom: '2026-01-15T00:00:00Z' })
    const global = api.addPat({ token: fakePat(), user, validFrom: '2025-06-01T00:00:00Z', targetAccounts: null })
    const newer = api.addPat({ token: fakePat(), user, validFrom: '2026-03-02T00:00:00Z' })
    const dead = api.addPat({ token: fakePat(), user, isValid: false })
    const elsewhere = api.addPat({ token: fakePat(), user, targetAccounts: [randomUUID()] })
    const stranger = api.addPat({ token: fakePat(), user: api.addUser() })

    const outcome = await issuer().revoke(leaked, { kind: 'azure-devops-pat', committedAt: COMMITTED_AT })
    expect(outcome.outcome).toBe('requested')
    if (outcome.outcome !== 'requested') return
    expect(new Set(outcome.authorizationIds)).toEqual(
      new Set([theLeak.authorizationId, sibling.authorizationId, global.authorizationId]),
    )
    expect(outcome.detail).not.toContain(leaked)
    expect(api.revocationCalls).toHaveLength(1)
    for (const pat of [newer, elsewhere, stranger]) expect(pat.isValid).toBe(true)
    expect(dead.isValid).toBe(false)

    // Six PATs at two a page: three list calls, following the continuation token.
    const lists = api.requests.filter((r) => r.route === 'list')
    expect(lists).toHaveLength(3)
    expect(lists[0]!.url).toContain(
      `/_apis/tokenadmin/personalaccesstokens/${encodeURIComponent(user.subjectDescriptor)}?`,
    )
    expect(lists[0]!.url).toContain('api-version=7.1')
    expect(lists[0]!.url).toContain('isPublic=false')
    expect(lists[1]!.url).toContain('continuationToken=2')
    expect(lists[2]!.url).toContain('continuationToken=4')
    const revokes = api.requests.filter((r) => r.route === 'revoke')
    expect(revokes[0]!.url).toBe(`/vssps/contoso/_apis/tokenadmin/revocations?api-version=7.1&isPublic=false`)

    expect(await issuer().isActive(leaked, 'azure-devops-pat')).toBe(false)
  })

  it('revokes every valid PAT of the right age when no organization-scoped PAT matches the instanceId (unverified id)', async () => {
    const { api, issuer } = await azureApi()
    const user = api.addUser()
    const leaked = fakePat()
    const otherId = randomUUID()
    const a = api.addPat({ token: leaked, user, targetAccounts: [otherId] })
    const b = api.addPat({ token: fakePat(), user, targetAccounts: [otherId] })
    const outcome = await issuer().revoke(leaked, { kind: 'azure-devops-pat', committedAt: COMMITTED_AT })
    expect(outcome.outcome === 'requested' && new Set(outcome.authorizationIds)).toEqual(
      new Set([a.authorizationId, b.authorizationId]),
    )
  })

  it.each([401, 203] as const)(
    'records a PAT that gets %i from connectionData as inactive, without touching Token Admin',
    async (status) => {
      const { api, issuer } = await azureApi({ invalidAnswer: status })
      const user = api.addUser()
      api.addPat({ token: fakePat(), user })
      const outcome = await issuer().revoke(fakePat(), { kind: 'azure-devops-pat', committedAt: COMMITTED_AT })
      expect(outcome.outcome).toBe('inactive')
      expect(outcome.detail).toContain(String(status))
      expect(api.requests.map((r) => r.route)).toEqual(['connectionData'])
      expect(await issuer().isActive(fakePat(), 'azure-devops-pat')).toBe(false)
    },
  )

  it('treats an anonymous identity or an HTML page after a redirect as inactive', async () => {
    const { api, issuer } = await azureApi()
    const leaked = fakePat()
    api.addPat({ token: leaked, user: api.addUser() })
    api.answerNext(
      'connectionData',
      {
        status: 200,
        body: {
          authenticatedUser: {
            id: 'aa442b2f-606a-4c8c-8b8b-0f5a9e5bc1b8',
            descriptor: 'Microsoft.TeamFoundation.UnauthenticatedIdentity;S-1-0-0',
          },
          instanceId: api.accountId,
        },
      },
      { status: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body: '<html>Sign in</html>' },
    )
    expect(await issuer().isActive(leaked, 'azure-devops-pat')).toBe(false)
    expect(await issuer().isActive(leaked, 'azure-devops-pat')).toBe(false)
    expect(await issuer().isActive(leaked, 'azure-devops-pat')).toBe(true)
  })

  it('skips with policy none or without an admin token, and makes no call', async () => {
    const { api, issuer } = await azureApi()
    const leaked = fakePat()
    api.addPat({ token: leaked, user: api.addUser() })
    expect(await issuer({ policy: 'none' }).revoke(leaked, { kind: 'azure-devops-pat' })).toMatchObject({
      outcome: 'skipped',
    })
    const unconfigured = await issuer({ adminToken: undefined }).revoke(leaked, { kind: 'azure-devops-pat' })
    expect(unconfigured).toEqual({ outcome: 'skipped', detail: 'not configured: AZURE_DEVOPS_ADMIN_TOKEN is not set' })
    expect(api.requests).toHaveLength(0)
  })

  it('throws rate_limited with Retry-After when Token Admin answers 429, and revokes on the retry', async () => {
    const { api, issuer } = await azureApi()
    const leaked = fakePat()
    const pat = api.addPat({ token: leaked, user: api.addUser() })
    api.answerNext('list', { status: 429, headers: { 'retry-after': '30' }, body: { message: 'TF400733: slow down' } })
    const error = await rejection(issuer().revoke(leaked, { kind: 'azure-devops-pat', committedAt: COMMITTED_AT }))
    expect(error.failure).toBe('rate_limited')
    expect(error.retryAfterMs).toBe(30_000)
    expect(error.message).not.toContain(leaked)
    const outcome = await issuer().revoke(leaked, { kind: 'azure-devops-pat', committedAt: COMMITTED_AT })
    expect(outcome).toMatchObject({ outcome: 'requested', authorizationIds: [pat.authorizationId] })
  })

  it('throws transient on a 5xx from revocations; the retry re-lists and revokes once', async () => {
    const { api, issuer } = await azureApi()
    const leaked = fakePat()
    const pat = api.addPat({ token: leaked, user: api.addUser() })
    api.answerNext(
      'revoke',
      ...Array.from({ length: CALL_RETRY.tries }, () => ({ status: 503, body: { message: 'unavailable' } })),
    )
    const error = await rejection(issuer().revoke(leaked, { kind: 'azure-devops-pat', committedAt: COMMITTED_AT }))
    expect(error.failure).toBe('transient')
    expect(pat.isValid).toBe(true)
    expect(await issuer().revoke(leaked, { kind: 'azure-devops-pat', committedAt: COMMITTED_AT })).toMatchObject({
      outcome: 'requested',
    })
    expect(api.revocationCalls).toEqual([[pat.authorizationId]])
    // A third run finds the PAT inactive: nothing is revoked twice.
    expect(await issuer().revoke(leaked, { kind: 'azure-devops-pat', committedAt: COMMITTED_AT })).toMatchObject({
      outcome: 'inactive',
    })
    expect(api.revocationCalls).toHaveLength(1)
  })

  it('times out on a connectionData that hangs past timeoutMs (transient)', async () => {
    const { api, issuer } = await azureApi()
    const leaked = fakePat()
    api.addPat({ token: leaked, user: api.addUser() })
    api.answerNext('connectionData', ...Array.from({ length: CALL_RETRY.tries }, () => ({ hang: true })))
    const error = await rejection(issuer({ timeoutMs: 200 }).revoke(leaked, { kind: 'azure-devops-pat' }))
    expect(error.failure).toBe('transient')
    expect(error.message).toContain('timed out')
  })

  it('fails visibly, naming the setting, when Token Admin refuses the admin token', async () => {
    for (const invalidAnswer of [401, 203] as const) {
      const { api, issuer } = await azureApi({ invalidAnswer })
      const leaked = fakePat()
      api.addPat({ token: leaked, user: api.addUser() })
      const outcome = await issuer({ adminToken: 'not-the-admin' }).revoke(leaked, { kind: 'azure-devops-pat' })
      expect(outcome.outcome).toBe('failed')
      expect(outcome.detail).toContain('AZURE_DEVOPS_ADMIN_TOKEN')
      expect(outcome.detail).not.toContain('not-the-admin')
    }
  })

  it('fails visibly when no candidate is left (all created after the commit)', async () => {
    const { api, issuer } = await azureApi()
    const leaked = fakePat()
    api.addPat({ token: leaked, user: api.addUser(), validFrom: '2026-04-01T00:00:00Z' })
    const outcome = await issuer().revoke(leaked, { kind: 'azure-devops-pat', committedAt: COMMITTED_AT })
    expect(outcome.outcome).toBe('failed')
    expect(api.revocationCalls).toHaveLength(0)
  })

  it('uses the owner from the context when connectionData refuses the PAT with 403', async () => {
    const { api, issuer } = await azureApi()
    const user = api.addUser()
    const leaked = fakePat()
    const pat = api.addPat({ token: leaked, user })
    api.answerNext(
      'connectionData',
      { status: 403, body: { message: 'TF400813: not authorized' } },
      { status: 403, body: {} },
    )
    const outcome = await issuer().revoke(leaked, {
      kind: 'azure-devops-pat',
      owner: { descriptor: user.subjectDescriptor },
    })
    expect(outcome).toMatchObject({ outcome: 'requested', authorizationIds: [pat.authorizationId] })
    // Without an owner from elsewhere there is nobody to list.
    expect(await issuer().revoke(fakePat(), { kind: 'azure-devops-pat' })).toMatchObject({ outcome: 'failed' })
  })

  it('sees a revocation that takes effect late, and one that never does', async () => {
    const late = await azureApi({ revocationEffect: { afterChecks: 2 } })
    const leaked = fakePat()
    late.api.addPat({ token: leaked, user: late.api.addUser() })
    expect(await late.issuer().revoke(leaked, { kind: 'azure-devops-pat' })).toMatchObject({ outcome: 'requested' })
    const checks = []
    for (let i = 0; i < 3; i++) checks.push(await late.issuer().isActive(leaked, 'azure-devops-pat'))
    expect(checks).toEqual([true, true, false])

    const never = await azureApi({ revocationEffect: 'never' })
    const stubborn = fakePat()
    never.api.addPat({ token: stubborn, user: never.api.addUser() })
    expect(await never.issuer().revoke(stubborn, { kind: 'azure-devops-pat' })).toMatchObject({ outcome: 'requested' })
    expect(await never.issuer().isActive(stubborn, 'azure-devops-pat')).toBe(true)
    expect(await never.issuer().isActive(stubborn, 'azure-devops-pat')).toBe(true)
  })
})

describe('chooseCandidates', () => {
  const pat = (over: Record<string, unknown>) => ({
    authorizationId: randomUUID(),
    isValid: true,
    validFrom: '2026-01-01T00:00:00Z',
    targetAccounts: ['org'],
    ...over,
  })
  const ids = (choice: { candidates: { authorizationId: string }[] }) => choice.candidates.map((c) => c.authorizationId)

  it('allows five minutes of clock skew after the commit time, and no time filter without one', () => {
    const justAfter = pat({ validFrom: '2026-03-01T12:04:00Z' })
    const wellAfter = pat({ validFrom: '2026-03-01T12:10:00Z' })
    expect(ids(chooseCandidates([justAfter, wellAfter], { committedAt: COMMITTED_AT, accountIds: ['org'] }))).toEqual([
      justAfter.authorizationId,
    ])
    expect(chooseCandidates([justAfter, wellAfter], { accountIds: ['org'] }).candidates).toHaveLength(2)
  })

  it('matches account ids case-insensitively and keeps global PATs', () => {
    const scoped = pat({ targetAccounts: ['ABC-DEF'] })
    const global = pat({ targetAccounts: [] })
    const other = pat({ targetAccounts: ['zzz'] })
    expect(ids(chooseCandidates([scoped, global, other], { accountIds: ['abc-def'] }))).toEqual([
      scoped.authorizationId,
      global.authorizationId,
    ])
  })

  it('keeps only PATs created in the year and month an 84-character PAT embeds, in UTC', () => {
    const leaked = generateAdoPat({ year: 2026, month: 1 }) // February 2026
    expect(embeddedMonth(leaked)).toEqual({ year: 2026, month: 1 })
    const february = pat({ validFrom: '2026-02-10T00:00:00' })
    // 2026-03-01T00:30 UTC is still February in Los Angeles: the host's zone must not matter.
    const marchUtc = pat({ validFrom: '2026-03-01T00:30:00' })
    const january = pat({ validFrom: '2026-01-31T23:59:00' })
    const choice = chooseCandidates([february, marchUtc, january], {
      token: leaked,
      committedAt: new Date('2026-03-01T12:00:00Z'),
      accountIds: ['org'],
      policy: 'precise',
    })
    expect(ids(choice)).toEqual([february.authorizationId])
    expect(choice.candidates[0]!.why).toContain('created in 2026-02')
    expect(choice.widened).toBeUndefined()
  })

  it('applies no month rule to a legacy 52-character PAT, which carries no date', () => {
    const legacy = generateAdoLegacyPat()
    expect(embeddedMonth(legacy)).toBeUndefined()
    const a = pat({ validFrom: '2025-05-01T00:00:00' })
    const b = pat({ validFrom: '2026-02-01T00:00:00' })
    expect(ids(chooseCandidates([a, b], { token: legacy, committedAt: COMMITTED_AT, accountIds: ['org'] }))).toEqual([
      a.authorizationId,
      b.authorizationId,
    ])
  })

  it('reads a date without an offset as UTC, whatever the host time zone', () => {
    expect(tokenAdminDate('2018-07-19T00:00:00')).toBe(Date.UTC(2018, 6, 19))
    expect(tokenAdminDate('2018-07-19T00:00:00.123')).toBe(Date.UTC(2018, 6, 19, 0, 0, 0, 123))
    expect(tokenAdminDate('2018-07-19T02:00:00+02:00')).toBe(Date.UTC(2018, 6, 19))
    // A PAT created 30 minutes before the commit, listed without offset, is a candidate (it was not under
    // TZ=America/Los_Angeles).
    const leaked = generateAdoPat({ year: 2026, month: 2 })
    const recent = pat({ validFrom: '2026-03-01T11:30:00' })
    expect(ids(chooseCandidates([recent], { token: leaked, committedAt: COMMITTED_AT, accountIds: ['org'] }))).toEqual([
      recent.authorizationId,
    ])
  })

  it('widens to every PAT created before the push when the narrow rules leave nothing, and says why', () => {
    const leaked = generateAdoPat({ year: 2026, month: 2 })
    // Created between the commit and the push: never a precise candidate, a broad one.
    const betweenCommitAndPush = pat({ validFrom: '2026-03-01T13:00:00' })
    const choice = chooseCandidates([betweenCommitAndPush], {
      token: leaked,
      committedAt: COMMITTED_AT,
      pushedAt: new Date('2026-03-01T14:00:00Z'),
      accountIds: ['org'],
    })
    expect(ids(choice)).toEqual([betweenCommitAndPush.authorizationId])
    expect(choice.widened).toMatch(/no PAT of the owner matches the narrow rules/)
  })
})

describe('revocation policies against an owner with ten PATs across months, scopes and organizations', () => {
  async function owner(options: Partial<AzureDevOpsAdminApiOptions> = {}) {
    const { api, issuer } = await azureApi(options)
    const user = api.addUser({ email: 'owner@contoso.example' })
    const at = (year: number, month: number, day: number, hour = 9) =>
      new Date(Date.UTC(year, month, day, hour)).toISOString()
    const leakedToken = generateAdoPat({ year: 2026, month: 2 })
    const add = (validFrom: string, over: Record<string, unknown> = {}, month = { year: 2026, month: 2 }) =>
      api.addPat({ token: generateAdoPat(month), user, validFrom, ...over })
    const pats = {
      leaked: api.addPat({ token: leakedToken, user, validFrom: at(2026, 2, 1, 11), scope: 'vso.code' }),
      // Same month, before the commit: Token Admin gives no way to tell it apart.
      twin: add(at(2026, 2, 1, 8), { scope: 'vso.code' }),
      // Same month, after the commit but before the push.
      afterCommit: add(at(2026, 2, 1, 13)),
      february: add(at(2026, 1, 20), { scope: 'vso.build' }, { year: 2026, month: 1 }),
      january: add(at(2026, 0, 5), { scope: 'vso.work' }, { year: 2026, month: 0 }),
      lastYear: add(at(2025, 10, 5), { scope: 'vso.code vso.build' }, { year: 2025, month: 10 }),
      global: add(at(2025, 5, 1), { targetAccounts: null }, { year: 2025, month: 5 }),
      otherOrg: add(at(2026, 2, 1, 7), { targetAccounts: [randomUUID()] }),
      expired: add(at(2026, 2, 1, 6), { isValid: false }),
      future: add(at(2026, 3, 2), {}, { year: 2026, month: 3 }),
    }
    const context = {
      kind: 'azure-devops-pat' as const,
      committedAt: new Date(Date.UTC(2026, 2, 1, 12)),
      pushedAt: new Date(Date.UTC(2026, 2, 1, 14)),
    }
    return { api, issuer, pats, leakedToken, context }
  }

  it('precise revokes exactly the leaked PAT and its indistinguishable same-month twin, each with why', async () => {
    const { api, issuer, pats, leakedToken, context } = await owner()
    const outcome = await issuer({ policy: 'precise' }).revoke(leakedToken, context)
    expect(outcome.outcome).toBe('requested')
    if (outcome.outcome !== 'requested') return
    expect(new Set(outcome.authorizationIds)).toEqual(new Set([pats.leaked.authorizationId, pats.twin.authorizationId]))
    expect(outcome.widened).toBeUndefined()
    for (const c of outcome.candidates ?? []) {
      expect(c.why).toContain('created in 2026-03')
      expect(c.why).toContain('no later than the commit')
    }
    expect(outcome.candidates?.find((c) => c.authorizationId === pats.leaked.authorizationId)).toMatchObject({
      displayName: 'build',
      scope: 'vso.code',
      createdAt: '2026-03-01T11:00:00.000Z',
    })
    expect(api.revocationCalls).toEqual([expect.arrayContaining([pats.leaked.authorizationId])])
    for (const key of ['afterCommit', 'february', 'january', 'lastYear', 'global', 'otherOrg', 'future'] as const)
      expect(pats[key].isValid, key).toBe(true)
  })

  it('precise keeps, among same-month twins, only those whose scopes fit read-only probes made as the leaked PAT', async () => {
    const { api, issuer, pats, context } = await owner()
    // Three twins of one month, before the commit, told apart only by their scopes.
    const user = pats.leaked.user
    const at = '2026-03-01T10:00:00Z'
    const month = { year: 2026, month: 2 }
    const code = api.addPat({ token: generateAdoPat(month), user, validFrom: at, scope: 'vso.code_write' })
    const build = api.addPat({ token: generateAdoPat(month), user, validFrom: at, scope: 'vso.build' })
    const work = api.addPat({ token: generateAdoPat(month), user, validFrom: at, scope: 'vso.work vso.code' })
    const outcome = await issuer({ policy: 'precise' }).revoke(build.token, context)
    expect(outcome.outcome).toBe('requested')
    if (outcome.outcome !== 'requested') return
    expect(outcome.authorizationIds).toEqual([build.authorizationId])
    expect(outcome.candidates?.[0]?.why).toContain('scopes fit the probes')
    // Each probe is in the timeline (the attempt's detail), one documented read-only call per family.
    expect(outcome.detail).toContain('GET _apis/git/repositories → 401 (vso.code not held)')
    expect(outcome.detail).toContain('GET _apis/build/resourceusage → 200 (vso.build held)')
    expect(outcome.detail).toContain('GET _apis/wit/fields → 401 (vso.work not held)')
    expect(outcome.detail).toContain('1 of 5 candidates fit')
    expect(api.requests.filter((r) => r.route === 'probe').map((r) => r.method)).toEqual(['GET', 'GET', 'GET'])
    for (const pat of [code, work, pats.leaked, pats.twin]) expect(pat.isValid).toBe(true)

    // AZURE_DEVOPS_PROBE_SCOPES=off: no probe, every twin goes.
    const off = await issuer({ policy: 'precise', probeScopes: false }).revoke(code.token, context)
    expect(off.outcome === 'requested' && off.authorizationIds?.length).toBe(4)
    expect(api.requests.filter((r) => r.route === 'probe')).toHaveLength(3)
  })

  it('broad revokes every valid PAT usable here created before the push, as documented', async () => {
    const { issuer, pats, leakedToken, context } = await owner()
    const outcome = await issuer({ policy: 'broad' }).revoke(leakedToken, context)
    expect(outcome.outcome === 'requested' && new Set(outcome.authorizationIds)).toEqual(
      new Set(
        (['leaked', 'twin', 'afterCommit', 'february', 'january', 'lastYear', 'global'] as const).map(
          (k) => pats[k].authorizationId,
        ),
      ),
    )
    expect(pats.otherOrg.isValid).toBe(true)
    expect(pats.future.isValid).toBe(true)
  })

  it('with recorded steps, a retry resumes at the first batch not accepted and asks connectionData and the list once', async () => {
    const { api, issuer, pats, leakedToken, context } = await owner()
    const db = tempDatabase()
    try {
      const steps = stepLog({ db: db.db, now: () => 1 }, 1, 0)
      // The second `revocations` call of the first attempt meets resets on every try; the retry meets none.
      let failing = true
      let posts = 0
      const flaky: typeof fetch = async (input, init) => {
        if (failing && init?.method === 'POST' && String(input).includes('/tokenadmin/revocations') && ++posts > 1)
          throw new TypeError('fetch failed: socket hang up')
        return fetch(input, init)
      }
      const broad = issuer({ policy: 'broad', revocationBatch: 3, fetch: flaky })
      const first = await rejection(broad.revoke(leakedToken, { ...context, steps }))
      expect(first.failure).toBe('transient')
      expect(api.revocationCalls).toHaveLength(1)
      const before = api.requests.length
      failing = false

      const outcome = await broad.revoke(leakedToken, { ...context, steps })
      expect(outcome.outcome).toBe('requested')
      const retried = api.requests.slice(before).map((r) => r.route)
      expect(retried).toEqual(['revoke', 'revoke'])
      // Every candidate revoked in exactly one accepted call: 3 + 3 + 1.
      expect(api.revocationCalls.map((c) => c.length)).toEqual([3, 3, 1])
      expect(new Set(api.revocationCalls.flat())).toEqual(
        new Set(outcome.outcome === 'requested' ? outcome.authorizationIds : []),
      )
      expect(pats.leaked.isValid).toBe(false)
      const recorded = await db.db.select().from(responseSteps).orderBy(asc(responseSteps.id))
      expect(recorded.map((r) => `${r.step}:${r.part}`)).toEqual([
        'connection:0',
        'candidates:0',
        'revocation:0',
        'revocation:1',
        'revocation:2',
      ])
      expect(JSON.stringify(recorded)).not.toContain(leakedToken)
    } finally {
      db.cleanup()
    }
  })

  it('none revokes nothing and makes no call', async () => {
    const { api, issuer, pats, leakedToken, context } = await owner()
    expect(await issuer({ policy: 'none' }).revoke(leakedToken, context)).toMatchObject({ outcome: 'skipped' })
    expect(api.requests).toHaveLength(0)
    expect(Object.values(pats).filter((p) => p.isValid)).toHaveLength(9)
  })

  it('widens once on evidence: the broad remainder, when the leaked PAT still works after the narrow revocation', async () => {
    const { issuer, pats, context } = await owner()
    // The PAT the owner actually leaked was created between the commit and the push (a clock far off).
    const leak2 = pats.afterCommit.token
    const narrow = await issuer({ policy: 'precise' }).revoke(leak2, context)
    expect(narrow.outcome === 'requested' && new Set(narrow.authorizationIds)).toEqual(
      new Set([pats.leaked.authorizationId, pats.twin.authorizationId]),
    )
    expect(await issuer().isActive(leak2, 'azure-devops-pat')).toBe(true)
    const wide = await issuer({ policy: 'precise' }).revoke(leak2, { ...context, widen: 'still authenticates' })
    expect(wide.outcome).toBe('requested')
    if (wide.outcome !== 'requested') return
    expect(wide.authorizationIds).toContain(pats.afterCommit.authorizationId)
    expect(wide.candidates?.every((c) => c.why.includes('widened: still authenticates'))).toBe(true)
    expect(await issuer().isActive(leak2, 'azure-devops-pat')).toBe(false)
  })

  it('speaks the configured Token Admin api-version (Azure DevOps Server: 6.0-preview.1)', async () => {
    const { api, issuer, pats, leakedToken, context } = await owner({ tokenAdminApiVersion: '6.0-preview.1' })
    const outcome = await issuer({ tokenAdminApiVersion: '6.0-preview.1' }).revoke(leakedToken, context)
    expect(outcome.outcome).toBe('requested')
    expect(pats.leaked.isValid).toBe(false)
    const tokenAdmin = api.requests.filter((r) => r.route === 'list' || r.route === 'revoke')
    expect(tokenAdmin.length).toBeGreaterThan(1)
    for (const r of tokenAdmin) expect(r.url).toContain('api-version=6.0-preview.1')
  })
})
