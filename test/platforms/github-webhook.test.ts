import { createHmac } from 'node:crypto'
import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import { parseGithubPush, verifyGithubSignature } from '../../src/platforms/github/webhook.js'
import { ZERO_SHA } from '../../src/platforms/types.js'

interface Example {
  name: string
  examples: Record<string, unknown>[]
}
const examples = createRequire(import.meta.url)('@octokit/webhooks-examples') as Example[]
const pushExamples = examples.find((e) => e.name === 'push')!.examples

const sign = (secret: string, body: string) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`

describe('verifyGithubSignature', () => {
  it("accepts GitHub's documented test vector", async () => {
    const signature = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17'
    expect(await verifyGithubSignature('Hello, World!', signature, ["It's a Secret to Everybody"])).toBe(true)
  })

  it('rejects a signature made with another secret, a changed body, or a re-serialized body', async () => {
    const raw = JSON.stringify(pushExamples[4], null, 2)
    const signature = sign('current', raw)
    expect(await verifyGithubSignature(raw, signature, ['current'])).toBe(true)
    expect(await verifyGithubSignature(raw, signature, ['other'])).toBe(false)
    expect(await verifyGithubSignature(raw.replace('Codertocat', 'Attacker'), signature, ['current'])).toBe(false)
    expect(await verifyGithubSignature(JSON.stringify(JSON.parse(raw)), signature, ['current'])).toBe(false)
  })

  it('accepts the previous secret during a rotation, and only while it is listed', async () => {
    const raw = JSON.stringify(pushExamples[0])
    const signedWithOld = sign('old-secret', raw)
    expect(await verifyGithubSignature(raw, signedWithOld, ['new-secret', 'old-secret'])).toBe(true)
    expect(await verifyGithubSignature(raw, sign('new-secret', raw), ['new-secret', 'old-secret'])).toBe(true)
    expect(await verifyGithubSignature(raw, signedWithOld, ['new-secret'])).toBe(false)
  })

  it('answers false, without throwing, for missing or malformed signatures and empty input', async () => {
    const raw = '{"zen":"Keep it logically awesome."}'
    const good = sign('s', raw)
    expect(await verifyGithubSignature(raw, undefined, ['s'])).toBe(false)
    expect(await verifyGithubSignature(raw, '', ['s'])).toBe(false)
    expect(await verifyGithubSignature(raw, good.slice(0, -2), ['s'])).toBe(false)
    expect(await verifyGithubSignature(raw, good.replace('sha256=', 'sha1='), ['s'])).toBe(false)
    expect(await verifyGithubSignature(raw, `${good.slice(0, -1)}z`, ['s'])).toBe(false)
    expect(await verifyGithubSignature(raw, good, [])).toBe(false)
    expect(await verifyGithubSignature(raw, good, [''])).toBe(false)
    expect(await verifyGithubSignature('', sign('s', 'x'), ['s'])).toBe(false)
  })
})

describe('parseGithubPush', () => {
  it('accepts every push example GitHub publishes', () => {
    expect(pushExamples.length).toBeGreaterThan(3)
    for (const payload of pushExamples) {
      const result = parseGithubPush(payload)
      expect(result.ok, JSON.stringify(result)).toBe(true)
    }
  })

  it('normalizes a new-branch push from a GitHub App delivery', () => {
    const payload = pushExamples.find((p) => p.ref === 'refs/heads/master' && p.installation)!
    const result = parseGithubPush(payload)
    if (!result.ok) throw new Error(result.error)
    const push = result.push
    expect(push.provider).toBe('github')
    expect(push.repository).toMatchObject({
      id: '186853002',
      fullName: 'Codertocat/Hello-World',
      url: 'https://github.com/Codertocat/Hello-World',
      defaultBranch: 'master',
    })
    expect(push.refUpdates).toEqual([
      { ref: 'refs/heads/master', before: ZERO_SHA, after: '6113728f27ae82c7b1a177c8d03f9e96e0adf246' },
    ])
    expect(push.installationId).toBe((payload.installation as { id: number }).id)
    expect(push.pusher).toMatchObject({
      name: 'Codertocat',
      email: '21031067+Codertocat@users.noreply.github.com',
      login: 'Codertocat',
    })
    expect(push.commits).toHaveLength(1)
    expect(push.commits[0]).toMatchObject({
      id: '6113728f27ae82c7b1a177c8d03f9e96e0adf246',
      distinct: true,
      author: { login: 'Codertocat' },
    })
    expect(push.forced).toBe(false)
    expect(push.apiBase).toBe('https://api.github.com')
  })

  it('normalizes a deleted tag (after is all zeros, no commits)', () => {
    const payload = pushExamples.find((p) => p.deleted === true)!
    const result = parseGithubPush(payload)
    if (!result.ok) throw new Error(result.error)
    expect(result.push.refUpdates[0]).toMatchObject({ ref: 'refs/tags/simple-tag', after: ZERO_SHA })
    expect(result.push.commits).toEqual([])
  })

  it('names the missing or invalid field', () => {
    const base = structuredClone(pushExamples[4]!) as Record<string, any>
    const without = (mutate: (p: Record<string, any>) => void) => {
      const p = structuredClone(base)
      mutate(p)
      const r = parseGithubPush(p)
      if (r.ok) throw new Error('expected a validation error')
      return r.error
    }
    expect(without((p) => delete p.repository.full_name)).toMatch(/^repository\.full_name: /)
    expect(without((p) => delete p.after)).toMatch(/^after: /)
    expect(without((p) => (p.before = 'not-a-sha'))).toMatch(/^before: expected a hex commit SHA/)
    expect(without((p) => (p.ref = 'main'))).toMatch(/^ref: /)
    expect(without((p) => delete p.commits[0].id)).toMatch(/^commits\.0\.id: /)
    expect(without((p) => (p.repository.id = '186853002'))).toMatch(/^repository\.id: /)
    expect(without((p) => delete p.pusher)).toMatch(/^pusher: /)
    const notObject = parseGithubPush('push')
    expect(notObject.ok).toBe(false)
    if (!notObject.ok) expect(notObject.error).toMatch(/^\(payload\): /)
  })

  it('refuses a ping payload as a push', () => {
    const ping = examples.find((e) => e.name === 'ping')!.examples[0]
    const r = parseGithubPush(ping)
    expect(r.ok).toBe(false)
  })
})
