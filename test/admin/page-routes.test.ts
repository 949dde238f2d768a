/**
 * The admin page's routes over `app.request`: who gets in (session cookie from a token sign-in, never the token
 * itself), what a session survives (tampering, expiry, a rotated token), CSRF refusals, the sign-in limiter, and that
 * actions and suppressions go through the same functions as the API and land in the audit trail.
 */
import { and, eq } from 'drizzle-orm'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { auditEvents, incidents, suppressions } from '../../src/db/schema.js'
import { SESSION_MS } from '../../src/http/page/session.js'
import { type Place, recordFinding } from '../../src/incidents/ingest/record.js'
import { transition } from '../../src/incidents/transitions.js'
import type { TokenKind } from '../../src/scan/types.js'
import { pageRequest, postForm, sessionCookie, signIn } from '../support/admin-page.js'
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

async function incident(
  o: { kind?: TokenKind; where?: Partial<Place>; status?: 'notify_only' | 'revoke_unconfirmed' } = {},
) {
  const kind = o.kind ?? 'github-classic-pat'
  const token = kind === 'azure-devops-pat' ? generateAdoPat() : generateGithubToken('ghp')
  const r = await recordFinding(
    t.db.db,
    t.keys,
    { kind, issuer: kind.startsWith('azure') ? 'azure-devops' : 'github', secret: token },
    place(o.where),
    { now: t.clock.now, pushedAt: t.clock.now - 1000 },
  )
  if (o.status) {
    await transition(t.db.db, {
      incidentId: r.incidentId,
      from: 'new',
      to: 'responding',
      actor: 'patrol',
      now: t.clock.now,
    })
    await transition(t.db.db, {
      incidentId: r.incidentId,
      from: 'responding',
      to: o.status,
      actor: 'patrol',
      now: t.clock.now,
    })
  }
  return { id: r.incidentId, token }
}

const statusOf = async (id: number) => (await t.db.db.select().from(incidents).where(eq(incidents.id, id)))[0]?.status

describe('signing in', () => {
  it('redirects every page to the sign-in form without a session, keeping where the admin was going', async () => {
    const { id } = await incident()
    for (const path of ['/admin', '/admin/incidents', `/admin/incidents/${id}`, '/admin/suppressions']) {
      const res = await pageRequest(t.app, path)
      expect(res.status, path).toBe(303)
      expect(res.headers.get('location'), path).toBe(
        path === '/admin' ? '/admin/sign-in' : `/admin/sign-in?next=${encodeURIComponent(path)}`,
      )
    }
    const form = await pageRequest(t.app, '/admin/sign-in?next=%2Fadmin%2Fincidents%3Fstatus%3Dnew')
    expect(form.status).toBe(200)
    const html = await form.text()
    expect(html).toContain('<!DOCTYPE html>')
    expect(html).toContain('name="token"')
    expect(html).toContain('value="/admin/incidents?status=new"')
  })

  it('refuses a wrong token with 401 and no cookie, and never echoes what was typed', async () => {
    const res = await postForm(t.app, '/admin/sign-in', { token: 'guess-guess-guess-guess' })
    expect(res.status).toBe(401)
    expect(sessionCookie(res)).toBeUndefined()
    const html = await res.text()
    expect(html).toContain('That is not an admin token.')
    expect(html).not.toContain('guess-guess')
  })

  it('sets an HttpOnly, SameSite=Strict session cookie scoped to /admin that does not carry the token', async () => {
    const res = await postForm(t.app, '/admin/sign-in', {
      token: TEST_ADMIN_TOKEN,
      next: '/admin/incidents?status=new',
    })
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/admin/incidents?status=new')
    const [line] = res.headers.getSetCookie()
    expect(line).toMatch(/^patrol_admin=/)
    expect(line).toMatch(/; HttpOnly/)
    expect(line).toMatch(/; SameSite=Strict/)
    expect(line).toMatch(/; Path=\/admin/)
    expect(line).not.toMatch(/; Secure/)
    expect(decodeURIComponent(line!)).not.toContain(TEST_ADMIN_TOKEN)
    const page = await pageRequest(t.app, '/admin', { cookie: sessionCookie(res) })
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('signed in as <strong>tester</strong>')
  })

  it('marks the cookie Secure when patrol is published over https', async () => {
    const https = await testApp({ PATROL_PUBLIC_URL: 'https://patrol.acme.example' })
    try {
      const res = await postForm(
        https.app,
        'http://patrol.acme.example/admin/sign-in',
        { token: TEST_ADMIN_TOKEN },
        { origin: 'https://patrol.acme.example' },
      )
      expect(res.headers.getSetCookie()[0]).toMatch(/; Secure/)
    } finally {
      https.cleanup()
    }
  })

  it('sends the admin only to pages of /admin after signing in', async () => {
    for (const next of [
      '//evil.example/admin',
      'https://evil.example/',
      '/admin\\@evil.example',
      '/adminx',
      '/healthz',
    ]) {
      const res = await postForm(t.app, '/admin/sign-in', { token: TEST_ADMIN_TOKEN, next })
      expect(res.headers.get('location'), next).toBe('/admin')
    }
  })

  it('refuses a tampered, an expired, and a rotated-token session', async () => {
    const cookie = await signIn(t.app)
    const [name, value] = [
      cookie.slice(0, cookie.indexOf('=')),
      decodeURIComponent(cookie.slice(cookie.indexOf('=') + 1)),
    ]
    const [payload, signature] = [value.slice(0, value.lastIndexOf('.')), value.slice(value.lastIndexOf('.') + 1)]
    const parts = payload.split('.')
    const forged = `${name}=${encodeURIComponent(`${[parts[0], btoa('someone-else').replace(/=+$/, ''), parts[2], parts[3]].join('.')}.${signature}`)}`
    expect((await pageRequest(t.app, '/admin', { cookie: forged })).status).toBe(303)
    expect((await pageRequest(t.app, '/admin', { cookie })).status).toBe(200)

    t.clock.now += SESSION_MS
    expect((await pageRequest(t.app, '/admin', { cookie })).status).toBe(303)
    t.clock.now -= SESSION_MS

    // Same keys, same admin name, a new token: the old session ends.
    const rotated = await testApp({ PATROL_ADMIN_TOKENS: 'tester:a-brand-new-admin-token-0123' })
    try {
      expect((await pageRequest(rotated.app, '/admin', { cookie })).status).toBe(303)
      const fresh = await signIn(rotated.app, 'a-brand-new-admin-token-0123')
      expect((await pageRequest(rotated.app, '/admin', { cookie: fresh })).status).toBe(200)
    } finally {
      rotated.cleanup()
    }
  })

  it('signs out by clearing the cookie', async () => {
    const cookie = await signIn(t.app)
    const res = await postForm(t.app, '/admin/sign-out', {}, { cookie })
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/admin/sign-in?signed-out')
    expect(res.headers.getSetCookie()[0]).toMatch(/^patrol_admin=; Max-Age=0/)
  })

  it('ends the session on the server at sign-out: the same cookie no longer opens the page', async () => {
    const cookie = await signIn(t.app)
    const other = await signIn(t.app)
    expect((await postForm(t.app, '/admin/sign-out', {}, { cookie })).status).toBe(303)
    expect((await pageRequest(t.app, '/admin', { cookie })).status).toBe(303)
    // Only that session: the admin's other browser stays signed in.
    expect((await pageRequest(t.app, '/admin', { cookie: other })).status).toBe(200)
  })

  it('signs an admin out everywhere: every session of theirs ends, other admins’ stay', async () => {
    const two = await testApp({
      PATROL_ADMIN_TOKENS: `tester:${TEST_ADMIN_TOKEN},other:another-admin-token-0123456789`,
    })
    try {
      const [laptop, phone] = [await signIn(two.app), await signIn(two.app)]
      const colleague = await signIn(two.app, 'another-admin-token-0123456789')
      const page = await (await pageRequest(two.app, '/admin', { cookie: phone })).text()
      expect(page).toContain('action="/admin/sign-out-everywhere"')
      const res = await postForm(two.app, '/admin/sign-out-everywhere', {}, { cookie: phone })
      expect(res.status).toBe(303)
      expect(res.headers.get('location')).toBe('/admin/sign-in?signed-out-everywhere')
      for (const cookie of [laptop, phone]) expect((await pageRequest(two.app, '/admin', { cookie })).status).toBe(303)
      expect((await pageRequest(two.app, '/admin', { cookie: colleague })).status).toBe(200)
      expect(two.log.lines.find((l) => l.event === 'admin.signed_out_everywhere')).toMatchObject({
        admin: 'tester',
        sessions: 2,
      })
    } finally {
      two.cleanup()
    }
  })

  it('slows repeated failures from one address, then refuses them for a while, even with the right token', async () => {
    const attempt = (token: string) => postForm(t.app, '/admin/sign-in', { token })
    for (let i = 0; i < 4; i++) expect((await attempt('wrong-wrong-wrong-wrong')).status).toBe(401)
    // The fourth failure costs a one-second wait: until then nothing is checked.
    const waiting = await attempt(TEST_ADMIN_TOKEN)
    expect(waiting.status).toBe(429)
    expect(waiting.headers.get('retry-after')).toBe('1')
    expect(sessionCookie(waiting)).toBeUndefined()
    t.clock.now += 1000
    expect((await attempt(TEST_ADMIN_TOKEN)).status).toBe(303)

    // A success forgets the address; ten failures lock it for fifteen minutes.
    for (let i = 0; i < 10; i++) {
      t.clock.now += 60_000
      expect((await attempt('wrong-wrong-wrong-wrong')).status).toBe(401)
    }
    t.clock.now += 14 * 60_000
    const locked = await attempt(TEST_ADMIN_TOKEN)
    expect(locked.status).toBe(429)
    expect(Number(locked.headers.get('retry-after'))).toBe(60)
    t.clock.now += 60_000
    expect((await attempt(TEST_ADMIN_TOKEN)).status).toBe(303)
  })

  it('checks only the free attempts of 500 parallel wrong guesses and refuses the rest unchecked', async () => {
    const answers = await Promise.all(
      Array.from({ length: 500 }, (_, i) => postForm(t.app, '/admin/sign-in', { token: `wrong-guess-${i}-padding` })),
    )
    const statuses = answers.map((r) => r.status)
    // Three free failures, and the fourth that starts the wait: each attempt is counted before its compare.
    expect(statuses.filter((s) => s === 401)).toHaveLength(4)
    expect(statuses.filter((s) => s === 429)).toHaveLength(496)
    expect((await postForm(t.app, '/admin/sign-in', { token: TEST_ADMIN_TOKEN })).status).toBe(429)
  })
})

describe('CSRF', () => {
  it('refuses a cross-site POST, a POST without Origin, and a non-form POST, and changes nothing', async () => {
    const { id } = await incident({ status: 'notify_only' })
    const cookie = await signIn(t.app)
    const path = `/admin/incidents/${id}/actions`
    const crossSite = await postForm(
      t.app,
      path,
      { action: 'resolve' },
      { cookie, origin: 'https://evil.example', secFetchSite: 'cross-site' },
    )
    expect(crossSite.status).toBe(403)
    const noOrigin = await postForm(t.app, path, { action: 'resolve' }, { cookie, origin: null })
    expect(noOrigin.status).toBe(403)
    const json = await pageRequest(t.app, path, {
      method: 'POST',
      cookie,
      contentType: 'application/json',
      body: '{"action":"resolve"}',
    })
    expect(json.status).toBe(415)
    const signInFromElsewhere = await postForm(
      t.app,
      '/admin/sign-in',
      { token: TEST_ADMIN_TOKEN },
      { origin: 'https://evil.example' },
    )
    expect(signInFromElsewhere.status).toBe(403)
    expect(sessionCookie(signInFromElsewhere)).toBeUndefined()
    expect(await statusOf(id)).toBe('notify_only')
  })

  it('accepts a same-origin POST by Sec-Fetch-Site, and the public URL as origin behind a proxy', async () => {
    const { id } = await incident({ status: 'notify_only' })
    const cookie = await signIn(t.app)
    const res = await postForm(
      t.app,
      '/admin/incidents/close',
      { id: String(id), confirm: 'yes', reason: 'false_positive', rotated: 'yes' },
      { cookie, origin: null, secFetchSite: 'same-origin' },
    )
    expect(res.status).toBe(303)
    expect(await statusOf(id)).toBe('false_positive')

    const proxied = await testApp({ PATROL_PUBLIC_URL: 'https://patrol.acme.example' })
    try {
      // The proxy forwards the public Host; the request itself arrives over plain http.
      const res = await postForm(
        proxied.app,
        'http://patrol.acme.example/admin/sign-in',
        { token: TEST_ADMIN_TOKEN },
        { origin: 'https://patrol.acme.example' },
      )
      expect(res.status).toBe(303)
    } finally {
      proxied.cleanup()
    }
  })

  it('refuses actions without a session, sending the browser to sign in', async () => {
    const { id } = await incident({ status: 'notify_only' })
    const res = await postForm(t.app, `/admin/incidents/${id}/actions`, { action: 'resolve' })
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/admin/sign-in')
    expect(await statusOf(id)).toBe('notify_only')
  })
})

describe('pages', () => {
  it('sends no-store and a Content-Security-Policy that allows only its own same-origin script, never inline ones', async () => {
    const cookie = await signIn(t.app)
    const res = await pageRequest(t.app, '/admin/incidents', { cookie })
    expect(res.headers.get('cache-control')).toBe('no-store')
    const csp = res.headers.get('content-security-policy')
    expect(csp).toContain("default-src 'none'")
    expect(csp).toContain("form-action 'self'")
    // One script source, patrol's own origin: no inline script, nothing from elsewhere.
    expect(csp?.match(/script-src [^;]*/)?.[0]).toBe("script-src 'self'")
    const html = await res.text()
    expect([...html.matchAll(/<script[^>]*>/g)].map((m) => m[0])).toEqual([
      '<script src="/admin/local-time.js" defer="">',
    ])
    // Served without a session: it says nothing secret, and the sign-in page may use it too.
    const script = await pageRequest(t.app, '/admin/local-time.js')
    expect(script.status).toBe(200)
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    expect(await script.text()).toContain("document.querySelectorAll('time[datetime] [data-clock]')")
  })

  it('shows pushed paths, refs and repository names without their line breaks or control characters', async () => {
    const { id } = await incident({
      where: {
        path: 'a.env\n\nVisit http://evil.example/reset\u202e',
        ref: 'refs/heads/x\r\ny',
        repository: 'acme/app\u0007',
      },
    })
    const cookie = await signIn(t.app)
    const html = await (await pageRequest(t.app, `/admin/incidents/${id}`, { cookie })).text()
    expect(html).toContain('a.env Visit http://evil.example/reset:1')
    expect(html).toMatch(/data-label="Branch"[^>]*>x y</)
    for (const raw of ['a.env\n', '\u202e', '\u0007', 'x\r\n']) expect(html).not.toContain(raw)
    const list = await (await pageRequest(t.app, '/admin/incidents', { cookie })).text()
    expect(list).not.toContain('\u0007')
  })

  it('lists and filters incidents by previews only, with a next-page link', async () => {
    const web = await incident({ where: { repository: 'acme/web', path: 'src/secrets.ts' } })
    const ado = await incident({ kind: 'azure-devops-pat' })
    const cookie = await signIn(t.app)
    const all = await (await pageRequest(t.app, '/admin/incidents', { cookie })).text()
    expect(all).toContain(`href="/admin/incidents/${web.id}"`)
    expect(all).toContain(`href="/admin/incidents/${ado.id}"`)
    for (const token of [web.token, ado.token]) expect(all).not.toContain(token)
    expect(all).toContain(`${web.token.slice(0, 4)}…${web.token.slice(-4)}`)

    const filtered = await (await pageRequest(t.app, '/admin/incidents?repository=acme%2Fweb', { cookie })).text()
    expect(filtered).toContain(`href="/admin/incidents/${web.id}"`)
    expect(filtered).not.toContain(`href="/admin/incidents/${ado.id}"`)
    const byKind = await (await pageRequest(t.app, '/admin/incidents?kind=azure-devops-pat&q=', { cookie })).text()
    expect(byKind).toContain(`href="/admin/incidents/${ado.id}"`)
    expect(byKind).not.toContain(`href="/admin/incidents/${web.id}"`)

    const bad = await pageRequest(t.app, '/admin/incidents?status=exploded', { cookie })
    expect(bad.status).toBe(400)
    expect(await bad.text()).toContain('status: expects any of')

    for (let i = 0; i < 50; i++) await incident()
    const first = await (await pageRequest(t.app, '/admin/incidents?view=all', { cookie })).text()
    expect(first).toContain('52 incidents · page 1 of 2')
    const next = /href="(\/admin\/incidents\?[^"]*page=2)" rel="next"/.exec(first)?.[1]
    expect(next).toBeDefined()
    const second = await (await pageRequest(t.app, next!.replace(/&amp;/g, '&'), { cookie })).text()
    expect(second).toContain(`href="/admin/incidents/${web.id}"`)
    expect(second).not.toContain('rel="next"')
    expect(second).toContain('rel="prev"')
  })

  it('offers verify now while patrol holds the token, queues the check as admin:<name>, and says where the result goes', async () => {
    const { id } = await incident({ status: 'revoke_unconfirmed' })
    const cookie = await signIn(t.app)
    const held = await (await pageRequest(t.app, `/admin/incidents/${id}`, { cookie })).text()
    expect(held).toContain('<button type="submit" name="action" value="verify_now">Verify now</button>')

    const res = await postForm(t.app, `/admin/incidents/${id}/actions`, { action: 'verify_now' }, { cookie })
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe(`/admin/incidents/${id}?done=verify_now`)
    expect(await statusOf(id)).toBe('revoke_unconfirmed')
    const after = await (await pageRequest(t.app, res.headers.get('location')!, { cookie })).text()
    expect(after).toContain('patrol will check the token shortly; the result appears in the timeline.')
    expect(after).toContain('admin tester: verify now requested')

    // Without the sealed token there is nothing to check: no button.
    await t.db.db.update(incidents).set({ sealedToken: null }).where(eq(incidents.id, id))
    const gone = await (await pageRequest(t.app, `/admin/incidents/${id}`, { cookie })).text()
    expect(gone).not.toContain('value="verify_now"')
    const { id: over } = await incident({ status: 'notify_only' })
    expect(await (await pageRequest(t.app, `/admin/incidents/${over}`, { cookie })).text()).not.toContain(
      'value="verify_now"',
    )
  })

  it('shows an incident with the actions its state allows, and records an action with its note as admin:<name>', async () => {
    const { id } = await incident({ status: 'notify_only' })
    const cookie = await signIn(t.app)
    const before = await (await pageRequest(t.app, `/admin/incidents/${id}`, { cookie })).text()
    expect(before).toContain(`href="/admin/incidents/${id}/close"`)
    expect(before).not.toContain('value="resolve"')
    expect(before).not.toContain('value="reopen"')
    expect(before).not.toContain('value="retry_response"')
    // The old one-click resolve now leads to the confirming page.
    const oneClick = await postForm(t.app, `/admin/incidents/${id}/actions`, { action: 'resolve' }, { cookie })
    expect(oneClick.headers.get('location')).toBe(`/admin/incidents/${id}/close`)
    expect(await statusOf(id)).toBe('notify_only')
    const confirmPage = await (await pageRequest(t.app, `/admin/incidents/${id}/close`, { cookie })).text()
    expect(confirmPage).toContain('name="reason"')
    expect(confirmPage).toContain('name="rotated"')

    const form = { id: String(id), confirm: 'yes', reason: 'revoked_elsewhere', comment: 'owner rotated it' }
    const unconfirmed = await postForm(t.app, '/admin/incidents/close', form, { cookie })
    expect(unconfirmed.status).toBe(409)
    expect(await unconfirmed.text()).toContain('may still work')
    expect(await statusOf(id)).toBe('notify_only')
    const noReason = await postForm(
      t.app,
      '/admin/incidents/close',
      { ...form, reason: '', rotated: 'yes' },
      { cookie },
    )
    expect(noReason.status).toBe(400)

    const res = await postForm(t.app, '/admin/incidents/close', { ...form, rotated: 'yes' }, { cookie })
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe(`/admin/incidents/${id}?done=close`)
    const [event] = await t.db.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.subjectId, id), eq(auditEvents.action, 'status.resolved')))
    expect(event).toMatchObject({ actor: 'admin:tester' })
    expect(JSON.parse(event!.detail!)).toMatchObject({
      from: 'notify_only',
      to: 'resolved',
      action: 'resolve',
      note: 'Revoked or rotated elsewhere; the admin confirmed the token is rotated: owner rotated it',
    })
    const after = await (await pageRequest(t.app, res.headers.get('location')!, { cookie })).text()
    expect(after).toContain('Closed.')
    expect(after).toContain('admin tester: now closed')
    expect(after).toContain('owner rotated it')
    expect(after).toContain('value="reopen"')

    const refused = await postForm(t.app, `/admin/incidents/${id}/actions`, { action: 'retry_response' }, { cookie })
    expect(refused.status).toBe(409)
    expect(await refused.text()).toContain(
      'incident is resolved; retry_response applies to revoke_failed or revoke_unconfirmed',
    )
    expect((await pageRequest(t.app, '/admin/incidents/999999', { cookie })).status).toBe(404)
    expect((await postForm(t.app, `/admin/incidents/${id}/actions`, { action: 'explode' }, { cookie })).status).toBe(
      400,
    )
  })

  it('sends a suppressed token back to response only from its confirming page', async () => {
    const cookie = await signIn(t.app)
    await postForm(t.app, '/admin/suppressions', { repository: 'acme/app', reason: 'fixtures' }, { cookie })
    const { id } = await incident()
    expect(await statusOf(id)).toBe('suppressed')
    const shown = await (await pageRequest(t.app, `/admin/incidents/${id}`, { cookie })).text()
    expect(shown).toContain('value="unsuppress"')

    const asked = await postForm(
      t.app,
      `/admin/incidents/${id}/actions`,
      { action: 'unsuppress', note: 'real' },
      { cookie },
    )
    expect(asked.status).toBe(200)
    const confirmPage = await asked.text()
    expect(confirmPage).toContain(`Send incident ${id} back to response?`)
    expect(confirmPage).toContain('name="confirm" value="yes"')
    expect(await statusOf(id)).toBe('suppressed')

    const sent = await postForm(
      t.app,
      `/admin/incidents/${id}/actions`,
      { action: 'unsuppress', note: 'real', confirm: 'yes' },
      { cookie },
    )
    expect(sent.status).toBe(303)
    expect(sent.headers.get('location')).toBe(`/admin/incidents/${id}?done=unsuppress`)
    expect(await statusOf(id)).toBe('new')
    expect(t.enqueued.count).toBe(1)
    const [event] = await t.db.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.subjectId, id), eq(auditEvents.action, 'status.new')))
    expect(JSON.parse(event!.detail!)).toMatchObject({ from: 'suppressed', action: 'unsuppress', note: 'real' })
    expect(await (await pageRequest(t.app, sent.headers.get('location')!, { cookie })).text()).toContain(
      'Sent back to response',
    )
  })

  it('suppresses the tokens of a selection from a confirming page that asks why, one suppression each', async () => {
    const cookie = await signIn(t.app)
    const first = await incident({ status: 'notify_only' })
    const second = await incident({ status: 'notify_only' })
    const bulk = (fields: Record<string, string>) =>
      pageRequest(t.app, '/admin/incidents/bulk', {
        cookie,
        method: 'POST',
        body: new URLSearchParams([
          ['id', String(first.id)],
          ['id', String(second.id)],
          ...Object.entries(fields),
        ]).toString(),
      })
    const asked = await bulk({ action: 'suppress' })
    expect(asked.status).toBe(200)
    const confirmPage = await asked.text()
    expect(confirmPage).toContain('Suppress the tokens of 2 incidents')
    expect(confirmPage).toContain('name="reason"')
    expect(confirmPage).toContain('2 of these may still work')
    const noReason = { action: 'suppress', confirm: 'yes' }
    expect((await bulk(noReason)).status).toBe(400)
    expect([await statusOf(first.id), await statusOf(second.id)]).toEqual(['notify_only', 'notify_only'])
    expect(await t.db.db.select().from(suppressions)).toEqual([])

    const res = await bulk({ ...noReason, reason: 'scanner fixtures' })
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/admin/incidents?suppressed=2')
    expect(await (await pageRequest(t.app, res.headers.get('location')!, { cookie })).text()).toContain(
      'Suppressed the tokens of 2 incidents.',
    )
    const rows = await t.db.db.select().from(incidents)
    const made = await t.db.db.select().from(suppressions)
    expect(made.map((s) => s.fingerprint).sort()).toEqual(rows.map((r) => r.fingerprint).sort())
    expect(made.every((s) => s.reason === 'scanner fixtures' && s.author === 'admin:tester')).toBe(true)
    for (const r of rows) {
      expect(r.status).toBe('suppressed')
      expect(made.find((s) => s.id === r.suppressionId)?.fingerprint).toBe(r.fingerprint)
    }
    // Seen again elsewhere, the token stays suppressed: the suppression covers it everywhere.
    await recordFinding(
      t.db.db,
      t.keys,
      { kind: 'github-classic-pat', issuer: 'github', secret: first.token },
      place({ repository: 'acme/other' }),
      { now: t.clock.now, pushedAt: t.clock.now },
    )
    expect(await statusOf(first.id)).toBe('suppressed')
    const again = await bulk({ ...noReason, reason: 'twice' })
    expect(again.status).toBe(409)
    expect(await again.text()).toContain('incident is suppressed; suppress applies')
  })

  it('adds a suppression from a pasted token, shows only its fingerprint prefix, and deletes it', async () => {
    const cookie = await signIn(t.app)
    const token = generateGithubToken('ghp')
    const created = await postForm(t.app, '/admin/suppressions', { token, reason: 'test fixture' }, { cookie })
    expect(created.status).toBe(303)
    const [row] = await t.db.db.select().from(suppressions)
    expect(row).toMatchObject({ author: 'tester', reason: 'test fixture', repository: null })
    const list = await (await pageRequest(t.app, '/admin/suppressions?created', { cookie })).text()
    expect(list).toContain('Suppression added.')
    expect(list).toContain(`${row!.fingerprint!.slice(0, 8)}…`)
    expect(list).not.toContain(token)

    const refused = await postForm(
      t.app,
      '/admin/suppressions',
      { token, repository: 'acme/app', reason: 'both' },
      { cookie },
    )
    expect(refused.status).toBe(400)
    expect(await refused.text()).not.toContain(token)
    const past = await postForm(
      t.app,
      '/admin/suppressions',
      { repository: 'acme/app', pathGlob: 'test/**', reason: 'fixtures', expiresOn: '2020-01-01' },
      { cookie },
    )
    expect(past.status).toBe(400)
    const byPath = await postForm(
      t.app,
      '/admin/suppressions',
      { repository: 'acme/app', pathGlob: 'test/**', reason: 'fixtures', expiresOn: '2099-01-01' },
      { cookie },
    )
    expect(byPath.status).toBe(303)

    // Delete asks first, on a second page; only the confirmed form deletes.
    const asked = await postForm(t.app, `/admin/suppressions/${row!.id}/delete`, {}, { cookie })
    expect(asked.status).toBe(200)
    expect(await asked.text()).toContain(`Delete suppression ${row!.id}?`)
    expect((await t.db.db.select().from(suppressions)).find((s) => s.id === row!.id)?.deletedAt).toBeNull()
    const deleted = await postForm(t.app, `/admin/suppressions/${row!.id}/delete`, { confirm: 'yes' }, { cookie })
    expect(deleted.status).toBe(303)
    const live = await t.db.db.select().from(suppressions)
    expect(live.find((s) => s.id === row!.id)?.deletedAt).not.toBeNull()
    expect(live.find((s) => s.pathGlob === 'test/**')?.expiresAt).toBe(Date.parse('2099-01-01T00:00:00Z'))
    expect((await postForm(t.app, `/admin/suppressions/${row!.id}/delete`, {}, { cookie })).status).toBe(404)
  })

  it('shows the stats on the dashboard, linked to filtered lists', async () => {
    await incident({ status: 'notify_only', where: { repository: 'acme/web' } })
    await incident({ kind: 'azure-devops-pat' })
    const cookie = await signIn(t.app)
    const html = await (await pageRequest(t.app, '/admin?window=7d', { cookie })).text()
    expect(html).toContain('href="/admin/incidents?view=all&amp;status=notify_only"')
    expect(html).toContain('href="/admin/incidents?view=all&amp;kind=azure-devops-pat"')
    expect(html).toContain('href="/admin/incidents?view=all&amp;repository=acme%2Fweb"')
    expect(html).toMatch(/<div class="big">2<\/div>/)
  })
})
