/**
 * The `scan-push` job end to end: a signed delivery through the real app, the job run by the real runner against the
 * loopback GitHub API, incidents and occurrences in a real SQLite file. Rate limits reschedule the job (checked in
 * `jobs.run_at` against a clock the test moves), 5xx are retried, partial scans say why, removed lines are not
 * findings, encoded tokens are, checksum-failing shapes never become incidents, one token is one incident across
 * repositories, and suppressions record without responding.
 */

import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { count, eq } from 'drizzle-orm'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  auditEvents,
  incidents,
  jobs,
  notifications,
  occurrences,
  pushes,
  scanCommits,
  suppressions,
} from '../../src/db/schema.js'
import { fingerprint, unseal } from '../../src/incidents/sealing.js'
import { DEFAULT_BACKOFF } from '../../src/jobs/backoff.js'
import { rescanPush } from '../../src/jobs/stuck.js'
import { CALL_RETRY } from '../../src/platforms/remote-error.js'
import { type GithubApiStandIn, startGithubApi } from '../support/github-api.js'
import { type Pipeline, startPipeline, tokensAtRest } from '../support/pipeline.js'
import { generateGithubToken, mutateOneChar } from '../support/tokens.js'

const READER = 'reader-token-for-contents'
let gh: GithubApiStandIn
let p: Pipeline | undefined
let repoCounter = 0

beforeAll(async () => {
  gh = await startGithubApi()
  gh.requireToken(READER)
})
afterAll(() => gh.close())
afterEach(async () => {
  await p?.close()
  p = undefined
})

const withReader = (extra: Record<string, string> = {}) =>
  startPipeline({ GITHUB_API_URL: gh.url, GITHUB_TOKEN: READER, ...extra })

/** A fresh repository with a base commit and a head commit applying `files`; returns the push payload. */
function pushOf(
  files: Record<string, string | null>,
  o: { repo?: string; message?: string; base?: Record<string, string> } = {},
) {
  const name = o.repo ?? `acme/repo-${++repoCounter}`
  const repo = gh.repo(name)
  const base = repo.commit({ files: o.base ?? { 'README.md': 'hello\n' } })
  const head = repo.commit({
    parents: [base],
    message: o.message ?? 'change',
    author: { name: 'Dev One', email: 'dev@acme.example' },
    files,
  })
  return { name, payload: gh.pushPayload(name, { ref: 'refs/heads/main', before: base, after: head }), head }
}

async function post(pl: Pipeline, payload: unknown, id = `d-${Math.random()}`) {
  const res = await pl.postGithub(payload, id)
  expect(res.status).toBe(202)
  return id
}

const scanJob = async (pl: Pipeline) => (await pl.jobsOf('scan-push'))[0]!
const scanJobs = (pl: Pipeline) => pl.jobsOf('scan-push')
const allIncidents = (pl: Pipeline) => pl.db.select().from(incidents)
const tokenOccurrences = (pl: Pipeline) => pl.db.select().from(occurrences)

describe('remote failures', () => {
  it('reschedules the job no sooner than Retry-After on a 429 from the content API, then succeeds', async () => {
    p = await withReader()
    const token = generateGithubToken('ghp')
    const { payload } = pushOf({ 'app.env': `TOKEN=${token}\n` })
    await post(p, payload)
    gh.fail({ match: /compare/, status: 429, headers: { 'retry-after': '120', 'x-ratelimit-remaining': '0' } })
    const failedAt = p.clock.now
    await p.drain()

    const waiting = await scanJob(p)
    expect(waiting).toMatchObject({ state: 'queued', attempts: 1 })
    expect(waiting.runAt).toBeGreaterThanOrEqual(failedAt + 120_000)
    expect(waiting.lastError).toMatch(/HTTP 429/)
    expect(await allIncidents(p)).toEqual([])
    expect((await p.db.select().from(pushes))[0]!.scanStatus).toBe('pending')

    // Nothing runs before the time GitHub asked for.
    p.clock.now = waiting.runAt - 1
    await p.drain()
    expect((await scanJob(p)).attempts).toBe(1)

    await p.settle()
    expect(await scanJob(p)).toMatchObject({ state: 'done', attempts: 2 })
    expect(await allIncidents(p)).toHaveLength(1)
  })

  it("honours GitHub's x-ratelimit-reset on a rate-limited 403", async () => {
    p = await withReader()
    const { payload } = pushOf({ 'app.env': `TOKEN=${generateGithubToken('ghp')}\n` })
    await post(p, payload)
    const reset = Math.floor(Date.now() / 1000) + 600
    gh.fail({
      match: /compare/,
      status: 403,
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) },
      body: '{"message":"API rate limit exceeded"}',
    })
    const failedAt = p.clock.now
    await p.drain()
    const waiting = await scanJob(p)
    expect(waiting.state).toBe('queued')
    // The reset is an absolute time; allow for the milliseconds between computing it and the job's failure.
    expect(waiting.runAt).toBeGreaterThanOrEqual(failedAt + 595_000)
    await p.settle()
    expect((await scanJob(p)).state).toBe('done')
    expect(await allIncidents(p)).toHaveLength(1)
  })

  it('retries a 5xx that outlasts the call’s own retries with backoff, then succeeds', async () => {
    p = await withReader()
    const { payload } = pushOf({ 'app.env': `TOKEN=${generateGithubToken('ghp')}\n` })
    await post(p, payload)
    gh.fail({ match: /compare/, status: 502, times: 2 * CALL_RETRY.tries })
    await p.drain()
    const first = await scanJob(p)
    expect(first).toMatchObject({ state: 'queued', attempts: 1 })
    expect(first.runAt).toBeGreaterThan(p.clock.now)
    expect(first.lastError).toMatch(/HTTP 502/)
    await p.settle()
    expect(await scanJob(p)).toMatchObject({ state: 'done', attempts: 3 })
    expect(await allIncidents(p)).toHaveLength(1)
    expect((await p.db.select().from(pushes))[0]).toMatchObject({ scanStatus: 'scanned', findings: 1 })
  })

  it('continues a failed scan where it stopped: commits read whole are not read again, their totals still counted', async () => {
    p = await withReader()
    const token = generateGithubToken('ghp')
    const name = `acme/repo-${++repoCounter}`
    const repo = gh.repo(name)
    const base = repo.commit({ files: { 'README.md': 'hello\n' } })
    const shas: string[] = []
    for (let i = 0; i < 4; i++)
      shas.push(
        repo.commit({
          parents: [shas.at(-1) ?? base],
          message: `step ${i}`,
          files: { [`step-${i}.env`]: i === 1 ? `TOKEN=${token}\n` : `STEP=${i}\n` },
        }),
      )
    await post(p, gh.pushPayload(name, { ref: 'refs/heads/main', before: base, after: shas[3]! }))
    const reads = (sha: string) => gh.requests.filter((r) => r.path.endsWith(`/commits/${sha}`)).length
    // The last commit cannot be read during the first attempt (every in-call retry fails too).
    gh.fail({ match: new RegExp(`/commits/${shas[3]}`), status: 503, times: CALL_RETRY.tries })
    await p.drain()
    expect(await scanJob(p)).toMatchObject({ state: 'queued', attempts: 1 })
    // The token of commit 2 was recorded as it was found, before the scan failed.
    expect(await allIncidents(p)).toHaveLength(1)
    expect(shas.map(reads)).toEqual([1, 1, 1, CALL_RETRY.tries])

    await p.settle()
    expect(await scanJob(p)).toMatchObject({ state: 'done', attempts: 2 })
    expect(shas.map(reads)).toEqual([1, 1, 1, CALL_RETRY.tries + 1])
    // Totals as for a scan in one go (4 files, not the 1 this attempt read; one finding); the progress rows cleared.
    expect((await p.db.select().from(pushes))[0]).toMatchObject({ scanStatus: 'scanned', findings: 1, filesScanned: 4 })
    expect(await p.db.select().from(scanCommits)).toEqual([])
    expect(await tokenOccurrences(p)).toHaveLength(1)
  })

  it('retries a scan that read more commits before it failed within the base backoff, its failing clock restarted', async () => {
    p = await withReader()
    const name = `acme/repo-${++repoCounter}`
    const repo = gh.repo(name)
    const base = repo.commit({ files: { 'README.md': 'hello\n' } })
    const shas: string[] = []
    for (let i = 0; i < 4; i++)
      shas.push(repo.commit({ parents: [shas.at(-1) ?? base], files: { [`step-${i}.env`]: `STEP=${i}\n` } }))
    await post(p, gh.pushPayload(name, { ref: 'refs/heads/main', before: base, after: shas[3]! }))
    // First attempt: fails on the first commit, nothing read. Second: reads three commits, fails on the last.
    gh.fail({ match: new RegExp(`/commits/${shas[0]}`), status: 503, times: CALL_RETRY.tries })
    gh.fail({ match: new RegExp(`/commits/${shas[3]}`), status: 503, times: CALL_RETRY.tries })
    await p.drain()
    const first = (await scanJob(p))!
    expect(first).toMatchObject({ state: 'queued', failingSince: p.clock.now })
    // A minute later (as if the queue had been busy), the second attempt makes progress before failing.
    p.clock.now += 60_000
    await p.drain()
    const second = (await scanJob(p))!
    expect(second).toMatchObject({ state: 'queued', attempts: 2, failingSince: p.clock.now })
    expect(second.runAt - p.clock.now).toBeLessThanOrEqual(DEFAULT_BACKOFF.baseMs)
    await p.settle()
    expect(await scanJob(p)).toMatchObject({ state: 'done', attempts: 3 })
  })
})

describe('what a push added', () => {
  it('records a partial scan, with its reason, when the push exceeds PATROL_MAX_PUSH_BYTES', async () => {
    p = await withReader({ PATROL_MAX_PUSH_BYTES: '300' })
    const early = generateGithubToken('ghp')
    const late = generateGithubToken('ghp')
    const { payload } = pushOf({
      'a.env': `A=${early}\n`,
      'b.txt': `${'filler line\n'.repeat(100)}`,
      'c.env': `C=${late}\n`,
    })
    await post(p, payload)
    await p.settle()
    const [row] = await p.db.select().from(pushes)
    expect(row!.scanStatus).toBe('partial')
    expect(row!.bytesScanned).toBeLessThanOrEqual(300)
    expect(JSON.parse(row!.partialReasons!)).toEqual([
      expect.stringMatching(/exceeds the 300-byte scan limit; the rest was not scanned/),
    ])
    // What was read before the limit still counts.
    const found = await allIncidents(p)
    expect(found).toHaveLength(1)
    expect(found[0]!.preview).toBe(`${early.slice(0, 4)}…${early.slice(-4)}`)
  })

  it('does not report a token that the push removed, and reports the one it added', async () => {
    p = await withReader()
    const removed = generateGithubToken('ghp')
    const added = generateGithubToken('ghp')
    const { payload } = pushOf(
      { 'config.env': `REGION=eu\nNEW=${added}\n` },
      { base: { 'config.env': `REGION=eu\nOLD=${removed}\n` } },
    )
    await post(p, payload)
    await p.settle()
    const found = await allIncidents(p)
    expect(found.map((i) => i.preview)).toEqual([`${added.slice(0, 4)}…${added.slice(-4)}`])
    const [o] = await tokenOccurrences(p)
    expect(o).toMatchObject({ path: 'config.env', line: 2, encoding: 'plain' })
  })

  it('finds a token encoded in a Basic auth header, recording its encoding', async () => {
    p = await withReader()
    const token = generateGithubToken('ghp')
    const header = Buffer.from(`x-access-token:${token}`).toString('base64')
    const { payload } = pushOf({
      'scripts/fetch.sh': `#!/bin/sh\ncurl -H "Authorization: Basic ${header}" https://example.com/\n`,
    })
    await post(p, payload)
    await p.settle()
    const found = await allIncidents(p)
    expect(found).toHaveLength(1)
    expect(found[0]!.kind).toBe('github-classic-pat')
    const [o] = await tokenOccurrences(p)
    expect(o).toMatchObject({ path: 'scripts/fetch.sh', line: 2, encoding: expect.stringMatching(/^base64/) })
    expect(tokensAtRest(p.dir, [token])).toEqual([])
  })

  it('without GITHUB_TOKEN scans only commit messages, and marks the push partial naming the variable', async () => {
    p = await startPipeline({ GITHUB_API_URL: gh.url })
    const inMessage = generateGithubToken('ghp')
    const inFile = generateGithubToken('ghp')
    const { payload } = pushOf({ 'app.env': `T=${inFile}\n` }, { message: `debug\n\nuse ${inMessage} for now` })
    const before = gh.requests.length
    await post(p, payload)
    await p.drain()
    // No content was read: nothing under /repos/ (the response may still call /credentials/revoke).
    expect(gh.requests.slice(before).filter((r) => r.path.startsWith('/repos/'))).toEqual([])
    const [row] = await p.db.select().from(pushes)
    expect(row!.scanStatus).toBe('partial')
    expect(JSON.parse(row!.partialReasons!)).toEqual([expect.stringContaining('GITHUB_TOKEN')])
    const found = await allIncidents(p)
    expect(found.map((i) => i.preview)).toEqual([`${inMessage.slice(0, 4)}…${inMessage.slice(-4)}`])
    expect(await tokenOccurrences(p)).toEqual([expect.objectContaining({ path: '(commit message)', line: 3 })])
  })

  it('creates no incident for a checksum-failing (low-confidence) token', async () => {
    p = await withReader()
    const real = generateGithubToken('ghp')
    const fake = mutateOneChar(real, 12)
    const { payload } = pushOf(
      { 'app.env': `T=${fake}\n` },
      { message: `also ${mutateOneChar(generateGithubToken('ghp'), 20)}` },
    )
    await post(p, payload)
    await p.settle()
    expect(await allIncidents(p)).toEqual([])
    expect((await p.db.select().from(pushes))[0]).toMatchObject({ scanStatus: 'scanned', findings: 0 })
    expect(await p.jobsOf('respond')).toEqual([])
  })
})

describe('recording', () => {
  it('makes one incident of the same token in two repositories, with two occurrences and one response', async () => {
    p = await withReader()
    const token = generateGithubToken('ghp')
    const first = pushOf({ 'deploy.env': `GH=${token}\n` })
    const second = pushOf({ 'ci/config.yml': `env:\n  GH: ${token}\n` })
    await post(p, first.payload)
    await post(p, second.payload)
    await p.drain()
    const rows = await allIncidents(p)
    expect(rows).toHaveLength(1)
    const places = await tokenOccurrences(p)
    expect(places.map((o) => [o.repository, o.path, o.line, o.commitSha]).sort()).toEqual(
      [
        [first.name, 'deploy.env', 1, first.head],
        [second.name, 'ci/config.yml', 2, second.head],
      ].sort(),
    )
    expect(places.every((o) => o.incidentId === rows[0]!.id)).toBe(true)
    expect(await p.jobsOf('respond')).toHaveLength(1)
  })

  it('the same push delivered again under another delivery id is not scanned again and adds no occurrence', async () => {
    p = await withReader()
    const token = generateGithubToken('ghp')
    const { payload } = pushOf({ 'a.env': `T=${token}\n` })
    await post(p, payload, 'first')
    expect((await p.postGithub(payload, 'second-delivery-of-the-same-push')).status).toBe(200)
    await p.drain()
    expect(await p.jobsOf('scan-push')).toHaveLength(1)
    expect(await allIncidents(p)).toHaveLength(1)
    expect(await tokenOccurrences(p)).toHaveLength(1)
  })

  it('records a token suppressed by fingerprint as `suppressed`: no response, no email, its sealed token kept for an admin', async () => {
    p = await withReader({ PATROL_SECURITY_EMAILS: 'security@acme.example' })
    const token = generateGithubToken('ghp')
    const now = p.clock.now
    await p.db.insert(suppressions).values({
      fingerprint: await fingerprint(p.keys, token),
      reason: 'test fixture, revoked long ago',
      author: 'admin:tester',
      createdAt: now,
    })
    const { payload } = pushOf({ 'a.env': `T=${token}\n` })
    await post(p, payload)
    await p.settle()
    const [row] = await allIncidents(p)
    expect(row).toMatchObject({ status: 'suppressed', suppressionId: expect.any(Number) })
    expect(row!.sealedToken).toMatch(/^v1\./)
    expect(await p.jobsOf('respond')).toEqual([])
    expect(await p.db.select().from(notifications)).toEqual([])
    expect(existsSync(join(p.dir, 'outbox'))).toBe(false)
    const trail = await p.db.select().from(auditEvents).where(eq(auditEvents.subjectId, row!.id))
    expect(trail.map((e) => e.action)).toEqual(['incident.suppressed'])
    expect(tokensAtRest(p.dir, [token])).toEqual([])
  })

  it('suppresses by repository and path glob, and only there', async () => {
    p = await withReader()
    const fixture = generateGithubToken('ghp')
    const real = generateGithubToken('ghp')
    await p.db.insert(suppressions).values({
      repository: 'acme/fixtures',
      pathGlob: 'test/**',
      reason: 'scanner fixtures',
      author: 'admin:tester',
      createdAt: p.clock.now,
    })
    const { payload } = pushOf(
      { 'test/data/sample.env': `T=${fixture}\n`, 'src/app.env': `T=${real}\n` },
      { repo: 'acme/fixtures' },
    )
    await post(p, payload)
    await p.drain()
    const rows = await allIncidents(p)
    const byPreview = Object.fromEntries(rows.map((r) => [r.preview, r.status]))
    expect(byPreview).toEqual({
      [`${fixture.slice(0, 4)}…${fixture.slice(-4)}`]: 'suppressed',
      [`${real.slice(0, 4)}…${real.slice(-4)}`]: expect.stringMatching(/^(new|responding)$/),
    })
    const respond = await p.jobsOf('respond')
    expect(respond).toHaveLength(1)
    expect(JSON.parse(respond[0]!.payload)).toEqual({ incidentId: rows.find((r) => r.status !== 'suppressed')!.id })
    const [{ n }] = (await p.db.select({ n: count() }).from(jobs).where(eq(jobs.kind, 'notify'))) as [{ n: number }]
    expect(n).toBe(0)
  })
})

describe('what the scan leaves behind', () => {
  it('erases the sealed push event once the scan is over: the database and the sealing key (a backup) no longer give back a token leaked in a commit message', async () => {
    p = await withReader()
    const token = generateGithubToken('ghp')
    const { payload } = pushOf({ 'a.txt': 'harmless\n' }, { message: `deploy with ${token}` })
    await post(p, payload)
    const [before] = await p.db.select().from(pushes)
    expect(await unseal(p.keys, before!.event)).toContain(token)
    await p.settle()
    const [row] = await p.db.select().from(pushes)
    expect(row).toMatchObject({ scanStatus: 'scanned', findings: 1, event: '' })
    // No push row holds anything sealed any more (the incident's sealed token has its own erasure: respond).
    const sealed = p.sqlite.prepare(`select count(*) as n from pushes where event like 'v1.%'`).get() as { n: number }
    expect(sealed.n).toBe(0)
  })

  it('keeps the sealed event of a push whose scan failed, for an admin to rescan after a fix', async () => {
    p = await startPipeline({ GITHUB_API_URL: gh.url, GITHUB_TOKEN: 'a-token-github-does-not-know' })
    const { payload } = pushOf({ 'a.env': 'A=1\n' })
    await post(p, payload)
    await p.settle()
    const [row] = await p.db.select().from(pushes)
    expect(row).toMatchObject({ scanStatus: 'failed', event: expect.stringMatching(/^v1\./) })
  })

  it('leaves a completely scanned push `scanned` when it is scanned again (its event is gone)', async () => {
    p = await withReader()
    const { payload } = pushOf({ 'a.env': 'A=1\n' })
    await post(p, payload)
    await p.settle()
    const [row] = await p.db.select().from(pushes)
    expect(row).toMatchObject({ scanStatus: 'scanned', event: '' })
    await rescanPush(p.db, row!.id, 'admin:tester', p.clock.now)
    await p.settle()
    expect((await p.db.select().from(pushes))[0]).toMatchObject({ scanStatus: 'scanned', event: '' })
    expect((await scanJobs(p)).map((j) => j.state)).toEqual(['done', 'done'])
  })
})

describe('visible failures', () => {
  it('marks the push `failed`, with the reason, when its scan fails for good (the reader token is refused)', async () => {
    p = await startPipeline({ GITHUB_API_URL: gh.url, GITHUB_TOKEN: 'a-token-github-does-not-know' })
    const { payload } = pushOf({ 'a.env': `T=${generateGithubToken('ghp')}\n` })
    await post(p, payload)
    await p.settle()
    expect(await scanJob(p)).toMatchObject({ state: 'dead', attempts: 1 })
    const [row] = await p.db.select().from(pushes)
    expect(row!.scanStatus).toBe('failed')
    expect(JSON.parse(row!.partialReasons!)).toEqual([expect.stringMatching(/HTTP 401/)])
    expect(row!.partialReasons).not.toContain('a-token-github-does-not-know')
  })

  it('marks the push `failed` when the content API keeps failing until PATROL_GIVE_UP_AFTER has passed', async () => {
    p = await withReader({ PATROL_GIVE_UP_AFTER: '30s' })
    const { payload } = pushOf({ 'a.env': `T=${generateGithubToken('ghp')}\n` }, { repo: 'acme/unreachable' })
    await post(p, payload)
    gh.fail({ match: /unreachable\/compare/, status: 500, times: Number.POSITIVE_INFINITY })
    const start = p.clock.now
    await p.settle(24 * 3_600_000)
    const job = await scanJob(p)
    // Retried for 30 s of backoff (2, 4, 8, 16 s …), then one attempt that started after it: dead.
    expect(job.state).toBe('dead')
    expect(job.attempts).toBeGreaterThan(3)
    expect(job.updatedAt - start).toBeGreaterThanOrEqual(30_000)
    const [row] = await p.db.select().from(pushes)
    expect(row!.scanStatus).toBe('failed')
    expect(JSON.parse(row!.partialReasons!)).toEqual([expect.stringMatching(/HTTP 500/)])
  })

  it('keeps the push `pending` while a retry is still to come', async () => {
    p = await withReader()
    const { payload } = pushOf({ 'a.env': `T=${generateGithubToken('ghp')}\n` })
    await post(p, payload)
    gh.fail({ match: /compare/, status: 500, times: CALL_RETRY.tries })
    await p.drain()
    expect((await p.db.select().from(pushes))[0]!.scanStatus).toBe('pending')
  })
})

describe('suppressions cover places, not the token everywhere', () => {
  it('responds when a token first seen in a suppressed path leaks again outside it', async () => {
    p = await withReader()
    const token = generateGithubToken('ghp')
    await p.db.insert(suppressions).values({
      repository: 'acme/fixtures2',
      pathGlob: 'test/**',
      reason: 'scanner fixtures',
      author: 'admin:tester',
      createdAt: p.clock.now,
    })
    await post(p, pushOf({ 'test/sample.env': `T=${token}\n` }, { repo: 'acme/fixtures2' }).payload)
    await p.drain()
    expect((await allIncidents(p))[0]).toMatchObject({
      status: 'suppressed',
      sealedToken: expect.stringMatching(/^v1\./),
    })
    expect(await p.jobsOf('respond')).toEqual([])

    // The same token, now in production code: a real leak, which the fixture suppression does not cover.
    await post(p, pushOf({ 'src/prod.env': `T=${token}\n` }, { repo: 'acme/prod' }).payload)
    await p.drain()
    const [row] = await allIncidents(p)
    expect(row!.status).toBe('responding')
    expect(await p.jobsOf('respond')).toHaveLength(1)
    expect(await tokenOccurrences(p)).toHaveLength(2)
    const trail = await p.db.select().from(auditEvents).where(eq(auditEvents.subjectId, row!.id))
    expect(trail.map((e) => e.action)).toEqual(['incident.suppressed', 'status.new', 'status.responding'])
    // …and a later sighting in the suppressed path changes nothing.
    await post(p, pushOf({ 'test/other.env': `T=${token}\n` }, { repo: 'acme/fixtures2' }).payload)
    await p.drain()
    expect(await p.jobsOf('respond')).toHaveLength(1)
  })

  it('keeps a fingerprint-suppressed token suppressed wherever it appears', async () => {
    p = await withReader()
    const token = generateGithubToken('ghp')
    await p.db.insert(suppressions).values({
      fingerprint: await fingerprint(p.keys, token),
      reason: 'known test token',
      author: 'admin:tester',
      createdAt: p.clock.now,
    })
    await post(p, pushOf({ 'a.env': `T=${token}\n` }).payload)
    await post(p, pushOf({ 'b.env': `T=${token}\n` }).payload)
    await p.drain()
    expect((await allIncidents(p)).map((i) => i.status)).toEqual(['suppressed'])
    expect(await p.jobsOf('respond')).toEqual([])
  })
})
