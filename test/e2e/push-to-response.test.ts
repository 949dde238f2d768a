/**
 * The whole path, through real HTTP, a real SQLite file and a real SMTP server: a signed GitHub push and an
 * authenticated Azure push carrying tokens end as incidents with their occurrences, the tokens revoked at the
 * loopback issuers, the owner and the security team emailed once each, and no raw token left at rest.
 */
import { createHmac } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { asc, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type NodeDatabase, openNodeDatabase } from '../../src/adapter/node/database.js'
import { type NodeService, startNode } from '../../src/adapter/node/index.js'
import { auditEvents, incidents, notifications, occurrences, pushes, revocations } from '../../src/db/schema.js'
import { memoryLogger } from '../../src/log.js'
import { type AzureDevOpsAdminApi, startAzureDevOpsAdminApi } from '../support/azure-devops-admin-api.js'
import { type AzureDevOpsApiStandIn, startAzureDevOpsApi } from '../support/azure-devops-api.js'
import { tempDir } from '../support/db.js'
import { TEST_AZURE_PASSWORD, TEST_GITHUB_SECRET, testEnv } from '../support/env.js'
import { type GithubApiStandIn, startGithubApi } from '../support/github-api.js'
import { type GithubCredentialsApi, startGithubCredentialsApi } from '../support/github-credentials-api.js'
import { type PlatformRouters, startPlatformRouters } from '../support/path-router.js'
import { type SmtpStandIn, startSmtpServer } from '../support/smtp.js'
import { generateAdoPat, generateGithubToken } from '../support/tokens.js'
import { eventually as until } from '../support/until.js'

const ghToken = generateGithubToken('ghp')
const installationToken = generateGithubToken('ghs')
const adoPat = generateAdoPat()
const READER_TOKEN = 'reader-token-for-contents'
const AZURE_READER = 'azure-reader-pat'

let gh: GithubApiStandIn
let ghCredentials: GithubCredentialsApi
let az: AzureDevOpsApiStandIn
let azAdmin: AzureDevOpsAdminApi
let smtp: SmtpStandIn
let platform: PlatformRouters | undefined
let service: NodeService
let dataDir: string
let db: NodeDatabase
const log = memoryLogger()

async function postGithub(payload: unknown, deliveryId: string, event = 'push') {
  const body = JSON.stringify(payload)
  const signature = `sha256=${createHmac('sha256', TEST_GITHUB_SECRET).update(body).digest('hex')}`
  return fetch(`${service.url}/webhooks/github`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': event,
      'x-github-delivery': deliveryId,
      'x-hub-signature-256': signature,
    },
    body,
  })
}

async function postAzure(payload: unknown) {
  return fetch(`${service.url}/webhooks/azure-devops`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Basic ${Buffer.from(`patrol:${TEST_AZURE_PASSWORD}`).toString('base64')}`,
    },
    body: JSON.stringify(payload),
  })
}

const TERMINAL = [
  'revoked',
  'revocation_requested',
  'inactive',
  'not_revocable',
  'revoke_unconfirmed',
  'revoke_failed',
  'notify_only',
]

beforeAll(async () => {
  gh = await startGithubApi()
  gh.requireToken(READER_TOKEN)
  ghCredentials = await startGithubCredentialsApi()
  az = await startAzureDevOpsApi()
  az.requireToken(AZURE_READER)
  azAdmin = await startAzureDevOpsAdminApi({ adminToken: 'azure-admin-pat' })
  smtp = await startSmtpServer()
  const routers = await startPlatformRouters({
    githubContent: gh.url,
    githubCredentials: ghCredentials.apiUrl,
    azureRepos: az.url,
    azureAdmin: azAdmin.orgUrl,
  })
  platform = routers

  const owner = azAdmin.addUser({ email: 'owner@contoso.example', displayName: 'Pat Owner' })
  azAdmin.addPat({ token: adoPat, user: owner })

  dataDir = tempDir()
  service = await startNode(
    testEnv(dataDir, {
      GITHUB_API_URL: routers.githubUrl,
      GITHUB_TOKEN: READER_TOKEN,
      AZURE_DEVOPS_ORG_URL: routers.azureOrgUrl,
      AZURE_DEVOPS_TOKEN: AZURE_READER,
      AZURE_DEVOPS_ADMIN_TOKEN: 'azure-admin-pat',
      AZURE_DEVOPS_VSSPS_URL: azAdmin.vsspsUrl,
      SMTP_URL: smtp.url,
      PATROL_SECURITY_EMAILS: 'security@acme.example',
      PATROL_PUBLIC_URL: 'https://patrol.acme.example',
      PATROL_JOB_POLL_MS: '50',
    }),
    { log, timing: { githubBatchDelayMs: 100, confirmDelaysMs: [100, 200] } },
  )
  db = openNodeDatabase(service.config.databasePath, { migrate: false })
})

afterAll(async () => {
  await service?.stop()
  db?.close()
  await Promise.all([gh, ghCredentials, az, azAdmin, smtp, platform].map((s) => s?.close()))
})

describe('a push carrying tokens, from webhook to response', () => {
  it('queues signed GitHub and authenticated Azure deliveries at once, and drops a redelivery', async () => {
    const repo = gh.repo('acme/app')
    const base = repo.commit({ files: { 'README.md': 'hello\n' } })
    const head = repo.commit({
      parents: [base],
      message: 'add deploy config',
      author: { name: 'Dev One', email: 'dev@acme.example' },
      files: {
        'deploy/config.env': `REGION=eu\nGITHUB_TOKEN=${ghToken}\nINSTALL=${installationToken}\n`,
        'README.md': 'hello\nsee deploy/\n',
      },
    })
    const payload = gh.pushPayload('acme/app', { ref: 'refs/heads/main', before: base, after: head })
    const first = await postGithub(payload, 'delivery-1')
    expect(first.status).toBe(202)
    expect(await first.json()).toEqual({ queued: true, deliveryId: 'delivery-1' })
    const again = await postGithub(payload, 'delivery-1')
    expect(again.status).toBe(200)
    expect(await again.json()).toEqual({ duplicate: true, deliveryId: 'delivery-1' })

    const azRepo = az.repo('proj-1', 'repo-1')
    const azBase = azRepo.commit({ files: { 'app.yml': 'name: app\n' } })
    const azHead = azRepo.commit({
      parents: [azBase],
      message: 'pipeline auth',
      author: { name: 'Dev Two', email: 'dev2@contoso.example' },
      files: {
        'pipelines/build.yml': `steps:\n  - script: git clone https://${adoPat}@dev.azure.com/fabrikam/p/_git/r\nenv:\n  GH: ${ghToken}\n`,
      },
    })
    const pushId = az.addPush('proj-1', 'repo-1', {
      refUpdates: [{ name: 'refs/heads/main', oldObjectId: azBase, newObjectId: azHead }],
    })
    const event = az.hookPayload(pushId)
    expect((await postAzure(event)).status).toBe(202)
    expect((await postAzure(event)).status).toBe(200)
  })

  it('records one incident per token, with an occurrence per place', async () => {
    const rows = await until('three incidents, all responded', async () => {
      const all = await db.db.select().from(incidents).orderBy(asc(incidents.id))
      // The Azure PAT waits in revocation_requested until a check sees it dead.
      const done = (i: (typeof all)[number]) =>
        TERMINAL.includes(i.status) && !(i.kind === 'azure-devops-pat' && i.status === 'revocation_requested')
      return all.length === 3 && all.every(done) ? all : undefined
    })
    const byKind = Object.fromEntries(rows.map((r) => [r.kind, r]))
    expect(Object.keys(byKind).sort()).toEqual(['azure-devops-pat', 'github-app-installation', 'github-classic-pat'])

    const ghOccurrences = await db.db
      .select()
      .from(occurrences)
      .where(eq(occurrences.incidentId, byKind['github-classic-pat']!.id))
    expect(ghOccurrences.map((o) => [o.provider, o.repository, o.path, o.line]).sort()).toEqual([
      ['azure-devops', 'Fabrikam-Fiber-Git/Fabrikam-Fiber-Git', 'pipelines/build.yml', 4],
      ['github', 'acme/app', 'deploy/config.env', 2],
    ])
    const [adoOccurrence] = await db.db
      .select()
      .from(occurrences)
      .where(eq(occurrences.incidentId, byKind['azure-devops-pat']!.id))
    expect(adoOccurrence).toMatchObject({
      path: 'pipelines/build.yml',
      line: 2,
      encoding: 'url-userinfo',
      authorEmail: 'dev2@contoso.example',
    })

    const scanned = await db.db.select().from(pushes)
    expect(scanned.map((p) => p.scanStatus)).toEqual(['scanned', 'scanned'])
  })

  it('revokes the GitHub token in one batched call and the Azure PAT through Token Admin, confirmed', async () => {
    const rows = await db.db.select().from(incidents)
    const status = Object.fromEntries(rows.map((r) => [r.kind, r.status]))
    expect(status).toEqual({
      'github-classic-pat': 'revocation_requested',
      'github-app-installation': 'not_revocable',
      'azure-devops-pat': 'revoked',
    })

    expect(ghCredentials.calls).toHaveLength(1)
    expect(ghCredentials.calls[0]!.credentials).toEqual([ghToken])
    expect(ghCredentials.calls[0]!.headers.authorization).toBeUndefined()

    const pat = azAdmin.pats.find((p) => p.token === adoPat)!
    expect(azAdmin.revocationCalls).toEqual([[pat.authorizationId]])
    const ado = rows.find((r) => r.kind === 'azure-devops-pat')!
    expect(ado).toMatchObject({ ownerEmail: 'owner@contoso.example', ownerName: 'Pat Owner' })
    const attempts = await db.db
      .select()
      .from(revocations)
      .where(eq(revocations.incidentId, ado.id))
      .orderBy(asc(revocations.id))
    expect(attempts.map((a) => a.outcome)).toEqual(['requested', 'revoked'])
    expect(attempts[1]!.detail).toMatch(/^confirmed/)
  })

  it('emails the owner (or the commit author) and the security team once per incident, never the token', async () => {
    const sent = await until('six notifications sent', async () => {
      const all = await db.db.select().from(notifications)
      return all.length === 6 && all.every((n) => n.status === 'sent') ? all : undefined
    })
    const byIncident = new Map<number, string[]>()
    for (const n of sent)
      byIncident.set(n.incidentId, [...(byIncident.get(n.incidentId) ?? []), `${n.reason}:${n.recipient}`])
    const rows = await db.db.select().from(incidents)
    const kindOf = (id: number) => rows.find((r) => r.id === id)!.kind
    const summary = Object.fromEntries([...byIncident].map(([id, r]) => [kindOf(id), r.sort()]))
    expect(summary).toEqual({
      'azure-devops-pat': ['owner:owner@contoso.example', 'security:security@acme.example'],
      'github-classic-pat': ['commit-author:dev@acme.example', 'security:security@acme.example'],
      'github-app-installation': ['commit-author:dev@acme.example', 'security:security@acme.example'],
    })
    await until('six messages at the SMTP server', () => smtp.messages.length >= 6 || undefined)
    expect(smtp.messages).toHaveLength(6)
    const toOwner = smtp.messages.find((m) => m.envelope.to.includes('owner@contoso.example'))!
    expect(toOwner.parsed.text).toContain('https://patrol.acme.example/admin/incidents/')
    for (const m of smtp.messages)
      for (const token of [ghToken, adoPat, installationToken]) expect(m.raw).not.toContain(token)
  })

  it('keeps an audit trail of each transition', async () => {
    const ado = (await db.db.select().from(incidents)).find((r) => r.kind === 'azure-devops-pat')!
    const trail = await db.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.subjectId, ado.id))
      .orderBy(asc(auditEvents.id))
    expect(trail.map((e) => [e.actor, e.action])).toEqual([
      ['patrol', 'incident.created'],
      ['patrol', 'status.responding'],
      ['patrol', 'status.revocation_requested'],
      ['patrol', 'status.revoked'],
    ])
  })

  it('leaves no raw token at rest: sealed tokens erased, nothing in the database file, its WAL or the logs', async () => {
    const rows = await db.db.select().from(incidents)
    expect(rows.every((r) => r.sealedToken === null)).toBe(true)
    const files = readdirSync(dataDir).filter((f) => f.startsWith('patrol.db'))
    expect(files).toEqual(expect.arrayContaining(['patrol.db', 'patrol.db-wal']))
    for (const file of files) {
      const bytes = readFileSync(join(dataDir, file))
      for (const token of [ghToken, adoPat, installationToken]) {
        expect(bytes.includes(token), `${token.slice(0, 4)}… in ${file}`).toBe(false)
        expect(bytes.includes(Buffer.from(token).toString('base64')), `base64 in ${file}`).toBe(false)
      }
    }
    const logText = JSON.stringify(log.lines)
    for (const token of [ghToken, adoPat, installationToken]) expect(logText).not.toContain(token)
  })
})
