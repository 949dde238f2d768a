/**
 * Chaos (DESIGN.md invariants 3 and 5): the loopback GitHub, Azure DevOps and SMTP stand-ins sit behind fault
 * proxies that fail about a third of all calls for the whole test, never calming down: 500; 503 and 429 with
 * `Retry-After: 1`; GitHub's secondary rate limit (403 with `Retry-After: 1`, and without any header); connection
 * resets; hangs past the client timeout; SMTP servers that refuse mail with 451. patrol's real parts run in-process
 * (createApp, createJobHandlers, createRunner, the SMTP mailer) on a SQLite file, with a virtual clock for the job
 * queue: a job's wait is its `run_at`, so hours of backoff play in milliseconds, and every job retry's `run_at` is
 * checked against the backoff schedule (the time failing since the job last got further) and the Retry-After that
 * caused it. Retries inside a call (HTTP and SMTP) wait in real time.
 *
 * Proved: every push is scanned, every token is responded to once (GitHub tokens in exactly one accepted call, Azure
 * PATs revoked in exactly one Token Admin call and confirmed), each recipient gets one email per incident, no job
 * ends dead, and no job retry waited longer (or shorter) than `retryDelayMs` allows. Nothing planted leaks into the
 * database, the logs or the mail.
 *
 * The client timeouts are shortened here by composition (a fetch with a 400 ms deadline, SmtpMailer timeoutMs),
 * because startNode takes neither; production uses 15 s (remoteFetch) and 30 s (SMTP).
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { type ServerType, serve } from '@hono/node-server'
import { asc, eq, inArray, min } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SmtpMailer } from '../../src/adapter/node/smtp.js'
import { parseConfig } from '../../src/config.js'
import { deliveries, incidents, jobs, notifications, pushes, revocations } from '../../src/db/schema.js'
import { createApp } from '../../src/http/app.js'
import { importKeys } from '../../src/incidents/sealing.js'
import { DEFAULT_BACKOFF, jobBackoffStepMs } from '../../src/jobs/backoff.js'
import { createRunner, type JobHandler, type Runner } from '../../src/jobs/runner.js'
import { createLogger, type Fields } from '../../src/log.js'
import { RemoteError } from '../../src/platforms/remote-error.js'
import { createJobHandlers } from '../../src/service.js'
import { type AzureDevOpsAdminApi, startAzureDevOpsAdminApi } from '../support/azure-devops-admin-api.js'
import { type AzureDevOpsApiStandIn, startAzureDevOpsApi } from '../support/azure-devops-api.js'
import { tempDatabase } from '../support/db.js'
import { TEST_AZURE_PASSWORD, TEST_GITHUB_SECRET, testEnv } from '../support/env.js'
import {
  type FaultProxy,
  GITHUB_FAULTS,
  HTTP_FAULTS,
  SMTP_FAULTS,
  startFaultProxy,
  startSmtpFaultProxy,
} from '../support/fault-proxy.js'
import { type GithubApiStandIn, startGithubApi } from '../support/github-api.js'
import { type GithubCredentialsApi, startGithubCredentialsApi } from '../support/github-credentials-api.js'
import { githubDeliveryHeaders } from '../support/github-signing.js'
import { startPlatformRouters } from '../support/path-router.js'
import { SecretSweep } from '../support/secret-sweep.js'
import { type SmtpStandIn, startSmtpServer } from '../support/smtp.js'
import { generateAdoPat, generateGithubToken } from '../support/tokens.js'

const SEED = Number(process.env.CHAOS_SEED ?? 20261127)
const CLIENT_TIMEOUT_MS = 400
const READER = 'reader-token-for-contents'
const AZURE_READER = 'azure-reader-pat'
const ADMIN = 'azure-admin-pat'

const ghTokens = Array.from({ length: 4 }, () => generateGithubToken('ghp'))
const adoPats = Array.from({ length: 3 }, () => generateAdoPat())

let gh: GithubApiStandIn
let ghCredentials: GithubCredentialsApi
let az: AzureDevOpsApiStandIn
let azAdmin: AzureDevOpsAdminApi
let smtp: SmtpStandIn
let proxies: FaultProxy[] = []
let closers: { close(): Promise<void> }[] = []
let server: ServerType
let baseUrl: string
let runner: Runner
let t: ReturnType<typeof tempDatabase>
const clock = { now: Date.parse('2026-11-27T12:00:00Z') }
const lines: Fields[] = []
/** The tokens each delivery's push carries, by delivery id; and all of them once the scans finished. */
const planted = new Map<string, string[]>()
let found = new Set<string>()

/** What each failed attempt threw, by `job:attempt`, and the run_at the queue gave the retry. */
const thrown = new Map<string, { retryAfterMs?: number; at: number }>()
const retries: {
  job: number
  kind: string
  attempt: number
  at: number
  runAt: number
  /** Since when the queue counts the job as failing, after this failure (this failure's time when it progressed). */
  failingSince: number
  retryAfterMs?: number
}[] = []

/** fetch with a short deadline on top of remoteFetch's own, so that a hang costs 400 ms, not 15 s. */
const shortFetch: typeof fetch = (input, init = {}) =>
  fetch(input, {
    ...init,
    signal: AbortSignal.any([AbortSignal.timeout(CLIENT_TIMEOUT_MS), ...(init.signal ? [init.signal] : [])]),
  })

beforeAll(async () => {
  gh = await startGithubApi()
  gh.requireToken(READER)
  ghCredentials = await startGithubCredentialsApi()
  az = await startAzureDevOpsApi()
  az.requireToken(AZURE_READER)
  azAdmin = await startAzureDevOpsAdminApi({ adminToken: ADMIN })
  smtp = await startSmtpServer()
  const routers = await startPlatformRouters({
    githubContent: gh.url,
    githubCredentials: ghCredentials.apiUrl,
    azureRepos: az.url,
    azureAdmin: azAdmin.orgUrl,
  })
  // Seeds offset per proxy (the vssps offset is one whose first few draws include failures: it sees few calls).
  const ghFaults = await startFaultProxy(routers.githubUrl, { seed: SEED, kinds: GITHUB_FAULTS })
  const azFaults = await startFaultProxy(routers.azureUrl, { seed: SEED + 1 })
  const vsspsFaults = await startFaultProxy(new URL(azAdmin.vsspsUrl).origin, { seed: SEED + 8 })
  const smtpFaults = await startSmtpFaultProxy(smtp.port, { seed: SEED + 3 })
  proxies = [ghFaults, azFaults, vsspsFaults, smtpFaults]
  closers = [routers]

  // One owner per PAT: the `candidates` policy revokes every PAT of an owner that could be the leaked one.
  for (const [i, token] of adoPats.entries())
    azAdmin.addPat({ token, user: azAdmin.addUser({ email: `owner${i}@contoso.example`, displayName: `Owner ${i}` }) })

  t = tempDatabase()
  const config = parseConfig(
    testEnv(t.dir, {
      GITHUB_API_URL: ghFaults.url,
      GITHUB_TOKEN: READER,
      AZURE_DEVOPS_ORG_URL: `${azFaults.url}/fabrikam`,
      AZURE_DEVOPS_TOKEN: AZURE_READER,
      AZURE_DEVOPS_ADMIN_TOKEN: ADMIN,
      AZURE_DEVOPS_VSSPS_URL: `${vsspsFaults.url}${new URL(azAdmin.vsspsUrl).pathname}`,
      SMTP_URL: smtp.url.replace(`:${smtp.port}`, `:${smtpFaults.port}`),
      PATROL_SECURITY_EMAILS: 'security@acme.example',
    }),
  )
  const keys = await importKeys(config.secrets)
  const log = createLogger({
    level: 'debug',
    write: (line) => {
      const parsed = JSON.parse(line) as Fields
      lines.push(parsed)
      // Read the retry's run_at the moment the queue wrote it (the runner logs right after its UPDATE).
      if (parsed.event === 'job.failed' && parsed.state === 'queued') {
        const row = t.sqlite
          .prepare('select kind, run_at as runAt, failing_since as failingSince from jobs where id = ?')
          .get(parsed.job) as { kind: string; runAt: number; failingSince: number }
        const cause = thrown.get(`${parsed.job}:${parsed.attempt}`)
        retries.push({
          job: parsed.job as number,
          kind: row.kind,
          attempt: parsed.attempt as number,
          at: cause?.at ?? NaN,
          runAt: row.runAt,
          failingSince: row.failingSince,
          retryAfterMs: cause?.retryAfterMs,
        })
      }
    },
  })
  const now = () => clock.now
  const mailer = new SmtpMailer({ url: config.mail.smtpUrl!, timeoutMs: CLIENT_TIMEOUT_MS })
  const handlers = createJobHandlers({
    config,
    db: t.db,
    keys,
    log,
    now,
    mailer,
    fetch: shortFetch,
    timing: { githubBatchDelayMs: 1_000, confirmDelaysMs: [120_000, 600_000, 1_800_000, 3_900_000] },
  })
  // Remember what each failing attempt threw, to check its retry's run_at against it.
  const observed: Record<string, JobHandler> = {}
  for (const [kind, handler] of Object.entries(handlers))
    observed[kind] = async (job, payload, attempt) => {
      try {
        return await handler(job, payload, attempt)
      } catch (error) {
        thrown.set(`${job.id}:${job.attempts}`, {
          retryAfterMs: error instanceof RemoteError ? error.retryAfterMs : undefined,
          at: clock.now,
        })
        throw error
      }
    }
  runner = createRunner({
    db: t.db,
    worker: 'chaos',
    handlers: observed,
    log,
    now,
    concurrency: 1,
    staleMs: 24 * 3_600_000,
    backoff: DEFAULT_BACKOFF,
  })
  const app = createApp(() => ({ config, db: t.db, keys, log, now, jobsEnqueued: () => {} }))
  server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s))
  })
  baseUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`
})

afterAll(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()))
  await Promise.all([...proxies, ...closers, gh, ghCredentials, az, azAdmin, smtp].map((s) => s?.close()))
  t?.cleanup()
})

/** Runs what is due, then jumps the clock to the next queued job, until nothing is queued. */
async function settle(): Promise<void> {
  for (let round = 0; round < 10_000; round++) {
    await runner.drain()
    const [next] = await t.db
      .select({ at: min(jobs.runAt) })
      .from(jobs)
      .where(eq(jobs.state, 'queued'))
    if (next?.at == null) return
    clock.now = Math.max(clock.now, next.at)
  }
  throw new Error('the queue never settled')
}

describe('a third of all remote calls fail', { timeout: 60_000 }, () => {
  it('ingests GitHub and Azure pushes carrying tokens in files, commit messages and encodings', async () => {
    const repo = gh.repo('acme/app')
    const base = repo.commit({ files: { 'README.md': 'hello\n' } })
    for (let i = 0; i < 8; i++) {
      const token = ghTokens[i % ghTokens.length]!
      const leak = repo.commit({
        parents: [base],
        message: i % 2 ? `ci: mirror with ${token}` : `change ${i}`,
        author: { name: `Dev ${i}`, email: `dev${i % 3}@acme.example` },
        files: {
          [`deploy/${i}.env`]: i % 2 ? 'REGION=eu\n' : `GITHUB_TOKEN=${token}\n`,
          [`deploy/${i}.b64`]: `${Buffer.from(`token: ${token}\n`).toString('base64')}\n`,
        },
      })
      // Two more commits per push: each is read on its own (more calls for the chaos to hit), the token stays found.
      const tidy = repo.commit({ parents: [leak], message: 'tidy', files: { [`notes/${i}.md`]: 'later\n' } })
      const head = repo.commit({ parents: [tidy], message: 'docs', files: { [`notes/${i}.md`]: 'later\nstill\n' } })
      const body = JSON.stringify(gh.pushPayload('acme/app', { ref: `refs/heads/b${i}`, before: base, after: head }))
      planted.set(`chaos-gh-${i}`, [token])
      const res = await fetch(`${baseUrl}/webhooks/github`, {
        method: 'POST',
        headers: githubDeliveryHeaders(body, TEST_GITHUB_SECRET, `chaos-gh-${i}`),
        body,
      })
      expect(res.status).toBe(202)
    }
    const azRepo = az.repo('proj-1', 'repo-1')
    const azBase = azRepo.commit({ files: { 'app.yml': 'name: app\n' } })
    for (let i = 0; i < 6; i++) {
      const pat = adoPats[i % adoPats.length]!
      const head = azRepo.commit({
        parents: [azBase],
        message: `pipeline ${i}`,
        author: { name: 'Dev Two', email: 'dev2@contoso.example' },
        files: {
          [`pipelines/${i}.yml`]: `steps:\n  - script: git clone https://${pat}@dev.azure.com/fabrikam/p/_git/r\n  - env: { GH: ${ghTokens[i % 2]} }\n`,
        },
      })
      const pushId = az.addPush('proj-1', 'repo-1', {
        refUpdates: [{ name: `refs/heads/a${i}`, oldObjectId: azBase, newObjectId: head }],
      })
      const event = az.hookPayload(pushId)
      planted.set(event.id, [pat, ghTokens[i % 2]!])
      const res = await fetch(`${baseUrl}/webhooks/azure-devops`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Basic ${Buffer.from(`patrol:${TEST_AZURE_PASSWORD}`).toString('base64')}`,
        },
        body: JSON.stringify(event),
      })
      expect(res.status).toBe(202)
    }
  })

  it('scans every push and brings every incident to its end, with no job dead', async () => {
    const started = performance.now()
    await settle()
    const seconds = (performance.now() - started) / 1000
    const scans = await t.db
      .select({ delivery: deliveries.deliveryId, status: pushes.scanStatus, partial: pushes.partialReasons })
      .from(pushes)
      .innerJoin(deliveries, eq(pushes.deliveryId, deliveries.id))
    expect(scans).toHaveLength(planted.size)
    expect(scans.filter((p) => p.status !== 'scanned')).toEqual([])
    expect(
      await t.db
        .select()
        .from(jobs)
        .where(inArray(jobs.state, ['dead', 'queued', 'running'])),
    ).toEqual([])

    // Every planted token became exactly one incident, and every incident ended as its issuer allows.
    found = new Set([...planted.values()].flat())
    const rows = await t.db.select().from(incidents).orderBy(asc(incidents.id))
    expect(rows).toHaveLength(found.size)
    expect(rows.filter((r) => r.kind === 'github-classic-pat').map((r) => r.status)).toEqual(
      ghTokens.map(() => 'revocation_requested'),
    )
    expect(rows.filter((r) => r.kind === 'azure-devops-pat').map((r) => r.status)).toEqual(adoPats.map(() => 'revoked'))
    expect(rows.filter((r) => r.sealedToken !== null)).toEqual([])

    const summary = proxies.map(
      (p, i) => `${['github', 'azure', 'vssps', 'smtp'][i]} ${p.faults.length} failed/${p.faults.length + p.passed}`,
    )
    const virtualMinutes = Math.round((clock.now - Date.parse('2026-11-27T12:00:00Z')) / 60_000)
    console.log(
      `chaos seed ${SEED}: ${summary.join(', ')}; ${retries.length} job retries; ${scans.length} pushes scanned, ` +
        `${rows.length} incidents ended; ${seconds.toFixed(1)} s wall, ${virtualMinutes} min on the job clock`,
    )
    // The chaos was real and lasted: every proxy failed calls, of every kind it can, until the end.
    const kinds = new Set(proxies.flatMap((p) => p.faults.map((f) => f.kind)))
    expect([...kinds].sort()).toEqual([...new Set([...GITHUB_FAULTS, ...HTTP_FAULTS, ...SMTP_FAULTS])].sort())
    for (const p of proxies) expect(p.faults.length).toBeGreaterThan(0)
    // Sustained: each proxy was still failing calls in the last quarter of its traffic.
    for (const p of proxies) {
      const total = p.faults.length + p.passed
      expect(Math.max(...p.faults.map((f) => f.at))).toBeGreaterThan(0.75 * total)
    }
  })

  it('revokes each token in exactly one accepted call, and emails each recipient once per incident', async () => {
    const acceptedGithub = ghCredentials.calls.filter((c) => c.status === 202).flatMap((c) => c.credentials)
    expect(acceptedGithub.sort()).toEqual(ghTokens.filter((x) => found.has(x)).sort())
    // Each Azure PAT whose revocation Token Admin accepted was revoked in exactly one Token Admin call; no other PAT
    // was touched.
    const authorizationIds = azAdmin.revocationCalls.flat()
    const revokedAdo = await t.db
      .select({ ids: revocations.authorizationIds })
      .from(revocations)
      .where(eq(revocations.outcome, 'requested'))
    const expectedIds = [...new Set(revokedAdo.flatMap((r) => (r.ids ? (JSON.parse(r.ids) as string[]) : [])))]
    expect(authorizationIds.sort()).toEqual(expectedIds.sort())
    expect(azAdmin.pats.filter((p) => !p.isValid).length).toBe(authorizationIds.length)
    expect(authorizationIds).toHaveLength(adoPats.length)

    const sent = await t.db.select().from(notifications)
    expect(sent.every((n) => n.status === 'sent')).toBe(true)
    const delivered = smtp.messages.map(
      (m) => `${String(m.parsed.headers.get('x-patrol-incident'))}→${m.envelope.to.join(',')}`,
    )
    expect(delivered.sort()).toEqual(sent.map((n) => `${n.incidentId}→${n.recipient}`).sort())
    expect(new Set(delivered).size).toBe(delivered.length)
    // Each incident: its security team plus an owner or commit author.
    expect(sent.length).toBe(2 * found.size)
  })

  it('never schedules a retry later than the backoff schedule, nor sooner than Retry-After', () => {
    for (const r of retries) {
      // The backoff grows with the time the job has been failing since it last got further (jobs/backoff.ts).
      const step = jobBackoffStepMs(r.at - r.failingSince, DEFAULT_BACKOFF)
      const asked = r.retryAfterMs ?? 0
      const wait = r.runAt - r.at
      const where = `${r.kind} job ${r.job} attempt ${r.attempt} (Retry-After ${asked} ms): waits ${wait} ms`
      expect(wait, where).toBeGreaterThanOrEqual(Math.max(Math.floor(step / 2), asked))
      expect(wait, where).toBeLessThanOrEqual(Math.max(step, asked))
    }
    // Some retries were told to wait by a 429, and waited exactly that long at least.
    expect(retries.some((r) => (r.retryAfterMs ?? 0) > 0)).toBe(true)
  })

  it('records each failed attempt, and leaves no planted token in the database, the logs or the mail', async () => {
    const errors = await t.db.select().from(revocations).where(eq(revocations.outcome, 'error'))
    const sweep = new SecretSweep([...ghTokens, ...adoPats])
    for (const e of errors) sweep.check('revocations.detail', e.detail ?? '')
    sweep.check('log lines', JSON.stringify(lines))
    for (const m of smtp.messages) sweep.check('smtp', m.raw)
    for (const f of readdirSync(t.dir).filter((name) => name.startsWith('patrol.db')))
      sweep.check(f, readFileSync(join(t.dir, f)))
    expect(sweep.hits).toEqual([])
    expect(lines.some((l) => l.event === 'job.failed')).toBe(true)
  })
})
