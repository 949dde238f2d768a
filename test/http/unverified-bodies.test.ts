/**
 * Bodies from strangers cost patrol little memory (issue 14, item 1): a GitHub delivery without a signature is refused
 * before its body is read; the signature is checked while the body streams in; all unverified bodies share one byte
 * budget (503 with Retry-After past it); the sign-in form takes only a few kilobytes of urlencoded text.
 */
import { createHmac, randomBytes } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { githubSignatureCheck, macEngines } from '../../src/platforms/github/signature.js'
import { TEST_ADMIN_TOKEN, TEST_GITHUB_SECRET } from '../support/env.js'
import { feedInPieces } from '../support/pieces.js'
import { type TestApp, testApp } from '../support/service-app.js'

/** A request body that records how much of it was pulled, and can hold back its end until `finish()`. */
function watchedBody(total: number, o: { holdAt?: number } = {}) {
  let pulled = 0
  let release: () => void = () => {}
  const held = new Promise<void>((resolve) => {
    release = resolve
  })
  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (o.holdAt !== undefined && pulled >= o.holdAt) await held
        const size = Math.min(16 * 1024, total - pulled)
        if (size <= 0) return controller.close()
        pulled += size
        controller.enqueue(new Uint8Array(size).fill(0x61))
      },
    },
    { highWaterMark: 0 },
  )
  return {
    stream,
    pulled: () => pulled,
    finish: () => release(),
  }
}

const post = (t: TestApp, path: string, body: ReadableStream | string, headers: Record<string, string>) =>
  t.app.request(path, { method: 'POST', headers, body, duplex: 'half' } as RequestInit)

const signedHeaders = (signature = `sha256=${'0'.repeat(64)}`) => ({
  'content-type': 'application/json',
  'x-github-event': 'push',
  'x-github-delivery': 'd-1',
  'x-hub-signature-256': signature,
})

let t: TestApp
afterEach(() => t.cleanup())

describe('GitHub deliveries before their signature is known', () => {
  beforeEach(async () => {
    t = await testApp({ PATROL_UNVERIFIED_BODY_BYTES: String(256 * 1024) })
  })

  it('refuses a delivery without a signature without reading its body', async () => {
    const body = watchedBody(4 * 1024 * 1024)
    const res = await post(t, '/webhooks/github', body.stream, { 'content-type': 'application/json' })
    expect(res.status).toBe(401)
    expect(body.pulled()).toBe(0)
  })

  it('answers 503 with Retry-After when unverified bodies would go over the budget, and reads on once it is free', async () => {
    // One slow sender holds 192 KB of the 256 KB budget…
    const slow = watchedBody(400 * 1024, { holdAt: 192 * 1024 })
    const slowAnswer = post(t, '/webhooks/github', slow.stream, signedHeaders())
    while (slow.pulled() < 192 * 1024) await new Promise((r) => setTimeout(r, 5))

    // …so a second one that declares 128 KB is refused before a byte is read, and a chunked one once it reaches 64 KB.
    const declared = watchedBody(128 * 1024)
    const refused = await post(t, '/webhooks/github', declared.stream, {
      ...signedHeaders(),
      'content-length': String(128 * 1024),
    })
    expect(refused.status).toBe(503)
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/)
    expect(await refused.json()).toMatchObject({ error: expect.stringMatching(/unverified/) })
    expect(declared.pulled()).toBe(0)
    const chunked = watchedBody(128 * 1024)
    expect((await post(t, '/webhooks/github', chunked.stream, signedHeaders())).status).toBe(503)
    expect(chunked.pulled()).toBeLessThan(128 * 1024)

    // The slow sender goes over the budget itself when it sends the rest; then the budget is free again.
    slow.finish()
    expect((await slowAnswer).status).toBe(503)
    const later = watchedBody(128 * 1024)
    const res = await post(t, '/webhooks/github', later.stream, signedHeaders())
    expect(res.status).toBe(401)
    expect(later.pulled()).toBe(128 * 1024)
  })

  it('accepts a delivery whose signature matches, checked in chunks of any size', async () => {
    const payload = Buffer.from(JSON.stringify({ zen: 'Keep it logically awesome.', hook_id: 1 }))
    const signature = `sha256=${createHmac('sha256', TEST_GITHUB_SECRET).update(payload).digest('hex')}`
    const res = await t.app.request('/webhooks/github', {
      method: 'POST',
      headers: { ...signedHeaders(signature), 'x-github-event': 'ping' },
      body: payload,
    })
    expect(res.status).toBe(200)
  })
})

describe('the streaming signature check', () => {
  it("has Node's native HMAC and the JavaScript one here (Workers' DigestStream is checked in workerd)", () => {
    expect(macEngines()).toEqual(['node', 'javascript'])
  })

  it.each(macEngines())(
    'agrees with node:crypto over random bodies split at random places, for every configured secret (%s HMAC)',
    async (engine) => {
      for (let round = 0; round < 40; round++) {
        const body = randomBytes(Math.floor(Math.random() * 5000) + 1)
        const secret = randomBytes(1 + Math.floor(Math.random() * 100)).toString('base64')
        const signature = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`
        const check = githubSignatureCheck(signature, ['some-other-secret', secret], { engine })!
        feedInPieces(check, body)
        expect(await check.matches()).toBe(true)
        const wrong = githubSignatureCheck(signature, ['some-other-secret'], { engine })!
        wrong.update(body)
        expect(await wrong.matches()).toBe(false)
      }
      expect(githubSignatureCheck('sha1=abc', ['s'])).toBeUndefined()
    },
  )
})

describe('the sign-in form', () => {
  beforeEach(async () => {
    t = await testApp()
  })

  const signIn = (body: string, contentType: string) =>
    t.app.request('/admin/sign-in', {
      method: 'POST',
      headers: { origin: 'http://localhost', 'content-type': contentType },
      body,
    })

  it('refuses a multipart form with 415, even with the right token', async () => {
    const form = new FormData()
    form.set('token', TEST_ADMIN_TOKEN)
    const res = await t.app.request('/admin/sign-in', {
      method: 'POST',
      headers: { origin: 'http://localhost' },
      body: form,
    })
    expect(res.status).toBe(415)
    expect(res.headers.getSetCookie()).toEqual([])
  })

  it('refuses a urlencoded body over 8 KB with 413', async () => {
    const res = await signIn(`token=${TEST_ADMIN_TOKEN}&pad=${'x'.repeat(9000)}`, 'application/x-www-form-urlencoded')
    expect(res.status).toBe(413)
    expect(res.headers.getSetCookie()).toEqual([])
  })

  it('accepts the form with an upper-case content type', async () => {
    const res = await signIn(`token=${TEST_ADMIN_TOKEN}`, 'Application/X-WWW-Form-Urlencoded; charset=UTF-8')
    expect(res.status).toBe(303)
  })
})
