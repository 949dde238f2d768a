/**
 * What an admin can answer in one look: the "Needs attention" list (the default view) holds only incidents whose
 * token may still work, most dangerous and oldest first, with what patrol waits for and its next try; several
 * statuses filter at once; text search finds a commit, an author or a path; the CSV is the same view without tokens;
 * bulk close asks on a second page and refuses a live token without "I have rotated it"; unknown /admin paths answer
 * an HTML 404.
 */
import { eq } from 'drizzle-orm'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { incidents } from '../../src/db/schema.js'
import { type Place, recordFinding } from '../../src/incidents/ingest/record.js'
import type { IncidentStatus } from '../../src/incidents/states.js'
import { transition } from '../../src/incidents/transitions.js'
import { pageRequest, signIn } from '../support/admin-page.js'
import { type TestApp, testApp } from '../support/service-app.js'
import { generateGithubToken } from '../support/tokens.js'

let t: TestApp
let cookie: string
beforeEach(async () => {
  t = await testApp()
  cookie = await signIn(t.app)
})
afterEach(() => t.cleanup())

async function incident(status: IncidentStatus | 'new', where: Partial<Place> = {}, ageMs = 0) {
  const token = generateGithubToken('ghp')
  const r = await recordFinding(
    t.db.db,
    t.keys,
    { kind: 'github-classic-pat', issuer: 'github', secret: token },
    {
      provider: 'github',
      repository: 'acme/app',
      path: 'config.env',
      line: 1,
      encoding: 'plain',
      commitSha: 'c'.repeat(40),
      ...where,
    },
    { now: t.clock.now - ageMs, pushedAt: t.clock.now - ageMs - 1000 },
  )
  if (status !== 'new') {
    await transition(t.db.db, {
      incidentId: r.incidentId,
      from: 'new',
      to: 'responding',
      actor: 'patrol',
      now: t.clock.now,
    })
    if (status !== 'responding')
      await transition(t.db.db, {
        incidentId: r.incidentId,
        from: 'responding',
        to: status,
        actor: 'patrol',
        now: t.clock.now,
      })
  }
  return { id: r.incidentId, token }
}

const get = async (path: string) => (await pageRequest(t.app, path, { cookie })).text()
const idsIn = (html: string) =>
  [...html.matchAll(/data-label="Incident"><a href="\/admin\/incidents\/(\d+)"/g)].map((m) => Number(m[1]))
const post = (path: string, pairs: [string, string][]) =>
  pageRequest(t.app, path, { cookie, method: 'POST', body: new URLSearchParams(pairs).toString() })

describe('needs attention', () => {
  it('lists only tokens that may still work, the most dangerous and the oldest first', async () => {
    const revoked = await incident('revoked')
    const requested = await incident('revocation_requested', {}, 60_000)
    const failedNew = await incident('revoke_failed', {}, 1_000)
    const failedOld = await incident('revoke_failed', {}, 3_600_000)
    const notRevocable = await incident('not_revocable')
    const html = await get('/admin/incidents')
    expect(html).toContain('<h1>Needs attention</h1>')
    expect(idsIn(html)).toEqual([failedOld.id, failedNew.id, notRevocable.id, requested.id])
    expect(html).not.toContain(`/admin/incidents/${revoked.id}"`)
    expect(html).toContain('Needs attention (4)')
    expect(html).toContain('revocation failed: retry it, or rotate the token and close')
    expect(html).toMatch(/<time datetime="[^"]+"[^>]*>1 h ago · /)
    // The dashboard opens with the same count and the most urgent first.
    const dashboard = await get('/admin')
    expect(dashboard).toMatch(/<h2 id="attention">Needs attention<\/h2><div class="big">4<\/div>/)
    expect(dashboard.indexOf(`/admin/incidents/${failedOld.id}"`)).toBeLessThan(
      dashboard.indexOf(`/admin/incidents/${requested.id}"`),
    )
  })

  it('filters several statuses at once and searches commit, author and path, any case', async () => {
    const a = await incident('revoke_failed', { commitSha: 'deadbeef'.repeat(5), authorName: 'Mallory Example' })
    const b = await incident('not_revocable', { repository: 'Acme/Payments', path: 'deploy/prod.yaml' })
    const c = await incident('revocation_requested')
    const both = await get('/admin/incidents?view=all&status=revoke_failed&status=not_revocable')
    expect(idsIn(both).sort()).toEqual([a.id, b.id].sort())
    expect(both).toContain('2 incidents')
    expect(idsIn(await get('/admin/incidents?view=all&q=deadbeefdead'))).toEqual([a.id])
    expect(idsIn(await get('/admin/incidents?view=all&q=mallory'))).toEqual([a.id])
    expect(idsIn(await get('/admin/incidents?view=all&q=prod.yaml'))).toEqual([b.id])
    expect(idsIn(await get('/admin/incidents?view=all&repository=acme%2Fpay'))).toEqual([b.id])
    expect(idsIn(await get('/admin/incidents?view=all&sort=id&dir=asc'))).toEqual([a.id, b.id, c.id])
    expect(idsIn(await get('/admin/incidents?view=all&sort=id&dir=desc'))).toEqual([c.id, b.id, a.id])
  })

  it('exports the filtered view as CSV with previews, never tokens, and formulas defused', async () => {
    const a = await incident('revoke_failed', { repository: '=cmd|calc' })
    const b = await incident('revoked')
    const res = await pageRequest(t.app, '/admin/incidents.csv?view=all&status=revoke_failed', { cookie })
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/)
    const text = await res.text()
    const lines = text.trimEnd().split('\r\n')
    expect(lines[0]).toBe(
      'id,status,status_label,may_be_live,kind,kind_label,issuer,preview,repositories,owner,places,first_seen,last_seen,time_to_revoke_ms',
    )
    expect(lines).toHaveLength(2)
    expect(lines[1]).toMatch(new RegExp(`^${a.id},revoke_failed,revoke failed,true,github-classic-pat,`))
    expect(lines[1]).toContain(",'=cmd|calc,")
    for (const token of [a.token, b.token]) expect(text).not.toContain(token)
  })

  it('closes a selection only after a second page, and keeps a live token open without "I have rotated it"', async () => {
    const live = await incident('revoke_failed')
    const dead = await incident('revoked')
    const asked = await post('/admin/incidents/bulk', [
      ['action', 'close'],
      ['id', String(live.id)],
      ['id', String(dead.id)],
    ])
    expect(asked.status).toBe(200)
    const form = await asked.text()
    expect(form).toContain('Close 2 incidents')
    expect(form).toContain('1 of these tokens may still work')
    const statusOf = async (id: number) =>
      (await t.db.db.select().from(incidents).where(eq(incidents.id, id)))[0]?.status
    expect(await statusOf(live.id)).toBe('revoke_failed')

    const pairs: [string, string][] = [
      ['confirm', 'yes'],
      ['reason', 'wont_fix'],
      ['comment', 'accepted'],
      ['id', String(live.id)],
      ['id', String(dead.id)],
    ]
    const partly = await post('/admin/incidents/close', pairs)
    expect(partly.status).toBe(409)
    const again = await partly.text()
    expect(again).toContain(`incident ${live.id}: the token may still work (revoke failed)`)
    // The page asks again for the one left, and only for it.
    expect(again).toContain(`name="id" value="${live.id}"`)
    expect(again).not.toContain(`name="id" value="${dead.id}"`)
    expect(await statusOf(dead.id)).toBe('resolved')
    expect(await statusOf(live.id)).toBe('revoke_failed')
    const done = await post('/admin/incidents/close', [...pairs.slice(0, 4), ['rotated', 'yes']])
    expect(done.status).toBe(303)
    expect(await statusOf(live.id)).toBe('resolved')
  })

  it('acts on every incident of one push at once: a commit with many tokens is one close', async () => {
    const inPush = [
      await incident('revoke_failed', { pushId: 7 }),
      await incident('not_revocable', { pushId: 7, path: 'b.env' }),
      await incident('revocation_requested', { pushId: 7, path: 'c.env' }),
    ]
    const other = await incident('revoke_failed', { pushId: 8 })
    const incidentPage = await get(`/admin/incidents/${inPush[0]!.id}`)
    expect(incidentPage).toContain('href="/admin/incidents?view=all&amp;push=7"')
    const list = await get('/admin/incidents?view=all&push=7')
    expect(idsIn(list).sort()).toEqual(inPush.map((i) => i.id).sort())
    expect(list).toContain('Close all 3 of this push…')
    const asked = await post('/admin/incidents/bulk', [
      ['action', 'close'],
      ...inPush.map((i): [string, string] => ['id', String(i.id)]),
    ])
    expect(await asked.text()).toContain('Close 3 incidents')
    const done = await post('/admin/incidents/close', [
      ['confirm', 'yes'],
      ['reason', 'revoked_elsewhere'],
      ['rotated', 'yes'],
      ...inPush.map((i): [string, string] => ['id', String(i.id)]),
    ])
    expect(done.headers.get('location')).toBe('/admin/incidents?closed=3')
    const statuses = await t.db.db.select().from(incidents)
    expect(
      statuses
        .filter((r) => r.status === 'resolved')
        .map((r) => r.id)
        .sort(),
    ).toEqual(inPush.map((i) => i.id).sort())
    expect(statuses.find((r) => r.id === other.id)?.status).toBe('revoke_failed')
  })

  it('answers an unknown /admin path with the page’s HTML 404', async () => {
    const res = await pageRequest(t.app, '/admin/nothing/here', { cookie })
    expect(res.status).toBe(404)
    expect(res.headers.get('content-type')).toMatch(/^text\/html/)
    expect(await res.text()).toContain('Page not found.')
  })
})
