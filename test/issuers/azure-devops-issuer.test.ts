import { randomBytes, randomUUID } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { AzureDevOpsIssuer, chooseCandidates, vsspsUrlFor } from '../../src/platforms/azure-devops/issuer.js'
import { CALL_RETRY } from '../../src/platforms/remote-error.js'
import {
  type AzureDevOpsAdminApi,
  type AzureDevOpsAdminApiOptions,
  startAzureDevOpsAdminApi,
} from '../support/azure-devops-admin-api.js'
import { rejection } from '../support/remote-rejection.js'

/** An Azure-PAT-shaped string made at test time (84 chars, `AZDO` at 76); not checksum-valid, the issuer does not check. */
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
      policy: 'candidates',
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
          policy: 'candidates',
        }),
    ).toThrow(/AZURE_DEVOPS_VSSPS_URL/)
    // Without an admin token a Server install is notify-only and needs no Token Admin URL.
    expect(
      () => new AzureDevOpsIssuer({ orgUrl: 'https://tfs.corp.example/DefaultCollection', policy: 'candidates' }),
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
    expect(outcome.outcome).toBe('revoked')
    if (outcome.outcome !== 'revoked') return
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
    expect(outcome.outcome === 'revoked' && new Set(outcome.authorizationIds)).toEqual(
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
    expect(outcome).toMatchObject({ outcome: 'revoked', authorizationIds: [pat.authorizationId] })
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
      outcome: 'revoked',
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
    expect(outcome).toMatchObject({ outcome: 'revoked', authorizationIds: [pat.authorizationId] })
    // Without an owner from elsewhere there is nobody to list.
    expect(await issuer().revoke(fakePat(), { kind: 'azure-devops-pat' })).toMatchObject({ outcome: 'failed' })
  })

  it('sees a revocation that takes effect late, and one that never does', async () => {
    const late = await azureApi({ revocationEffect: { afterChecks: 2 } })
    const leaked = fakePat()
    late.api.addPat({ token: leaked, user: late.api.addUser() })
    expect(await late.issuer().revoke(leaked, { kind: 'azure-devops-pat' })).toMatchObject({ outcome: 'revoked' })
    const checks = []
    for (let i = 0; i < 3; i++) checks.push(await late.issuer().isActive(leaked, 'azure-devops-pat'))
    expect(checks).toEqual([true, true, false])

    const never = await azureApi({ revocationEffect: 'never' })
    const stubborn = fakePat()
    never.api.addPat({ token: stubborn, user: never.api.addUser() })
    expect(await never.issuer().revoke(stubborn, { kind: 'azure-devops-pat' })).toMatchObject({ outcome: 'revoked' })
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

  it('allows five minutes of clock skew after the commit time, and no time filter without one', () => {
    const justAfter = pat({ validFrom: '2026-03-01T12:04:00Z' })
    const wellAfter = pat({ validFrom: '2026-03-01T12:10:00Z' })
    expect(chooseCandidates([justAfter, wellAfter], { committedAt: COMMITTED_AT, accountIds: ['org'] })).toEqual([
      justAfter,
    ])
    expect(chooseCandidates([justAfter, wellAfter], { accountIds: ['org'] })).toHaveLength(2)
  })

  it('matches account ids case-insensitively and keeps global PATs', () => {
    const scoped = pat({ targetAccounts: ['ABC-DEF'] })
    const global = pat({ targetAccounts: [] })
    const other = pat({ targetAccounts: ['zzz'] })
    expect(chooseCandidates([scoped, global, other], { accountIds: ['abc-def'] })).toEqual([scoped, global])
  })
})
