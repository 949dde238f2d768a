import { Validator } from '@seriousme/openapi-schema-validator'
import { eq } from 'drizzle-orm'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { auditEvents, incidents, jobs, suppressions } from '../../src/db/schema.js'
import { type Place, recordFinding } from '../../src/incidents/ingest/record.js'
import { eraseDeadToken, transition } from '../../src/incidents/transitions.js'
import type { TokenKind } from '../../src/scan/types.js'
import { TEST_ADMIN_TOKEN } from '../support/env.js'
import { type TestApp, testApp } from '../support/service-app.js'
import { generateAdoPat, generateGithubToken } from '../support/tokens.js'

let t: TestApp
beforeEach(async () => {
  t = await testApp()
})
afterEach(() => t.cleanup())

const place = (over: Partial<Place> = {}): Place => ({
  provider: 'github',
  repository: 'acme/app',
  path: 'config.env',
  line: 1,
  encoding: 'plain',
  commitSha: 'a'.repeat(40),
  ...over,
})

async function incident(o: { token?: string; kind?: TokenKind; at?: number; where?: Partial<Place> } = {}) {
  const kind = o.kind ?? 'github-classic-pat'
  const token = o.token ?? (kind === 'azure-devops-pat' ? generateAdoPat() : generateGithubToken('ghp'))
  const at = o.at ?? t.clock.now
  const r = await recordFinding(
    t.db.db,
    t.keys,
    { kind, issuer: kind.startsWith('azure') ? 'azure-devops' : 'github', secret: token },
    place(o.where),
    { now: at, pushedAt: at - 1000 },
  )
  return { id: r.incidentId, token }
}

const json = async (res: Response) => (await res.json()) as Record<string, any>

describe('authentication', () => {
  const routes: [string, string, unknown?][] = [
    ['GET', '/api/incidents'],
    ['GET', '/api/incidents/1'],
    ['GET', '/api/incidents/999999'],
    ['POST', '/api/incidents/1/actions', { action: 'resolve' }],
    ['GET', '/api/suppressions'],
    ['POST', '/api/suppressions', { repository: 'a/b', reason: 'x' }],
    ['DELETE', '/api/suppressions/1'],
    ['GET', '/api/stats'],
    ['GET', '/metrics'],
  ]
  it.each(routes)(
    '%s %s: 401 without a token and with a wrong one, the same answer whether the id exists or not',
    async (method, path, body) => {
      await incident()
      const init = (auth?: string): RequestInit => ({
        method,
        headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      })
      for (const auth of [
        undefined,
        'Bearer wrong-token-wrong-token',
        `Basic ${btoa(`x:${TEST_ADMIN_TOKEN}`)}`,
        `Bearer ${TEST_ADMIN_TOKEN}x`,
      ]) {
        const res = await t.app.request(path, init(auth))
        expect(res.status, `${auth}`).toBe(401)
        expect((await json(res)).error).toBe('authorization: expects `Bearer <admin token>`')
      }
      const ok = await t.app.request(path, init(`Bearer ${TEST_ADMIN_TOKEN}`))
      expect(ok.status).not.toBe(401)
    },
  )

  it('changes nothing on an unauthenticated write', async () => {
    const { id } = await incident()
    await t.app.request(`/api/incidents/${id}/actions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"action":"false_positive"}',
    })
    const [row] = await t.db.db.select().from(incidents).where(eq(incidents.id, id))
    expect(row?.status).toBe('new')
  })
})

describe('GET /api/incidents', () => {
  it('lists newest first with the summary fields', async () => {
    const a = await incident({ at: t.clock.now - 2000 })
    await recordFinding(
      t.db.db,
      t.keys,
      { kind: 'github-classic-pat', issuer: 'github', secret: a.token },
      place({ repository: 'acme/other', path: 'x', line: 3 }),
      { now: t.clock.now, pushedAt: t.clock.now },
    )
    const b = await incident({ kind: 'azure-devops-pat', at: t.clock.now - 1000 })
    const body = await json(await t.admin('/api/incidents'))
    expect(body.items.map((i: { id: number }) => i.id)).toEqual([b.id, a.id])
    expect(body.items[1]).toMatchObject({
      status: 'new',
      kind: 'github-classic-pat',
      issuer: 'github',
      occurrences: 2,
      repositories: ['acme/app', 'acme/other'],
      timeToRevokeMs: null,
    })
    expect(body.items[1].preview).toBe(`${a.token.slice(0, 4)}…${a.token.slice(-4)}`)
    expect(JSON.stringify(body)).not.toContain(a.token)
  })

  it('filters by status, kind, issuer, repository, time and text', async () => {
    const gh = await incident({ at: t.clock.now - 10_000, where: { repository: 'acme/web', path: 'src/secrets.ts' } })
    const ado = await incident({ kind: 'azure-devops-pat', at: t.clock.now - 5_000 })
    await transition(t.db.db, { incidentId: ado.id, from: 'new', to: 'responding', actor: 'patrol', now: t.clock.now })
    const ids = async (query: string) =>
      (await json(await t.admin(`/api/incidents?${query}`))).items.map((i: { id: number }) => i.id)
    expect(await ids('status=responding')).toEqual([ado.id])
    expect(await ids('kind=github-classic-pat')).toEqual([gh.id])
    expect(await ids('issuer=azure-devops')).toEqual([ado.id])
    expect(await ids('repository=acme/web')).toEqual([gh.id])
    expect(await ids(`since=${new Date(t.clock.now - 7000).toISOString()}`)).toEqual([ado.id])
    expect(await ids(`until=${new Date(t.clock.now - 7000).toISOString()}`)).toEqual([gh.id])
    expect(await ids('q=secrets.ts')).toEqual([gh.id])
    expect(await ids('q=100%25')).toEqual([])
    // Several statuses at once; a repository by a part of its name, any case.
    expect((await ids('status=responding,new')).sort()).toEqual([gh.id, ado.id].sort())
    expect(await ids('repository=ACME/WE')).toEqual([gh.id])
  })

  it('exports the filtered list as CSV: every match, previews only, the attention view by risk', async () => {
    const gh = await incident({ where: { repository: 'acme/web' } })
    const ado = await incident({ kind: 'azure-devops-pat' })
    await transition(t.db.db, { incidentId: ado.id, from: 'new', to: 'responding', actor: 'patrol', now: t.clock.now })
    await transition(t.db.db, {
      incidentId: ado.id,
      from: 'responding',
      to: 'revoked',
      actor: 'patrol',
      now: t.clock.now,
    })
    const res = await t.admin('/api/incidents.csv?attention=true')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/)
    const lines = (await res.text()).trimEnd().split('\r\n')
    expect(lines[0]).toMatch(/^id,status,status_label,may_be_live,/)
    expect(lines.slice(1).map((l) => Number(l.split(',')[0]))).toEqual([gh.id])
    const all = await (await t.admin('/api/incidents.csv?status=new,revoked')).text()
    expect(all.trimEnd().split('\r\n')).toHaveLength(3)
    for (const token of [gh.token, ado.token]) expect(all).not.toContain(token)
    expect((await t.admin('/api/incidents.csv?status=lost')).status).toBe(400)
  })

  it.each([
    ['status=lost', 'status'],
    ['limit=0', 'limit'],
    ['limit=201', 'limit'],
    ['since=yesterday', 'since: expects an ISO 8601 date-time'],
    ['cursor=garbage', 'cursor: expects the nextCursor of a previous page'],
    ['kind=aws', 'kind'],
  ])('refuses %s with a 400 naming the field', async (query, message) => {
    const res = await t.admin(`/api/incidents?${query}`)
    expect(res.status).toBe(400)
    expect((await json(res)).error).toContain(message)
  })

  it('pages with a cursor that stays stable while new incidents arrive: nothing skipped or repeated', async () => {
    const created: number[] = []
    for (let i = 0; i < 25; i++) created.push((await incident({ at: t.clock.now - 100_000 + i * 100 })).id)
    const seen: number[] = []
    let cursor: string | null = null
    let round = 0
    do {
      const body: Record<string, any> = await json(
        await t.admin(`/api/incidents?limit=7${cursor ? `&cursor=${cursor}` : ''}`),
      )
      seen.push(...body.items.map((i: { id: number }) => i.id))
      cursor = body.nextCursor
      // New incidents keep arriving between pages, some with the same first-seen time as the page boundary.
      await incident({ at: t.clock.now + round++ })
    } while (cursor)
    expect(seen).toEqual([...created].reverse())
  })
})

describe('GET /api/incidents/:id', () => {
  it('returns the incident with one timeline of occurrences, attempts, emails and audit events', async () => {
    const { id } = await incident()
    const body = await json(await t.admin(`/api/incidents/${id}`))
    expect(body.id).toBe(id)
    expect(body.timeline.map((e: { type: string }) => e.type).sort()).toEqual(['audit', 'occurrence'])
    expect(body.occurrencesList[0]).toMatchObject({ repository: 'acme/app', path: 'config.env' })
  })

  it('answers 404 for an unknown id and 400 for a malformed one', async () => {
    expect((await t.admin('/api/incidents/424242')).status).toBe(404)
    const bad = await t.admin('/api/incidents/abc')
    expect(bad.status).toBe(400)
    expect((await json(bad)).error).toMatch(/^id:/)
  })
})

describe('POST /api/incidents/:id/actions', () => {
  async function act(id: number, action: string, note?: string) {
    return t.admin(`/api/incidents/${id}/actions`, { method: 'POST', body: JSON.stringify({ action, note }) })
  }

  async function at(status: 'revoked' | 'revoke_failed' | 'responding' | 'inactive') {
    const { id } = await incident()
    await transition(t.db.db, { incidentId: id, from: 'new', to: 'responding', actor: 'patrol', now: t.clock.now })
    if (status !== 'responding')
      await transition(t.db.db, { incidentId: id, from: 'responding', to: status, actor: 'patrol', now: t.clock.now })
    return id
  }

  it('resolves, records the admin and the note, and reopens to the previous state', async () => {
    const id = await at('revoked')
    const res = await act(id, 'resolve', 'owner rotated the token')
    expect(res.status).toBe(200)
    expect(await json(res)).toEqual({ id, from: 'revoked', to: 'resolved' })
    const trail = await t.db.db.select().from(auditEvents).where(eq(auditEvents.subjectId, id))
    expect(trail.at(-1)).toMatchObject({ actor: 'admin:tester', action: 'status.resolved' })
    expect(JSON.parse(trail.at(-1)!.detail!)).toMatchObject({ from: 'revoked', note: 'owner rotated the token' })
    expect(await json(await act(id, 'reopen'))).toEqual({ id, from: 'resolved', to: 'revoked' })
  })

  it('retries a failed response: back to responding, a new respond job, the runner woken', async () => {
    const id = await at('revoke_failed')
    expect(await json(await act(id, 'retry_response'))).toMatchObject({ from: 'revoke_failed', to: 'responding' })
    const respondJobs = (await t.db.db.select().from(jobs)).filter(
      (j) => j.kind === 'respond' && JSON.parse(j.payload).incidentId === id,
    )
    expect(respondJobs).toHaveLength(2)
    expect(t.enqueued.count).toBe(1)
  })

  it('verify now: queues a check of the held token, answers with the state unchanged, and wakes the runner', async () => {
    const id = await at('revoke_failed')
    const res = await act(id, 'verify_now', 'owner says it is rotated')
    expect(res.status).toBe(200)
    expect(await json(res)).toEqual({ id, from: 'revoke_failed', to: 'revoke_failed' })
    const checks = (await t.db.db.select().from(jobs)).filter((j) => j.kind === 'verify-now')
    expect(checks.map((j) => JSON.parse(j.payload))).toEqual([{ incidentId: id, actor: 'admin:tester' }])
    expect(t.enqueued.count).toBe(1)
    const trail = await t.db.db.select().from(auditEvents).where(eq(auditEvents.subjectId, id))
    expect(trail.at(-1)).toMatchObject({ actor: 'admin:tester', action: 'verify_now.requested' })
    expect(JSON.parse(trail.at(-1)!.detail!)).toEqual({ note: 'owner says it is rotated' })
    expect((await t.db.db.select().from(incidents).where(eq(incidents.id, id)))[0]?.status).toBe('revoke_failed')
  })

  it.each([
    ['responding', 'resolve', 'incident is responding; resolve applies once'],
    [
      'revoked',
      'verify_now',
      'incident is revoked; verify_now applies to revocation_requested, revoke_failed or revoke_unconfirmed',
    ],
    ['revoked', 'retry_response', 'incident is revoked; retry_response applies to revoke_failed or revoke_unconfirmed'],
    ['revoked', 'reopen', 'incident is revoked; reopen applies to resolved or false_positive'],
    ['responding', 'false_positive', 'incident is responding'],
  ] as const)('refuses from %s: %s with 409 naming the state, changing nothing', async (status, action, message) => {
    const id = await at(status)
    const res = await act(id, action)
    expect(res.status).toBe(409)
    expect((await json(res)).error).toContain(message)
    const [row] = await t.db.db.select().from(incidents).where(eq(incidents.id, id))
    expect(row?.status).toBe(status)
  })

  const sealedOf = async (id: number) =>
    (await t.db.db.select().from(incidents).where(eq(incidents.id, id)))[0]?.sealedToken ?? null

  it('keeps the sealed token of an incident closed while it may work, until a check finds the token dead', async () => {
    const id = await at('revoke_failed')
    const sealed = await sealedOf(id)
    expect(sealed).toBeTruthy()
    await act(id, 'false_positive')
    await act(id, 'reopen')
    await act(id, 'resolve')
    expect(await sealedOf(id)).toBe(sealed)

    expect(await eraseDeadToken(t.db.db, { incidentId: id, actor: 'patrol', now: t.clock.now })).toBe(true)
    const [row] = await t.db.db.select().from(incidents).where(eq(incidents.id, id))
    expect(row).toMatchObject({ status: 'resolved', sealedToken: null, confirmedDeadAt: t.clock.now })
    const trail = await t.db.db.select().from(auditEvents).where(eq(auditEvents.subjectId, id))
    expect(trail.at(-1)).toMatchObject({ actor: 'patrol', action: 'incident.token_dead' })
    expect(await eraseDeadToken(t.db.db, { incidentId: id, actor: 'patrol', now: t.clock.now })).toBe(false)
  })

  it('erases no token of an open incident on a dead check, and holds none once closed from a dead state', async () => {
    const failed = await at('revoke_failed')
    expect(await eraseDeadToken(t.db.db, { incidentId: failed, actor: 'patrol', now: t.clock.now })).toBe(false)
    expect(await sealedOf(failed)).toBeTruthy()
    const id = await at('inactive')
    await act(id, 'resolve')
    expect(await sealedOf(id)).toBeNull()
  })

  it('erases the kept token when the reopened incident is responded to again and the response ends', async () => {
    const id = await at('revoke_failed')
    await act(id, 'resolve')
    expect(await json(await act(id, 'reopen'))).toMatchObject({ to: 'revoke_failed' })
    await act(id, 'retry_response')
    expect(await sealedOf(id)).toBeTruthy()
    await transition(t.db.db, { incidentId: id, from: 'responding', to: 'revoked', actor: 'patrol', now: t.clock.now })
    expect(await sealedOf(id)).toBeNull()
  })

  it('validates the body', async () => {
    const { id } = await incident()
    const res = await act(id, 'delete')
    expect(res.status).toBe(400)
    expect((await json(res)).error).toMatch(/^action:/)
    expect((await t.admin(`/api/incidents/${id}/actions`, { method: 'POST', body: '{oops' })).status).toBe(400)
  })
})

describe('suppressions', () => {
  it('suppresses a token by fingerprint: later sightings are recorded as suppressed and get no response', async () => {
    const token = generateGithubToken('ghp')
    const res = await t.admin('/api/suppressions', {
      method: 'POST',
      body: JSON.stringify({ token, reason: 'published test fixture' }),
    })
    expect(res.status).toBe(201)
    const created = await json(res)
    expect(created).toMatchObject({
      kind: 'token',
      author: 'tester',
      reason: 'published test fixture',
      repository: null,
    })
    expect(JSON.stringify(created)).not.toContain(token)
    const stored = await t.db.db.select().from(suppressions)
    expect(JSON.stringify(stored)).not.toContain(token)

    const { id } = await incident({ token, where: { repository: 'any/where' } })
    const [row] = await t.db.db.select().from(incidents).where(eq(incidents.id, id))
    expect(row).toMatchObject({ status: 'suppressed', suppressionId: created.id })
    expect(row?.sealedToken).toMatch(/^v1\./)
    expect((await t.db.db.select().from(jobs)).filter((j) => j.kind === 'respond')).toHaveLength(0)
  })

  it('sends a suppressed token back to response once: new, its respond job, the runner woken; again is a 409', async () => {
    const token = generateGithubToken('ghp')
    await t.admin('/api/suppressions', { method: 'POST', body: JSON.stringify({ token, reason: 'fixture' }) })
    const { id } = await incident({ token })
    const send = () =>
      t.admin(`/api/incidents/${id}/actions`, {
        method: 'POST',
        body: JSON.stringify({ action: 'unsuppress', note: 'a real token after all' }),
      })
    const res = await send()
    expect(res.status).toBe(200)
    expect(await json(res)).toEqual({ id, from: 'suppressed', to: 'new' })
    const [row] = await t.db.db.select().from(incidents).where(eq(incidents.id, id))
    expect(row).toMatchObject({ status: 'new', suppressionId: null })
    expect(row?.sealedToken).toBeTruthy()
    expect((await t.db.db.select().from(jobs)).filter((j) => j.kind === 'respond')).toHaveLength(1)
    expect(t.enqueued.count).toBe(1)
    const again = await send()
    expect(again.status).toBe(409)
    expect((await json(again)).error).toBe('incident is new; unsuppress applies to suppressed')
    expect((await t.db.db.select().from(jobs)).filter((j) => j.kind === 'respond')).toHaveLength(1)
  })

  it('suppresses by repository and path glob, and not elsewhere', async () => {
    await t.admin('/api/suppressions', {
      method: 'POST',
      body: JSON.stringify({ repository: 'acme/app', pathGlob: 'test/fixtures/**', reason: 'fixtures' }),
    })
    const inside = await incident({ where: { path: 'test/fixtures/deep/a.env' } })
    const outside = await incident({ where: { path: 'src/a.env' } })
    const otherRepo = await incident({ where: { repository: 'acme/web', path: 'test/fixtures/a.env' } })
    const status = async (id: number) => (await t.db.db.select().from(incidents).where(eq(incidents.id, id)))[0]?.status
    expect([await status(inside.id), await status(outside.id), await status(otherRepo.id)]).toEqual([
      'suppressed',
      'new',
      'new',
    ])
  })

  it('ignores an expired suppression, and a deleted one', async () => {
    const token = generateGithubToken('ghp')
    const res = await t.admin('/api/suppressions', {
      method: 'POST',
      body: JSON.stringify({ token, reason: 'x', expiresAt: new Date(t.clock.now + 60_000).toISOString() }),
    })
    expect(res.status).toBe(201)
    t.clock.now += 120_000
    expect((await incident({ token })).id).toBeGreaterThan(0)
    expect((await t.db.db.select().from(incidents))[0]?.status).toBe('new')

    const other = generateGithubToken('gho')
    const { id } = await json(
      await t.admin('/api/suppressions', { method: 'POST', body: JSON.stringify({ token: other, reason: 'y' }) }),
    )
    expect((await t.admin(`/api/suppressions/${id}`, { method: 'DELETE' })).status).toBe(204)
    expect((await t.admin(`/api/suppressions/${id}`, { method: 'DELETE' })).status).toBe(404)
    expect((await json(await t.admin('/api/suppressions'))).items.map((s: { id: number }) => s.id)).not.toContain(id)
    await incident({ token: other, kind: 'github-oauth' })
    expect((await t.db.db.select().from(incidents)).map((i) => i.status)).toEqual(['new', 'new'])
  })

  it.each([
    [{ reason: 'x' }, 'token: expects either `token` or `repository`'],
    [{ token: generateGithubToken('ghp'), repository: 'a/b', reason: 'x' }, 'token: expects either'],
    [{ token: generateGithubToken('ghp'), pathGlob: '**', reason: 'x' }, 'pathGlob:'],
    [{ repository: 'a/b' }, 'reason:'],
    [{ repository: 'a/b', reason: 'x', expiresAt: '2020-01-01T00:00:00Z' }, 'expiresAt: expects a time in the future'],
  ])('refuses %o', async (body, message) => {
    const res = await t.admin('/api/suppressions', { method: 'POST', body: JSON.stringify(body) })
    expect(res.status).toBe(400)
    expect((await json(res)).error).toContain(message)
    expect(await t.db.db.select().from(suppressions)).toHaveLength(0)
  })
})

describe('GET /api/stats', () => {
  it('counts by status, kind and repository, and measures requested-after and confirmed-dead-after apart', async () => {
    for (const [delay, repo] of [
      [1000, 'a/x'],
      [2000, 'a/x'],
      [9000, 'a/y'],
    ] as const) {
      const { id } = await incident({ where: { repository: repo } })
      await transition(t.db.db, { incidentId: id, from: 'new', to: 'responding', actor: 'patrol', now: t.clock.now })
      await transition(t.db.db, {
        incidentId: id,
        from: 'responding',
        to: 'revocation_requested',
        actor: 'patrol',
        now: t.clock.now,
        set: { revokedAt: t.clock.now - 1000 + delay },
      })
    }
    await incident({ kind: 'azure-devops-pat' })
    const stats = await json(await t.admin('/api/stats'))
    expect(stats.byStatus).toEqual({ revocation_requested: 3, new: 1 })
    expect(stats.byKind).toEqual({ 'github-classic-pat': 3, 'azure-devops-pat': 1 })
    expect(stats.byRepository).toEqual({ 'a/x': 2, 'a/y': 1, 'acme/app': 1 })
    expect(stats.pushToRequest).toEqual({ count: 3, medianMs: 2000, p90Ms: 9000, maxMs: 9000 })
    // Requested is not revoked: nothing is confirmed dead yet.
    expect(stats.pushToRevoke).toEqual({ count: 0, medianMs: null, p90Ms: null, maxMs: null })
    const [first] = (await json(await t.admin('/api/incidents?status=revocation_requested'))).items
    await transition(t.db.db, {
      incidentId: first.id,
      from: 'revocation_requested',
      to: 'revoked',
      actor: 'patrol',
      now: t.clock.now,
      set: { confirmedDeadAt: t.clock.now + 60_000 },
    })
    const confirmed = await json(await t.admin('/api/stats'))
    expect(confirmed.byStatus).toEqual({ revocation_requested: 2, revoked: 1, new: 1 })
    expect(confirmed.pushToRevoke).toEqual({ count: 1, medianMs: 61_000, p90Ms: 61_000, maxMs: 61_000 })
    const later = await json(await t.admin(`/api/stats?since=${new Date(t.clock.now + 1).toISOString()}`))
    expect(later.byStatus).toEqual({})
  })
})

describe('GET /api/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document describing every API route', async () => {
    const res = await t.app.request('/api/openapi.json')
    expect(res.status).toBe(200)
    const doc = await json(res)
    const validator = new Validator()
    const result = await validator.validate(doc)
    expect(result.errors ?? []).toEqual([])
    expect(result.valid).toBe(true)
    expect(doc.openapi).toBe('3.1.0')
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/api/findings',
      '/api/incidents',
      '/api/incidents.csv',
      '/api/incidents/{id}',
      '/api/incidents/{id}/actions',
      '/api/jobs/{id}/retry',
      '/api/pushes/{id}/rescan',
      '/api/stats',
      '/api/stuck',
      '/api/suppressions',
      '/api/suppressions/{id}',
    ])
    expect(doc.paths['/api/incidents'].get.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining([
        'status',
        'kind',
        'issuer',
        'repository',
        'source',
        'since',
        'until',
        'q',
        'limit',
        'cursor',
      ]),
    )
    expect(doc.components.schemas.IncidentAction.properties.action.enum).toEqual([
      'resolve',
      'false_positive',
      'reopen',
      'retry_response',
      'unsuppress',
      'verify_now',
    ])
    expect(doc.paths['/api/incidents/{id}/actions'].post.description).toContain('`verify_now` queues a check')
    // Findings take a reporter token, not an admin token.
    expect(doc.paths['/api/findings'].post.security).toEqual([{ reporterToken: [] }])
    expect(doc.components.securitySchemes.reporterToken).toMatchObject({ type: 'http', scheme: 'bearer' })
  })

  it('documents the signed webhook body patrol sends to PATROL_WEBHOOK_URL', async () => {
    const doc = await json(await t.app.request('/api/openapi.json'))
    const hook = doc.webhooks.incidentEvent.post
    expect(hook.requestBody.content['application/json'].schema.$ref).toBe('#/components/schemas/IncidentEvent')
    expect(hook.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['X-Patrol-Signature-256', 'X-Patrol-Timestamp', 'X-Patrol-Delivery', 'X-Patrol-Event']),
    )
    expect(Object.keys(doc.components.schemas.IncidentEvent.properties)).toEqual(
      expect.arrayContaining(['event', 'events', 'followUp', 'incident', 'response', 'locations']),
    )
  })
})
