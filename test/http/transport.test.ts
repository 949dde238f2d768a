/**
 * What patrol's answers say about transport and who may reach the admin surfaces (issue 14, items 12 and 13): the
 * admin page and API only under patrol's own host names (421 otherwise), webhooks under any; HSTS only over https;
 * API answers never cached; a GitHub form delivery recognised whatever the case of its content type.
 */
import { createHmac } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { TEST_ADMIN_TOKEN, TEST_GITHUB_SECRET } from '../support/env.js'
import { type TestApp, testApp } from '../support/service-app.js'

let t: TestApp
afterEach(() => t.cleanup())

const bearer = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` }

describe('host names', () => {
  it('answers 421 to the page and the API under a rebound host name, and serves loopback names of a loopback URL', async () => {
    t = await testApp()
    for (const url of [
      'http://evil.example/admin/sign-in',
      'http://evil.example:8787/admin',
      'http://evil.example/api/incidents',
    ]) {
      const res = await t.app.request(url, { headers: bearer })
      expect(res.status, url).toBe(421)
      expect(await res.json()).toMatchObject({ error: expect.stringMatching(/^host: .*PATROL_ALLOWED_HOSTS/) })
    }
    const signIn = await t.app.request('http://evil.example/admin/sign-in', {
      method: 'POST',
      headers: { origin: 'http://evil.example', 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${TEST_ADMIN_TOKEN}`,
    })
    expect(signIn.status).toBe(421)
    expect(signIn.headers.getSetCookie()).toEqual([])
    for (const host of ['localhost', '127.0.0.1:8787', '[::1]:8787'])
      expect((await t.app.request(`http://${host}/api/incidents`, { headers: bearer })).status, host).toBe(200)
    // Webhooks and health are not the admin surfaces: any host reaches them.
    expect((await t.app.request('http://evil.example/healthz')).status).toBe(200)
    expect((await t.app.request('http://evil.example/webhooks/github', { method: 'POST' })).status).toBe(401)
  })

  it('serves the public URL’s host and PATROL_ALLOWED_HOSTS, and nothing else once the public URL is not loopback', async () => {
    t = await testApp({
      PATROL_PUBLIC_URL: 'https://patrol.acme.example',
      PATROL_ALLOWED_HOSTS: 'patrol.internal, 10.0.0.5:8787',
    })
    const status = async (url: string) => (await t.app.request(url, { headers: bearer })).status
    expect(await status('https://patrol.acme.example/api/incidents')).toBe(200)
    expect(await status('http://patrol.internal:9000/api/incidents')).toBe(200)
    expect(await status('http://10.0.0.5:8787/api/incidents')).toBe(200)
    expect(await status('http://10.0.0.5:8788/api/incidents')).toBe(421)
    expect(await status('http://localhost/api/incidents')).toBe(421)
  })

  it('names PATROL_ALLOWED_HOSTS when it is not a list of host names', async () => {
    await expect(testApp({ PATROL_ALLOWED_HOSTS: 'https://patrol.example/' })).rejects.toThrow(
      /PATROL_ALLOWED_HOSTS: expects/,
    )
    t = await testApp()
  })
})

describe('transport headers', () => {
  it('sends HSTS over https only', async () => {
    t = await testApp()
    expect((await t.app.request('http://localhost/healthz')).headers.get('strict-transport-security')).toBeNull()
    expect((await t.app.request('https://localhost/healthz')).headers.get('strict-transport-security')).toMatch(
      /max-age=\d+/,
    )
  })

  it('marks every API answer no-store, refusals included', async () => {
    t = await testApp()
    expect((await t.app.request('/api/incidents', { headers: bearer })).headers.get('cache-control')).toBe('no-store')
    expect((await t.app.request('/api/incidents')).headers.get('cache-control')).toBe('no-store')
  })

  it('reads a GitHub form delivery whose content type is written in capitals', async () => {
    t = await testApp()
    const body = `payload=${encodeURIComponent(JSON.stringify({ zen: 'Design for failure.', hook_id: 1 }))}`
    const res = await t.app.request('/webhooks/github', {
      method: 'POST',
      headers: {
        'content-type': 'Application/X-WWW-Form-URLEncoded',
        'x-github-event': 'ping',
        'x-github-delivery': 'd-upper',
        'x-hub-signature-256': `sha256=${createHmac('sha256', TEST_GITHUB_SECRET).update(body).digest('hex')}`,
      },
      body,
    })
    expect(res.status).toBe(200)
  })
})
