/**
 * Crash (DESIGN.md invariants 2 and 3): patrol runs as a real child process on a SQLite file. A burst of signed
 * GitHub deliveries, many carrying the same few tokens, is cut by `kill -9` part-way. A new process on the same file
 * takes over, the sender redelivers what got no 2xx (as GitHub's redelivery would), and the queue drains.
 * Then: every push answered 2xx was scanned, no push is stored twice (a push delivered again under another delivery
 * id is a duplicate: issue 14), each distinct token was sent to the
 * issuer in exactly one accepted revocation call, and each incident emailed each recipient exactly once.
 * The child's logs, database file and WAL, the mail and the admin API hold none of the planted tokens.
 *
 * The issuer refuses connections until the restart, so that no revocation or email can be in flight at the kill:
 * this suite proves durable ingestion and dedupe across a crash. (A kill between a remote call and the row that
 * records its outcome would repeat that one call on takeover: remote calls are at-least-once.)
 * The restarted process finds the dead process's `running` jobs (same host, pid gone) and takes them back at boot,
 * without waiting for the stale-lock timeout.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { count, eq, isNull, ne, or } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type NodeDatabase, openNodeDatabase } from '../../src/adapter/node/database.js'
import { deliveries, incidents, notifications, pushes } from '../../src/db/schema.js'
import { type ChildService, startChildService } from '../support/child-service.js'
import { tempDir } from '../support/db.js'
import { TEST_ADMIN_TOKEN, TEST_GITHUB_SECRET, testEnv } from '../support/env.js'
import { type GithubApiStandIn, startGithubApi } from '../support/github-api.js'
import { type GithubCredentialsApi, startGithubCredentialsApi } from '../support/github-credentials-api.js'
import { githubDeliveryHeaders } from '../support/github-signing.js'
import { type Route, startPathRouter } from '../support/path-router.js'
import { SecretSweep } from '../support/secret-sweep.js'
import { type SmtpStandIn, startSmtpServer } from '../support/smtp.js'
import { generateGithubToken } from '../support/tokens.js'
import { eventually } from '../support/until.js'

/** 1000 deliveries: 100 distinct pushes, each delivered 10 times under different delivery ids. */
const DELIVERIES = 1000
const COMMITS = 100
const TOKENS = 20
const KILL_AFTER = 400
const CONCURRENCY = 16
const READER = 'reader-token-for-contents'
const SECURITY = 'security@acme.example'

const tokens = Array.from({ length: TOKENS }, () => generateGithubToken('ghp'))
const dataDir = tempDir()
let gh: GithubApiStandIn
let issuer: GithubCredentialsApi
let smtp: SmtpStandIn
let router: { url: string; close(): Promise<void> }
let revokeRoute: Route
let refusing = ''
let first: ChildService
let second: ChildService
let db: NodeDatabase
const bodies: string[] = []
const outcome = new Map<string, number | 'no answer'>()
const stdout: string[] = []

const deliveryId = (i: number) => `crash-${i}`

beforeAll(async () => {
  gh = await startGithubApi()
  gh.requireToken(READER)
  issuer = await startGithubCredentialsApi()
  smtp = await startSmtpServer()
  // A port with nothing listening: the issuer "is down" until the restart.
  refusing = await new Promise<string>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number }
      s.close(() => resolve(`http://127.0.0.1:${port}`))
    })
  })
  revokeRoute = { test: (p) => p === '/credentials/revoke', base: refusing }
  router = await startPathRouter('', [revokeRoute, { test: () => true, base: gh.url }])

  // Tokens in file contents, in commit messages, and base64-encoded in a file: every path content takes.
  const repo = gh.repo('acme/app')
  const base = repo.commit({ files: { 'README.md': 'hello\n' } })
  for (let i = 0; i < COMMITS; i++) {
    const token = i < 3 * TOKENS ? tokens[i % TOKENS]! : undefined
    const files: Record<string, string> = { [`src/module-${i}.ts`]: `export const n = ${i}\n`.repeat(20) }
    let message = `change ${i}`
    if (token && i % 3 === 0) files[`deploy/${i}.env`] = `REGION=eu\nGITHUB_TOKEN=${token}\n`
    if (token && i % 3 === 1) message = `change ${i}\n\nci: use ${token} for the mirror`
    if (token && i % 3 === 2) files[`deploy/${i}.b64`] = `${Buffer.from(`token=${token}\n`).toString('base64')}\n`
    const head = repo.commit({
      parents: [base],
      message,
      author: { name: `Dev ${i % 5}`, email: `dev${i % 5}@acme.example` },
      files,
    })
    bodies.push(JSON.stringify(gh.pushPayload('acme/app', { ref: `refs/heads/b${i}`, before: base, after: head })))
  }
}, 60_000)

afterAll(async () => {
  first?.child.kill('SIGKILL')
  second?.child.kill('SIGTERM')
  await second?.exited
  db?.close()
  await Promise.all([gh, issuer, smtp, router].map((s) => s?.close()))
})

function env(): Record<string, string> {
  return testEnv(dataDir, {
    GITHUB_API_URL: router.url,
    GITHUB_TOKEN: READER,
    SMTP_URL: smtp.url,
    PATROL_SECURITY_EMAILS: SECURITY,
    PATROL_JOB_POLL_MS: '100',
    LOG_LEVEL: 'debug',
  })
}

function collect(service: ChildService) {
  service.child.stdout!.on('data', (d: Buffer) => stdout.push(d.toString()))
  service.child.stderr!.on('data', (d: Buffer) => stdout.push(d.toString()))
}

async function deliver(url: string, i: number): Promise<void> {
  const body = bodies[i % COMMITS]!
  try {
    const res = await fetch(`${url}/webhooks/github`, {
      method: 'POST',
      headers: githubDeliveryHeaders(body, TEST_GITHUB_SECRET, deliveryId(i)),
      body,
    })
    await res.arrayBuffer()
    outcome.set(deliveryId(i), res.status)
  } catch {
    outcome.set(deliveryId(i), 'no answer')
  }
}

const answered = () => [...outcome].filter(([, s]) => typeof s === 'number' && s >= 200 && s < 300).map(([id]) => id)

describe('kill -9 in the middle of a burst of deliveries', { timeout: 60_000 }, () => {
  it('answers part of the burst, then dies without warning', async () => {
    first = await startChildService(env())
    collect(first)
    let next = 0
    let killed = false
    const worker = async () => {
      while (!killed && next < DELIVERIES) {
        await deliver(first.url, next++)
        if (!killed && answered().length >= KILL_AFTER) {
          killed = true
          first.child.kill('SIGKILL')
        }
      }
    }
    await Promise.all(Array.from({ length: CONCURRENCY }, worker))
    expect(await first.exited).toBeNull() // killed by a signal: no exit code
    expect(answered().length).toBeGreaterThanOrEqual(KILL_AFTER)
    expect(answered().length).toBeLessThan(DELIVERIES)
    // Everything answered so far was a 202, or a 200 duplicate for a push delivered before: nothing was refused.
    expect([...outcome.values()].filter((s) => typeof s === 'number' && s !== 202 && s !== 200)).toEqual([])
    expect([...outcome.values()].filter((s) => s === 202).length).toBeLessThanOrEqual(COMMITS)
  })

  it('restarts on the same file and takes redeliveries of what got no 2xx', async () => {
    revokeRoute.base = issuer.apiUrl
    second = await startChildService(env())
    collect(second)
    const answeredBefore = new Set(answered())
    const redeliver = Array.from({ length: DELIVERIES }, (_, i) => i).filter((i) => !answeredBefore.has(deliveryId(i)))
    let next = 0
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < redeliver.length) await deliver(second.url, redeliver[next++]!)
      }),
    )
    // A delivery stored just before the kill but never answered comes back as a duplicate (200), not a second row.
    const statuses = redeliver.map((i) => outcome.get(deliveryId(i)))
    expect(statuses.every((s) => s === 202 || s === 200)).toBe(true)
    expect(answered()).toHaveLength(DELIVERIES)
  })

  it('drains: every push answered 2xx is stored once and scanned', async () => {
    db = openNodeDatabase(join(dataDir, 'patrol.db'), { migrate: false })
    await eventually('every push scanned', async () => {
      const [left] = await db.db
        .select({ n: count() })
        .from(pushes)
        .where(or(isNull(pushes.scanStatus), ne(pushes.scanStatus, 'scanned')))
      return left?.n === 0
    })
    const stored = await db.db
      .select({ id: deliveries.deliveryId, scan: pushes.scanStatus })
      .from(deliveries)
      .innerJoin(pushes, eq(pushes.deliveryId, deliveries.id))
    // One row per push, under one of the delivery ids that carried it.
    expect(stored).toHaveLength(COMMITS)
    const pushOf = (id: string) => Number(id.slice('crash-'.length)) % COMMITS
    expect(new Set(stored.map((s) => pushOf(s.id)))).toEqual(new Set(answered().map(pushOf)))
    expect(new Set(answered().map(pushOf)).size).toBe(COMMITS)
    expect(stored.every((s) => s.scan === 'scanned')).toBe(true)
  })

  it('revokes each distinct token in exactly one accepted call, and emails each recipient once', async () => {
    await eventually('every incident responded and every email sent', async () => {
      const open = await db.db
        .select({ n: count() })
        .from(incidents)
        .where(ne(incidents.status, 'revocation_requested'))
      const all = await db.db.select({ n: count() }).from(incidents)
      const unsent = await db.db.select({ n: count() }).from(notifications).where(ne(notifications.status, 'sent'))
      return all[0]?.n === TOKENS && open[0]?.n === 0 && unsent[0]?.n === 0 && smtp.messages.length >= 2 * TOKENS
    })
    const accepted = issuer.calls.filter((c) => c.status === 202).flatMap((c) => c.credentials)
    expect(accepted).toHaveLength(TOKENS)
    expect(new Set(accepted)).toEqual(new Set(tokens))

    const rows = await db.db.select().from(incidents)
    expect(rows.every((r) => r.sealedToken === null)).toBe(true)
    const perIncident = new Map<string, string[]>()
    for (const m of smtp.messages) {
      const incident = String(m.parsed.headers.get('x-patrol-incident'))
      perIncident.set(incident, [...(perIncident.get(incident) ?? []), ...m.envelope.to])
    }
    expect([...perIncident.keys()].sort()).toEqual(rows.map((r) => String(r.id)).sort())
    for (const recipients of perIncident.values()) {
      expect(recipients).toHaveLength(2)
      expect(new Set(recipients).size).toBe(2)
      expect(recipients).toContain(SECURITY)
    }
  })

  it('leaves no planted token in the database file, its WAL, the logs, the mail or the admin API', async () => {
    const sweep = new SecretSweep(tokens)
    const api = async (path: string) => {
      const res = await fetch(`${second.url}${path}`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } })
      expect(res.status).toBe(200)
      return res.text()
    }
    const list = await api('/api/incidents?limit=100')
    sweep.check('GET /api/incidents', list)
    for (const item of (JSON.parse(list) as { items: { id: number }[] }).items)
      sweep.check(`GET /api/incidents/${item.id}`, await api(`/api/incidents/${item.id}`))
    sweep.check('GET /api/stats', await api('/api/stats'))
    for (const m of smtp.messages) sweep.check('smtp', m.raw)
    sweep.check('child stdout and stderr', stdout.join(''))
    sweep.check('child log lines', JSON.stringify([...first.lines, ...second.lines]))
    const files = readdirSync(dataDir).filter((f) => f.startsWith('patrol.db'))
    expect(files).toEqual(expect.arrayContaining(['patrol.db', 'patrol.db-wal']))
    for (const f of files) sweep.check(f, readFileSync(join(dataDir, f)))
    expect(sweep.hits).toEqual([])
    // The logs said something about every delivery: the sweep searched real output.
    const said = (event: string) => stdout.join('').split(`"event":"${event}"`).length - 1
    expect(said('webhook.queued') + said('webhook.duplicate')).toBeGreaterThanOrEqual(DELIVERIES)
  })
})
