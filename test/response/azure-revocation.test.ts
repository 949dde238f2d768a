/**
 * Responding to Azure DevOps PATs leaked in a GitHub push: owner from `connectionData` (as the leaked PAT), Token
 * Admin revocation, confirmation on a schedule, all against the loopback Azure DevOps stand-in; mail to a real SMTP
 * server. Covers inactive tokens (401, 203 + sign-in page), 429 with Retry-After and 5xx retried, a revocation that
 * takes effect late or never, and the notify-only settings (PATROL_REVOKE=off, no admin token, policy none).
 */
import { asc, eq } from 'drizzle-orm'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { auditEvents, incidents, notifications, revocations } from '../../src/db/schema.js'
import {
  type AzureDevOpsAdminApi,
  type AzureDevOpsAdminApiOptions,
  startAzureDevOpsAdminApi,
} from '../support/azure-devops-admin-api.js'
import { TEST_ADMIN_TOKEN } from '../support/env.js'
import { type GithubApiStandIn, startGithubApi } from '../support/github-api.js'
import { type Pipeline, startPipeline, tokensAtRest } from '../support/pipeline.js'
import { type SmtpStandIn, startSmtpServer } from '../support/smtp.js'
import { generateAdoLegacyPat, generateAdoPat, generateGithubToken } from '../support/tokens.js'

const READER = 'reader-token-for-contents'
const ADMIN = 'azure-admin-pat-for-token-admin'
let gh: GithubApiStandIn
let az: AzureDevOpsAdminApi | undefined
let smtp: SmtpStandIn | undefined
let p: Pipeline | undefined
let repoCounter = 0
const leaked: string[] = []

beforeAll(async () => {
  gh = await startGithubApi()
  gh.requireToken(READER)
})
afterAll(() => gh.close())

afterEach(async () => {
  if (p) {
    expect(tokensAtRest(p.dir, leaked)).toEqual([])
    for (const m of smtp?.messages ?? []) for (const t of leaked) expect(m.raw).not.toContain(t)
    const logged = JSON.stringify(p.log.lines)
    for (const t of leaked) expect(logged).not.toContain(t)
  }
  await p?.close()
  await Promise.all([az?.close(), smtp?.close()])
  p = az = smtp = undefined
  leaked.length = 0
})

/** Stand-ins and a pipeline wired to them; `env` overrides the Azure settings. */
async function setup(
  o: { azure?: Partial<AzureDevOpsAdminApiOptions>; env?: Record<string, string>; startAt?: number } = {},
) {
  az = await startAzureDevOpsAdminApi({ adminToken: ADMIN, ...o.azure })
  smtp = await startSmtpServer()
  p = await startPipeline(
    {
      GITHUB_API_URL: gh.url,
      GITHUB_TOKEN: READER,
      AZURE_DEVOPS_ORG_URL: az.orgUrl,
      AZURE_DEVOPS_VSSPS_URL: az.vsspsUrl,
      AZURE_DEVOPS_ADMIN_TOKEN: ADMIN,
      PATROL_SECURITY_EMAILS: 'security@acme.example',
      ...o.env,
    },
    { smtpUrl: smtp.url, startAt: o.startAt },
  )
  return { az, smtp, p }
}

/** An Azure PAT owned by a user of the stand-in organization (pass `known: false` for one Azure does not know). */
function adoPat(known = true) {
  // Created in January 2026, as the PAT embeds: the precise candidate rules find it.
  const token = generateAdoPat({ year: 2026, month: 0 })
  leaked.push(token)
  if (known) {
    const user = az!.addUser({ email: 'owner@contoso.example', displayName: 'Pat Owner' })
    az!.addPat({ token, user, validFrom: '2026-01-01T00:00:00Z' })
    // Another PAT of the same owner, created after the push: not a candidate.
    az!.addPat({ token: generateAdoPat(), user, validFrom: new Date(Date.now() + 86_400_000).toISOString() })
  }
  return token
}

async function deliver(content: string) {
  const name = `acme/ops-${++repoCounter}`
  const repo = gh.repo(name)
  const base = repo.commit({ files: { 'README.md': 'hi\n' } })
  const head = repo.commit({
    parents: [base],
    message: 'ci',
    author: { name: 'Dev Two', email: 'dev2@acme.example' },
    // Committed an hour ago: after the leaked PAT was created, before the owner's newer one.
    date: new Date(p!.clock.now - 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z'),
    files: { 'pipeline.yml': content },
  })
  const res = await p!.postGithub(
    gh.pushPayload(name, { ref: 'refs/heads/main', before: base, after: head }),
    `d-${name}`,
  )
  expect(res.status).toBe(202)
}

async function incident() {
  const [row] = await p!.db.select().from(incidents).where(eq(incidents.kind, 'azure-devops-pat'))
  return row!
}
const attempts = async (id: number) =>
  p!.db.select().from(revocations).where(eq(revocations.incidentId, id)).orderBy(asc(revocations.id))
const recipients = async () =>
  (await p!.db.select().from(notifications)).map((n) => `${n.reason}:${n.recipient}:${n.status}`).sort()

describe('an inactive token', () => {
  it('answered 401 by connectionData ends `inactive`, nothing revoked, the commit author still emailed', async () => {
    await setup()
    const token = adoPat(false)
    await deliver(`PAT: ${token}\n`)
    await p!.settle()
    const row = await incident()
    expect(row.status).toBe('inactive')
    expect((await attempts(row.id)).map((a) => [a.outcome, a.detail])).toEqual([
      ['inactive', expect.stringContaining('HTTP 401')],
    ])
    expect(az!.requests.filter((r) => r.route !== 'connectionData')).toEqual([])
    expect(await recipients()).toEqual(['commit-author:dev2@acme.example:sent', 'security:security@acme.example:sent'])
    expect(smtp!.messages.find((m) => m.envelope.to.includes('dev2@acme.example'))!.parsed.subject).toMatch(/inactive/)
  })

  it('answered 203 with a sign-in page ends `inactive` too', async () => {
    await setup({ azure: { invalidAnswer: 203 } })
    const token = adoPat(false)
    await deliver(`PAT: ${token}\n`)
    await p!.settle()
    const row = await incident()
    expect(row.status).toBe('inactive')
    expect((await attempts(row.id))[0]!.detail).toMatch(/HTTP 203, sign-in page/)
    expect(smtp!.messages).toHaveLength(2)
  })
})

describe('revocation', () => {
  it('revokes the candidate PAT through Token Admin, emails the owner found by connectionData, and confirms', async () => {
    await setup()
    const token = adoPat()
    await deliver(`PAT: ${token}\n`)
    await p!.settle()
    const row = await incident()
    expect(row).toMatchObject({ status: 'revoked', ownerEmail: 'owner@contoso.example', sealedToken: null })
    expect(row.confirmedDeadAt).toBeGreaterThanOrEqual(row.revokedAt!)
    const pat = az!.pats.find((x) => x.token === token)!
    expect(az!.revocationCalls).toEqual([[pat.authorizationId]])
    const trail = await attempts(row.id)
    expect(trail.map((a) => a.outcome)).toEqual(['requested', 'revoked'])
    // The timeline lists the authorization revoked and why it was a candidate.
    expect(JSON.parse(trail[0]!.candidates!)).toEqual([
      expect.objectContaining({
        authorizationId: pat.authorizationId,
        displayName: 'build',
        scope: 'vso.code',
        createdAt: '2026-01-01T00:00:00.000Z',
        why: expect.stringContaining('created in 2026-01 as the PAT embeds'),
      }),
    ])
    expect(await recipients()).toEqual(['owner:owner@contoso.example:sent', 'security:security@acme.example:sent'])
  })

  it('retries a 429 from connectionData no sooner than Retry-After, then revokes', async () => {
    await setup()
    const token = adoPat()
    az!.answerNext('connectionData', {
      status: 429,
      headers: { 'retry-after': '300' },
      body: { message: 'TF400733: rate limited' },
    })
    await deliver(`PAT: ${token}\n`)
    const failedAt = p!.clock.now
    await p!.drain()
    const [respond] = await p!.jobsOf('respond')
    expect(respond).toMatchObject({ state: 'queued', attempts: 1 })
    expect(respond!.runAt).toBeGreaterThanOrEqual(failedAt + 300_000)
    expect((await incident()).status).toBe('responding')

    await p!.settle()
    const row = await incident()
    expect(row.status).toBe('revoked')
    expect((await attempts(row.id)).map((a) => a.outcome)).toEqual(['error', 'requested', 'revoked'])
    expect(az!.revocationCalls).toHaveLength(1)
    expect(smtp!.messages).toHaveLength(2)
  })

  it('retries a 5xx from Token Admin within the call, a long Retry-After as a job, then revokes once', async () => {
    await setup()
    const token = adoPat()
    az!.answerNext('revoke', { status: 503, headers: { 'retry-after': '10' } })
    az!.answerNext('list', { status: 500 })
    await deliver(`PAT: ${token}\n`)
    await p!.settle()
    const row = await incident()
    expect(row.status).toBe('revoked')
    expect(az!.requests.filter((r) => r.route === 'revoke')).toHaveLength(2)
    expect(az!.revocationCalls).toHaveLength(1)
    // The 503 asked for 10 s, too long to wait inside a call: a second attempt. The 500 was retried in the call.
    expect((await p!.jobsOf('respond'))[0]).toMatchObject({ state: 'done', attempts: 2 })
    // The second attempt resumed at the revocation: the owner lookup and the listing were recorded steps.
    const routes = az!.requests.map((r) => r.route)
    expect(routes.slice(0, routes.lastIndexOf('revoke') + 1)).toEqual([
      'connectionData',
      'list', // the 500
      'list',
      'revoke', // the 503
      'revoke',
    ])
    expect(smtp!.messages).toHaveLength(2)
  })

  it('marks `revoked` only at the check after the revocation takes effect (late)', async () => {
    await setup({ azure: { revocationEffect: { afterChecks: 1 } } })
    const token = adoPat()
    await deliver(`PAT: ${token}\n`)
    await p!.drain()
    // Accepted by Token Admin, emailed at once, `revocation_requested` (token kept) until a check sees it dead.
    const requested = await incident()
    expect(requested.status).toBe('revocation_requested')
    expect(requested.sealedToken).not.toBeNull()
    expect(requested.confirmedDeadAt).toBeNull()
    expect(smtp!.messages).toHaveLength(2)
    for (const m of smtp!.messages) expect(m.parsed.subject).not.toMatch(/\brevoked\b/i)
    await p!.settle()
    const row = await incident()
    expect(row.status).toBe('revoked')
    const trail = await attempts(row.id)
    expect(trail.map((a) => a.outcome)).toEqual(['requested', 'revoked'])
    expect(trail[1]!.detail).toMatch(/confirmed: .*\(check 2\)/)
    const checks = await p!.jobsOf('confirm-revocation')
    expect(checks.map((j) => j.runAt - row.revokedAt!)).toEqual([60_000, 600_000])
    expect(smtp!.messages).toHaveLength(2)
  })

  it('ends `revoke_unconfirmed` when the token still works after the last check', async () => {
    await setup({ azure: { revocationEffect: 'never' } })
    const token = adoPat()
    await deliver(`PAT: ${token}\n`)
    await p!.settle()
    const row = await incident()
    expect(row.status).toBe('revoke_unconfirmed')
    expect(row.sealedToken).not.toBeNull()
    const trail = await attempts(row.id)
    // Policy precise widened once on the evidence; the owner had nothing else created before the push.
    expect(trail.map((a) => a.outcome)).toEqual(['requested', 'failed', 'failed'])
    expect(trail[1]!.detail).toMatch(/no candidate PAT/)
    expect(trail.at(-1)).toMatchObject({
      outcome: 'failed',
      detail: 'unconfirmed after 3 checks: the token still authenticates',
    })
    expect(await p!.jobsOf('confirm-revocation')).toHaveLength(3)
    const audit = await p!.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.subjectId, row.id))
      .orderBy(asc(auditEvents.id))
    expect(audit.map((e) => e.action)).toEqual([
      'incident.created',
      'status.responding',
      'status.revocation_requested',
      'status.revoke_unconfirmed',
    ])
  })
})

describe('a suppressed token sent back to response', () => {
  it('is not revoked while suppressed, then revoked exactly once after an admin sends it back', async () => {
    await setup()
    const token = adoPat()
    const admin = (path: string, body: unknown) =>
      p!.app.request(path, {
        method: 'POST',
        headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
    expect((await admin('/api/suppressions', { token, reason: 'thought to be a fixture' })).status).toBe(201)
    await deliver(`PAT: ${token}\n`)
    await p!.settle()
    const suppressed = await incident()
    expect(suppressed.status).toBe('suppressed')
    expect(suppressed.sealedToken).toBeTruthy()
    expect(az!.revocationCalls).toEqual([])

    expect((await admin(`/api/incidents/${suppressed.id}/actions`, { action: 'unsuppress' })).status).toBe(200)
    await p!.settle()
    const row = await incident()
    expect(row).toMatchObject({ status: 'revoked', sealedToken: null, suppressionId: null })
    const pat = az!.pats.find((x) => x.token === token)!
    expect(az!.revocationCalls).toEqual([[pat.authorizationId]])
    expect((await admin(`/api/incidents/${row.id}/actions`, { action: 'unsuppress' })).status).toBe(409)
    await p!.settle()
    expect(az!.revocationCalls).toHaveLength(1)
  })
})

describe('narrow first, widen on evidence (AZURE_DEVOPS_REVOKE_POLICY=precise, the default)', () => {
  /** The owner's PATs this month: created `hoursAgo` hours before now, all usable in the organization. */
  // Mid-month on patrol's clock: "hours ago" never crosses into the month before, which the month rule would see.
  const MID_MONTH = Date.UTC(2026, 5, 15, 12)

  function ownerWith(hoursAgo: Record<string, number>) {
    const user = az!.addUser({ email: 'owner@contoso.example' })
    const now = new Date(p!.clock.now)
    const month = { year: now.getUTCFullYear(), month: now.getUTCMonth() }
    const pats = Object.fromEntries(
      Object.entries(hoursAgo).map(([name, hours]) => {
        const token = generateAdoPat(month)
        leaked.push(token)
        const validFrom = new Date(Math.max(Date.UTC(month.year, month.month, 1), now.getTime() - hours * 3_600_000))
        return [name, az!.addPat({ token, user, displayName: name, validFrom: validFrom.toISOString() })]
      }),
    )
    return pats
  }

  it('leaves alone a PAT created between the commit and the push', async () => {
    await setup({ startAt: MID_MONTH })
    // The commit is an hour old (deliver); `betweenCommitAndPush` was created half an hour ago.
    const pats = ownerWith({ leak: 2, betweenCommitAndPush: 0.5 })
    await deliver(`PAT: ${pats.leak!.token}\n`)
    await p!.settle()
    expect((await incident()).status).toBe('revoked')
    expect(az!.revocationCalls).toEqual([[pats.leak!.authorizationId]])
    expect(pats.betweenCommitAndPush!.isValid).toBe(true)
  })

  it('revokes the broad remainder when the leaked PAT still works after the narrow set was revoked, and says why', async () => {
    await setup({ startAt: MID_MONTH })
    // The leaked PAT's creation time is after the commit (a committer clock far behind): the narrow set is its twin.
    const pats = ownerWith({ twin: 2, leak: 0.5 })
    await deliver(`PAT: ${pats.leak!.token}\n`)
    await p!.settle()
    const row = await incident()
    expect(row.status).toBe('revoked')
    expect(az!.revocationCalls).toEqual([[pats.twin!.authorizationId], [pats.leak!.authorizationId]])
    const trail = await attempts(row.id)
    expect(trail.map((a) => a.outcome)).toEqual(['requested', 'requested', 'revoked'])
    expect(trail[1]!.detail).toMatch(
      /widened: the leaked token still authenticated 3 checks after the narrow revocation/,
    )
    expect(JSON.parse(trail[1]!.candidates!)[0].why).toMatch(/created before the push; widened/)
  })
})

describe('confirmation that cannot be made', () => {
  // Each attempt's in-call retries sleep in real time (remote-error.ts CALL_RETRY): a few seconds per attempt.
  it('ends `revoke_unconfirmed` (could not tell) when every check meets a 5xx, instead of responding forever', {
    timeout: 90_000,
  }, async () => {
    await setup({ env: { PATROL_GIVE_UP_AFTER: '10s' } })
    const token = adoPat()
    await deliver(`PAT: ${token}\n`)
    await p!.drain()
    expect((await incident()).status).toBe('revocation_requested')
    // Every call of every attempt of every check, until each check gives up 10 s after it was due.
    az!.answerNext('connectionData', ...Array.from({ length: 1000 }, () => ({ status: 500 })))
    await p!.settle(24 * 3_600_000)
    const row = await incident()
    expect(row.status).toBe('revoke_unconfirmed')
    expect((await attempts(row.id)).at(-1)).toMatchObject({
      outcome: 'failed',
      detail: 'unconfirmed after 3 checks: could not tell whether the token still works',
    })
    const checks = await p!.jobsOf('confirm-revocation')
    expect(checks.map((j) => j.state)).toEqual(['done', 'done', 'done'])
    for (const j of checks) expect(j.attempts).toBeGreaterThan(2)
  })
})

describe('notify only', () => {
  it('PATROL_REVOKE=off: records a skipped revocation, calls no issuer, ends notify_only, and emails', async () => {
    await setup({ env: { PATROL_REVOKE: 'off' } })
    const token = adoPat()
    const github = generateGithubToken('ghp')
    leaked.push(github)
    await deliver(`PAT: ${token}\nGH: ${github}\n`)
    await p!.settle()
    const rows = await p!.db.select().from(incidents)
    expect(rows.map((r) => r.status)).toEqual(['notify_only', 'notify_only'])
    for (const r of rows)
      expect((await attempts(r.id)).map((a) => [a.outcome, a.detail])).toEqual([
        ['skipped', expect.stringContaining('PATROL_REVOKE=off')],
      ])
    expect(az!.requests).toEqual([])
    expect(gh.requests.filter((r) => r.path === '/credentials/revoke')).toEqual([])
    expect(await p!.jobsOf('revoke-github-batch')).toEqual([])
    expect(smtp!.messages).toHaveLength(4)
    expect(smtp!.messages.every((m) => /not revoked/.test(m.parsed.subject ?? ''))).toBe(true)
  })

  it('without AZURE_DEVOPS_ADMIN_TOKEN: notify_only, "not configured", visibly, with the owner still found and emailed', async () => {
    await setup({ env: { AZURE_DEVOPS_ADMIN_TOKEN: '' } })
    const token = adoPat()
    await deliver(`PAT: ${token}\n`)
    await p!.settle()
    const row = await incident()
    expect(row).toMatchObject({ status: 'notify_only', ownerEmail: 'owner@contoso.example' })
    expect((await attempts(row.id)).map((a) => [a.outcome, a.detail])).toEqual([
      ['skipped', expect.stringMatching(/^not configured: AZURE_DEVOPS_ADMIN_TOKEN/)],
    ])
    expect(az!.revocationCalls).toEqual([])
    expect(await recipients()).toEqual(['owner:owner@contoso.example:sent', 'security:security@acme.example:sent'])
  })

  it('without AZURE_DEVOPS_ORG_URL: notify_only, "not configured"', async () => {
    await setup({ env: { AZURE_DEVOPS_ORG_URL: '', AZURE_DEVOPS_VSSPS_URL: '' } })
    const token = adoPat()
    await deliver(`PAT: ${token}\n`)
    await p!.settle()
    const row = await incident()
    expect(row.status).toBe('notify_only')
    expect((await attempts(row.id))[0]!.detail).toMatch(/^not configured: AZURE_DEVOPS_ORG_URL/)
    expect(az!.requests).toEqual([])
  })

  it('AZURE_DEVOPS_REVOKE_POLICY=none: notify_only, nothing revoked', async () => {
    await setup({ env: { AZURE_DEVOPS_REVOKE_POLICY: 'none' } })
    const token = adoPat()
    await deliver(`PAT: ${token}\n`)
    await p!.settle()
    const row = await incident()
    expect(row.status).toBe('notify_only')
    expect((await attempts(row.id)).map((a) => a.detail)).toEqual([expect.stringContaining('policy none')])
    expect(az!.revocationCalls).toEqual([])
    expect(az!.requests.filter((r) => r.route !== 'connectionData')).toEqual([])
    expect(await p!.jobsOf('confirm-revocation')).toEqual([])
  })
})

describe('an Azure DevOps application secret', () => {
  it('is notify-only: no owner lookup, no Token Admin call, `not_revocable` with the reason, and never called a PAT', async () => {
    await setup()
    const secret = generateAdoLegacyPat('application')
    leaked.push(secret)
    await deliver(`ClientSecret: ${secret}\n`)
    await p!.settle()
    const [row] = await p!.db.select().from(incidents)
    expect(row).toMatchObject({ kind: 'azure-devops-app-secret', issuer: 'azure-devops', status: 'not_revocable' })
    expect(await attempts(row!.id)).toMatchObject([
      { outcome: 'not_revocable', detail: expect.stringContaining('Token Admin cannot revoke it') },
    ])
    expect(az!.requests).toEqual([])
    expect(await recipients()).toEqual(['commit-author:dev2@acme.example:sent', 'security:security@acme.example:sent'])
    for (const m of smtp!.messages) {
      expect(m.parsed.subject).toMatch(/Azure DevOps application secret/)
      expect(m.parsed.subject).not.toMatch(/personal access token/i)
      // The steps point at the application's settings, not at PAT settings.
      expect(m.parsed.text).toContain("the registered application's settings")
      expect(m.parsed.text).not.toContain('Personal access tokens')
    }
  })
})
