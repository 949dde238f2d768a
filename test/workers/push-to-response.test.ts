/**
 * The whole path inside workerd, mirroring test/e2e/push-to-response.test.ts: a signed GitHub push and an
 * authenticated Azure push reach the Worker's `fetch`, are stored in D1 and answered 202; a message for each scan
 * goes to the JOBS queue (a loopback stand-in that hands its messages to the Worker's real `queue()` handler);
 * delayed jobs (the batched GitHub revocation, Azure's confirmation checks) run when their messages' delays pass, and
 * the cron sweep (`scheduled`) re-sends messages for due jobs. The tokens are revoked at the loopback issuers, the mail
 * is handed to the `send_email` binding
 * once per incident and recipient, and no raw token is left in D1, the mail or the logs.
 *
 * Response delays are production-like (a minute), so nothing but the sweep can run those jobs; the test makes them
 * due by moving their `run_at` to now, as the passing of time would.
 */
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { asc, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest'
import { openD1Database } from '../../src/adapter/workers/d1.js'
import { createWorker, type WorkerEnv } from '../../src/adapter/workers/index.js'
import { auditEvents, incidents, jobs, notifications, occurrences, pushes, revocations } from '../../src/db/schema.js'
import { githubPushRequest } from './deliveries.js'
import type { IssuerCalls } from './global-setup.js'
import { LoopbackQueue } from './loopback-queue.js'

const scenario = inject('patrol')
const { github: ghToken, installation: installationToken, azure: adoPat } = scenario.tokens
const TOKENS = [ghToken, installationToken, adoPat]
const MINUTE = 60_000
const worker = createWorker({ timing: { githubBatchDelayMs: MINUTE, confirmDelaysMs: [2 * MINUTE, 10 * MINUTE] } })
const db = openD1Database(env.DB)

type Sent = Parameters<SendEmail['send']>[0]
const handed: { message: Sent; messageId: string }[] = []
/** The real binding, watched: every message patrol hands it, and the id the binding returned. */
const watchedEmail = {
  async send(message: Sent) {
    const result = await env.EMAIL.send(message)
    handed.push({ message, messageId: result.messageId })
    return result
  },
}

const jobsQueue = new LoopbackQueue()
const workerEnv: WorkerEnv = {
  ...env,
  JOBS: jobsQueue,
  EMAIL: watchedEmail,
  LOG_LEVEL: 'info',
  GITHUB_API_URL: scenario.githubApiUrl,
  GITHUB_DOTCOM_API_URL: scenario.githubApiUrl,
  GITHUB_TOKEN: scenario.githubReaderToken,
  AZURE_DEVOPS_ORG_URL: scenario.azureOrgUrl,
  AZURE_DEVOPS_TOKEN: scenario.azureReaderToken,
  AZURE_DEVOPS_ADMIN_TOKEN: scenario.azureAdminToken,
  AZURE_DEVOPS_VSSPS_URL: scenario.azureVsspsUrl,
  PATROL_SECURITY_EMAILS: 'security@acme.example',
  PATROL_PUBLIC_URL: 'https://patrol.acme.example',
  PATROL_ALLOWED_HOSTS: 'patrol.example',
  MAIL_FROM: 'patrol <patrol@acme.example>',
}

const logLines: string[] = []
const TERMINAL = [
  'revoked',
  'revocation_requested',
  'inactive',
  'not_revocable',
  'revoke_unconfirmed',
  'revoke_failed',
  'notify_only',
]

/** One request through the Worker's fetch; resolves after the jobs it queued for now (the scan) have run too. */
async function deliver(request: Request): Promise<{ res: Response; body: unknown }> {
  const ctx = createExecutionContext()
  const res = await worker.fetch(request, workerEnv, ctx)
  const body = await res.json()
  await waitOnExecutionContext(ctx)
  await jobsQueue.flush(worker, workerEnv)
  return { res, body }
}

async function postGithub(): Promise<{ res: Response; body: unknown }> {
  const { body, deliveryId } = scenario.githubPush
  return deliver(await githubPushRequest(body, deliveryId))
}

async function postAzure(): Promise<{ res: Response; body: unknown }> {
  return deliver(
    new Request('https://patrol.example/webhooks/azure-devops', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${btoa(`patrol:${env.AZURE_DEVOPS_WEBHOOK_PASSWORD}`)}`,
      },
      body: scenario.azurePush.body,
    }),
  )
}

/** One cron tick, as Cloudflare runs it, then the queue's messages, their delays passed. */
async function sweep(): Promise<void> {
  const ctx = createExecutionContext()
  await worker.scheduled(createScheduledController({ cron: '* * * * *', scheduledTime: Date.now() }), workerEnv, ctx)
  await waitOnExecutionContext(ctx)
  await jobsQueue.flush(worker, workerEnv, { all: true })
}

/** Makes every waiting job due now, as if its delay had passed. */
async function letTimePass(): Promise<number> {
  const result = await env.DB.prepare("update jobs set run_at = ? where state = 'queued'").bind(Date.now()).run()
  return result.meta.changes
}

async function issuerCalls(): Promise<IssuerCalls> {
  return (await (await fetch(`${scenario.inspectorUrl}/calls`)).json()) as IssuerCalls
}

beforeAll(() => {
  const keep = (...args: unknown[]) => void logLines.push(args.map(String).join(' '))
  vi.spyOn(console, 'log').mockImplementation(keep)
  vi.spyOn(console, 'error').mockImplementation(keep)
})

afterAll(() => {
  vi.restoreAllMocks()
})

describe('a push carrying tokens, from the Worker fetch to the response', () => {
  it('queues a signed GitHub delivery and an authenticated Azure one at once, and answers 200 to a redelivery', async () => {
    const first = await postGithub()
    expect(first.res.status).toBe(202)
    expect(first.body).toEqual({ queued: true, deliveryId: scenario.githubPush.deliveryId })
    const again = await postGithub()
    expect(again.res.status).toBe(200)
    expect(again.body).toEqual({ duplicate: true, deliveryId: scenario.githubPush.deliveryId })

    const azure = await postAzure()
    expect(azure.res.status).toBe(202)
    const azureAgain = await postAzure()
    expect(azureAgain.res.status).toBe(200)
    expect(azureAgain.body).toMatchObject({ duplicate: true })
  })

  it('scanned both pushes from the queue: one incident per token, an occurrence per place, in D1', async () => {
    const scanned = await db.select().from(pushes)
    expect(scanned.map((p) => p.scanStatus)).toEqual(['scanned', 'scanned'])

    const rows = await db.select().from(incidents).orderBy(asc(incidents.id))
    expect(rows.map((r) => r.kind).sort()).toEqual([
      'azure-devops-pat',
      'github-app-installation',
      'github-classic-pat',
    ])
    const byKind = Object.fromEntries(rows.map((r) => [r.kind, r]))
    const ghOccurrences = await db
      .select()
      .from(occurrences)
      .where(eq(occurrences.incidentId, byKind['github-classic-pat']!.id))
    expect(ghOccurrences.map((o) => [o.provider, o.repository, o.path, o.line]).sort()).toEqual([
      ['azure-devops', 'Fabrikam-Fiber-Git/Fabrikam-Fiber-Git', 'pipelines/build.yml', 4],
      ['github', 'acme/app', 'deploy/config.env', 2],
    ])
    const [adoOccurrence] = await db
      .select()
      .from(occurrences)
      .where(eq(occurrences.incidentId, byKind['azure-devops-pat']!.id))
    expect(adoOccurrence).toMatchObject({
      path: 'pipelines/build.yml',
      line: 2,
      encoding: 'url-userinfo',
      authorEmail: 'dev2@contoso.example',
    })

    // The GitHub revocation waits for its batch a minute later: its message is held until then.
    expect((await issuerCalls()).githubRevocations).toEqual([])
    const waiting = await db.select().from(jobs).where(eq(jobs.state, 'queued'))
    expect(waiting.length).toBeGreaterThan(0)
    expect(waiting.every((j) => j.runAt > Date.now())).toBe(true)
  })

  it('runs the delayed jobs from the cron sweep until every incident is responded', async () => {
    for (let tick = 0; tick < 8; tick++) {
      if ((await letTimePass()) === 0) break
      await sweep()
    }
    expect(await db.select().from(jobs).where(eq(jobs.state, 'queued'))).toEqual([])
    expect((await db.select().from(jobs).where(eq(jobs.state, 'dead'))).map((j) => [j.kind, j.lastError])).toEqual([])

    const rows = await db.select().from(incidents)
    expect(rows.every((r) => TERMINAL.includes(r.status))).toBe(true)
    const status = Object.fromEntries(rows.map((r) => [r.kind, r.status]))
    expect(status).toEqual({
      'github-classic-pat': 'revocation_requested',
      'github-app-installation': 'not_revocable',
      'azure-devops-pat': 'revoked',
    })
  })

  it('revoked the GitHub token in one batched call and the Azure PAT through Token Admin, confirmed', async () => {
    const calls = await issuerCalls()
    expect(calls.githubRevocations).toEqual([{ credentials: [ghToken], authorization: null, status: 202 }])
    expect(calls.azureRevocations).toEqual([[scenario.azurePatAuthorizationId]])

    const ado = (await db.select().from(incidents)).find((r) => r.kind === 'azure-devops-pat')!
    expect(ado).toMatchObject({ ownerEmail: 'owner@contoso.example', ownerName: 'Pat Owner' })
    const attempts = await db
      .select()
      .from(revocations)
      .where(eq(revocations.incidentId, ado.id))
      .orderBy(asc(revocations.id))
    // Token Admin accepted (requested), then a check saw the PAT dead (revoked).
    expect(attempts.map((a) => a.outcome)).toEqual(['requested', 'revoked'])
    expect(attempts[1]!.detail).toMatch(/^confirmed/)
    const trail = await db
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

  it('handed one message per incident and recipient to the send_email binding, never with a token', async () => {
    const sent = await db.select().from(notifications)
    expect(sent).toHaveLength(6)
    expect(sent.every((n) => n.status === 'sent')).toBe(true)
    // The id the binding returned is what patrol recorded.
    expect(sent.map((n) => n.messageId).sort()).toEqual(handed.map((h) => h.messageId).sort())

    expect(handed).toHaveLength(6)
    const recipients = handed.flatMap((h) => (Array.isArray(h.message.to) ? h.message.to : [h.message.to])).sort()
    expect(recipients).toEqual([
      'dev@acme.example',
      'dev@acme.example',
      'owner@contoso.example',
      'security@acme.example',
      'security@acme.example',
      'security@acme.example',
    ])
    for (const { message } of handed) expect(message.from).toEqual({ name: 'patrol', email: 'patrol@acme.example' })
    const toOwner = handed.find((h) => h.message.to.includes('owner@contoso.example'))!
    expect(toOwner.message.text).toContain('https://patrol.acme.example/admin/incidents/')
    const mailText = JSON.stringify(handed)
    for (const token of TOKENS) expect(mailText).not.toContain(token)
  })

  it('serves the admin API over D1: 401 without the token, the incidents with it, an action recorded', async () => {
    const call = async (path: string, init: RequestInit = {}, token?: string) => {
      const headers = new Headers(init.headers)
      if (token) headers.set('authorization', `Bearer ${token}`)
      if (init.body) headers.set('content-type', 'application/json')
      return deliver(new Request(`https://patrol.example${path}`, { ...init, headers }))
    }
    const adminToken = env.PATROL_ADMIN_TOKENS.split(':')[1]!
    expect((await call('/api/incidents')).res.status).toBe(401)
    expect((await call('/api/incidents', {}, 'not-the-admin-token-0123456789')).res.status).toBe(401)

    const listed = await call('/api/incidents', {}, adminToken)
    expect(listed.res.status).toBe(200)
    const items = (listed.body as { items: { id: number; kind: string }[] }).items
    const rows = await db.select().from(incidents)
    expect(items.map((i) => i.id).sort()).toEqual(rows.map((r) => r.id).sort())
    expect(JSON.stringify(listed.body)).not.toContain(ghToken)

    const installation = rows.find((r) => r.kind === 'github-app-installation')!
    const acted = await call(
      `/api/incidents/${installation.id}/actions`,
      { method: 'POST', body: JSON.stringify({ action: 'resolve', note: 'app uninstalled' }) },
      adminToken,
    )
    expect(acted.res.status).toBe(200)
    expect(acted.body).toMatchObject({ id: installation.id, from: 'not_revocable', to: 'resolved' })
    const [after] = await db.select().from(incidents).where(eq(incidents.id, installation.id))
    expect(after!.status).toBe('resolved')
    const trail = await db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.subjectId, installation.id))
      .orderBy(asc(auditEvents.id))
    expect(trail.at(-1)).toMatchObject({ actor: 'admin:tester' })
  })

  it('serves the admin page (sign-in to a session cookie) and the metrics over D1', async () => {
    const adminToken = env.PATROL_ADMIN_TOKENS.split(':')[1]!
    const page = async (path: string, init: RequestInit = {}) => {
      const ctx = createExecutionContext()
      const res = await worker.fetch(
        new Request(`https://patrol.example${path}`, { redirect: 'manual', ...init }),
        workerEnv,
        ctx,
      )
      await waitOnExecutionContext(ctx)
      return res
    }
    const anonymous = await page('/admin')
    expect(anonymous.status).toBe(303)
    expect(anonymous.headers.get('location')).toBe('/admin/sign-in')

    const form = (token: string) => ({
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: 'https://patrol.example',
        'cf-connecting-ip': '203.0.113.7',
      },
      body: new URLSearchParams({ token }).toString(),
    })
    expect((await page('/admin/sign-in', form('not-the-admin-token-0123456789'))).status).toBe(401)
    const signedIn = await page('/admin/sign-in', form(adminToken))
    expect(signedIn.status).toBe(303)
    const cookie = signedIn.headers.get('set-cookie')!.split(';')[0]!
    expect(cookie).not.toContain(adminToken)

    const dashboard = await page('/admin', { headers: { cookie } })
    expect(dashboard.status).toBe(200)
    expect(dashboard.headers.get('content-type')).toMatch(/^text\/html/)
    const html = await dashboard.text()
    for (const token of TOKENS) expect(html).not.toContain(token)

    const metrics = await page('/metrics', { headers: { authorization: `Bearer ${adminToken}` } })
    expect(metrics.status).toBe(200)
    expect(await metrics.text()).toMatch(/^patrol_incidents\{status="revoked"\} 1$/m)
  })

  it('leaves no raw token at rest in D1 (sealed tokens erased) nor in the logs', async () => {
    expect((await db.select().from(incidents)).every((r) => r.sealedToken === null)).toBe(true)
    const tables = await env.DB.prepare(
      "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like '_cf_%'",
    ).all<{ name: string }>()
    expect(tables.results.map((t) => t.name)).toContain('incidents')
    for (const { name } of tables.results) {
      const rows = JSON.stringify((await env.DB.prepare(`select * from "${name}"`).all()).results)
      for (const token of TOKENS) {
        expect(rows.includes(token), `${token.slice(0, 4)}… in ${name}`).toBe(false)
        expect(rows.includes(btoa(token)), `base64 in ${name}`).toBe(false)
      }
    }
    expect(logLines.some((l) => l.includes('"event":"webhook.queued"'))).toBe(true)
    const logText = logLines.join('\n')
    for (const token of TOKENS) expect(logText).not.toContain(token)
  })
})
