/**
 * POST /api/findings through the real app and a real SQLite file: only a reporter token is accepted (and it opens
 * nothing else); a malformed finding is a 400 naming its field that never echoes the token; a token whose checksum
 * does not hold is refused and stores nothing; a valid finding becomes an incident and a `cli` occurrence with its
 * respond job; the same findings sent again change nothing; PATROL_HISTORY_RESPONSE=notify marks history findings.
 */
import { count } from 'drizzle-orm'
import { afterEach, describe, expect, it } from 'vitest'
import { incidents, jobs, occurrences, pushes } from '../../src/db/schema.js'
import { TEST_ADMIN_TOKEN } from '../support/env.js'
import { type TestApp, testApp } from '../support/service-app.js'
import { generateAdoPat, generateGithubToken, mutateOneChar } from '../support/tokens.js'

const REPORTER = 'reporter-token-0123456789abcdef'
let t: TestApp
afterEach(() => t?.cleanup())

async function start(env: Record<string, string> = {}) {
  t = await testApp({ PATROL_REPORTER_TOKENS: `ci:${REPORTER}`, ...env })
}

function submit(body: unknown, token: string | null = REPORTER) {
  return t.app.request('/api/findings', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  })
}

async function counts() {
  const n = async (table: typeof incidents | typeof occurrences | typeof jobs) =>
    (await t.db.db.select({ n: count() }).from(table))[0]!.n
  return { incidents: await n(incidents), occurrences: await n(occurrences), jobs: await n(jobs) }
}

const SHA = 'a'.repeat(40)

describe('who may report', () => {
  it('answers 401 without a token, with an admin token, or with an unknown one, storing nothing', async () => {
    await start()
    const body = { findings: [{ kind: 'github-classic-pat', secret: generateGithubToken('ghp') }] }
    for (const token of [null, TEST_ADMIN_TOKEN, 'not-a-reporter-token-at-all']) {
      const res = await submit(body, token)
      expect(res.status).toBe(401)
      expect(((await res.json()) as { error: string }).error).toMatch(/reporter token/)
    }
    expect(await counts()).toEqual({ incidents: 0, occurrences: 0, jobs: 0 })
  })

  it('opens nothing else with a reporter token', async () => {
    await start()
    for (const path of ['/api/incidents', '/api/stats', '/api/suppressions', '/metrics']) {
      const res = await t.app.request(path, { headers: { authorization: `Bearer ${REPORTER}` } })
      expect(res.status, path).toBe(401)
    }
  })
})

describe('what is accepted', () => {
  it('refuses a malformed finding with a 400 naming the field, never echoing the token, storing nothing', async () => {
    await start()
    const secret = generateGithubToken('ghp')
    const cases: [unknown, RegExp][] = [
      [{ findings: [{ kind: 'github-classic-pat', secret, line: -3 }] }, /^findings\.0\.line: /],
      [{ findings: [{ kind: 'gitlab-pat', secret }] }, /^findings\.0\.kind: expects one of /],
      [{ findings: [{ kind: 'github-classic-pat' }] }, /^findings\.0\.secret: /],
      [{ findings: [{ kind: 'github-classic-pat', secret, commit: secret }] }, /^findings\.0\.commit: expects a hex/],
      [{ findings: [] }, /^findings: expects at least one/],
      [{ tokens: [secret] }, /^(findings|body)/],
    ]
    for (const [body, pattern] of cases) {
      const res = await submit(body)
      expect(res.status).toBe(400)
      const text = await res.text()
      expect(text).not.toContain(secret)
      expect((JSON.parse(text) as { error: string }).error).toMatch(pattern)
    }
    expect(await counts()).toEqual({ incidents: 0, occurrences: 0, jobs: 0 })
    expect(JSON.stringify(t.log.lines)).not.toContain(secret)
  })

  it('refuses a token whose checksum does not hold, or of another kind than claimed, and records nothing', async () => {
    await start()
    const broken = mutateOneChar(generateGithubToken('ghp'), 10)
    const azure = generateAdoPat()
    const res = await submit({
      findings: [
        { kind: 'github-classic-pat', secret: broken, path: 'a.env', line: 1 },
        { kind: 'github-classic-pat', secret: azure, path: 'b.env', line: 1 },
      ],
    })
    expect(res.status).toBe(200)
    const text = await res.text()
    expect(text).not.toContain(broken)
    expect(text).not.toContain(azure)
    expect(JSON.parse(text)).toEqual({
      recorded: 0,
      duplicates: 0,
      refused: 2,
      results: [
        { outcome: 'refused', error: 'findings.0.secret: not a github-classic-pat whose checksum holds' },
        { outcome: 'refused', error: 'findings.1.secret: not a github-classic-pat whose checksum holds' },
      ],
    })
    expect(await counts()).toEqual({ incidents: 0, occurrences: 0, jobs: 0 })
  })
})

describe('recording', () => {
  it('records an incident and a cli occurrence with its place, and its respond job', async () => {
    await start()
    const secret = generateAdoPat()
    const res = await submit({
      findings: [
        {
          kind: 'azure-devops-pat',
          secret,
          platform: 'azure-devops',
          repository: 'web/api',
          commit: SHA,
          path: 'deploy/.env',
          line: 3,
          column: 9,
          committedAt: '2026-01-02T03:04:05Z',
        },
      ],
    })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ recorded: 1, duplicates: 0, refused: 0 })
    const [occurrence] = await t.db.db.select().from(occurrences)
    expect(occurrence).toMatchObject({
      source: 'cli',
      provider: 'azure-devops',
      repository: 'web/api',
      commitSha: SHA,
      path: 'deploy/.env',
      line: 3,
      column: 9,
      committedAt: Date.parse('2026-01-02T03:04:05Z'),
    })
    const [incident] = await t.db.db.select().from(incidents)
    expect(incident).toMatchObject({ kind: 'azure-devops-pat', status: 'new', notifyOnlyReason: null })
    expect((await t.db.db.select().from(jobs)).map((j) => j.kind)).toEqual(['respond'])
    expect(t.enqueued.count).toBe(1)
  })

  it('changes nothing when the same findings are sent again', async () => {
    await start()
    const body = {
      findings: [
        { kind: 'github-classic-pat', secret: generateGithubToken('ghp'), repository: 'acme/api', path: 'a', line: 1 },
        { kind: 'github-classic-pat', secret: generateGithubToken('ghp'), repository: 'acme/api', path: 'b', line: 2 },
      ],
    }
    expect(await (await submit(body)).json()).toMatchObject({ recorded: 2, duplicates: 0 })
    const before = await t.db.db.select().from(incidents)
    t.clock.now += 60_000
    expect(await (await submit(body)).json()).toMatchObject({ recorded: 0, duplicates: 2, refused: 0 })
    expect(await t.db.db.select().from(incidents)).toEqual(before)
    expect(await counts()).toEqual({ incidents: 2, occurrences: 2, jobs: 2 })
  })

  it('marks a finding committed before patrol’s first push from the repository notify-only under PATROL_HISTORY_RESPONSE=notify', async () => {
    await start({ PATROL_HISTORY_RESPONSE: 'notify' })
    const firstPush = Date.parse('2026-06-01T00:00:00Z')
    await t.db.db.insert(pushes).values({
      deliveryId: 1,
      provider: 'github',
      repository: 'acme/api',
      ref: 'refs/heads/main',
      event: 'sealed',
      receivedAt: firstPush,
    })
    const old = generateGithubToken('ghp')
    const recent = generateGithubToken('ghp')
    const finding = (secret: string, committedAt: string) => ({
      kind: 'github-classic-pat',
      secret,
      platform: 'github',
      repository: 'acme/api',
      path: 'x',
      line: 1,
      committedAt,
    })
    await submit({ findings: [finding(old, '2025-01-01T00:00:00Z'), finding(recent, '2026-07-01T00:00:00Z')] })
    const rows = await t.db.db.select().from(incidents)
    expect(rows.map((r) => r.notifyOnlyReason === null)).toEqual([false, true])
    expect(rows[0]!.notifyOnlyReason).toMatch(/PATROL_HISTORY_RESPONSE=notify/)
  })
})
