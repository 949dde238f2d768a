/**
 * POST /webhooks/github through the real app and a real SQLite file: every refusal is a JSON 4xx that stores
 * nothing (no delivery, push or job row); an accepted push is stored with its scan job before the 202; a redelivery
 * answers 200 duplicate and queues nothing; GitHub's published example payloads are all accepted.
 */
import { createRequire } from 'node:module'
import { count } from 'drizzle-orm'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { deliveries, jobs, pushes } from '../../src/db/schema.js'
import { TEST_GITHUB_SECRET } from '../support/env.js'
import { githubSignature, type Pipeline, startPipeline } from '../support/pipeline.js'

interface Example {
  name: string
  examples: Record<string, unknown>[]
}
const examples = createRequire(import.meta.url)('@octokit/webhooks-examples') as Example[]
const examplesOf = (name: string) => examples.find((e) => e.name === name)!.examples
const pushExamples = examplesOf('push')

let p: Pipeline
beforeEach(async () => {
  p = await startPipeline({ GITHUB_WEBHOOK_SECRETS_PREVIOUS: 'old-secret-1, old-secret-2' })
})
afterEach(() => p.close())

async function stored() {
  const n = async (table: typeof deliveries | typeof pushes | typeof jobs) =>
    (await p.db.select({ n: count() }).from(table))[0]!.n
  return { deliveries: await n(deliveries), pushes: await n(pushes), jobs: await n(jobs) }
}
const NOTHING = { deliveries: 0, pushes: 0, jobs: 0 }

async function expectJsonError(res: Response, status: number, pattern: RegExp) {
  expect(res.status).toBe(status)
  expect(res.headers.get('content-type')).toMatch(/^application\/json/)
  const body = (await res.json()) as { error: string; requestId: string }
  expect(body.error).toMatch(pattern)
  expect(body.requestId).toBeTruthy()
  return body
}

/** A published push example that carries commits. */
const push = (): Record<string, unknown> =>
  structuredClone(pushExamples.find((e) => (e.commits as unknown[]).length > 0)!)

describe('signature', () => {
  it('refuses a delivery without X-Hub-Signature-256 with 401 JSON and stores nothing', async () => {
    await expectJsonError(
      await p.postGithub(push(), 'no-signature', { secret: null }),
      401,
      /X-Hub-Signature-256: missing/,
    )
    expect(await stored()).toEqual(NOTHING)
  })

  it('refuses a signature made with an unknown secret, or over another body, with 401 and stores nothing', async () => {
    await expectJsonError(
      await p.postGithub(push(), 'wrong-secret', { secret: 'not-the-secret' }),
      401,
      /does not match/,
    )
    const body = JSON.stringify(push())
    const tampered = body.replace('Codertocat', 'Mallory')
    expect(tampered).not.toBe(body)
    const res = await p.app.request('/webhooks/github', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'push',
        'x-github-delivery': 'tampered',
        'x-hub-signature-256': githubSignature(TEST_GITHUB_SECRET, body),
      },
      body: tampered,
    })
    await expectJsonError(res, 401, /does not match/)
    const sha1 = await p.app.request('/webhooks/github', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'push',
        'x-github-delivery': 'sha1',
        'x-hub-signature': githubSignature(TEST_GITHUB_SECRET, body).replace('sha256', 'sha1'),
      },
      body,
    })
    await expectJsonError(sha1, 401, /missing/)
    expect(await stored()).toEqual(NOTHING)
  })

  it('checks the signature before anything else: a bad signature on a ping or on garbage is still 401', async () => {
    await expectJsonError(
      await p.postGithub(examplesOf('ping')[0], 'ping-bad', { event: 'ping', secret: 'nope' }),
      401,
      /does not match/,
    )
    await expectJsonError(
      await p.postGithub(null, 'garbage-bad', { raw: '{not json', secret: 'nope' }),
      401,
      /does not match/,
    )
    expect(await stored()).toEqual(NOTHING)
  })

  it('accepts a delivery signed with a previous secret during a rotation (GITHUB_WEBHOOK_SECRETS_PREVIOUS)', async () => {
    expect((await p.postGithub(push(), 'rotated-1', { secret: 'old-secret-1' })).status).toBe(202)
    const another = { ...push(), after: 'e'.repeat(40) }
    expect((await p.postGithub(another, 'rotated-2', { secret: 'old-secret-2' })).status).toBe(202)
    expect(await stored()).toEqual({ deliveries: 2, pushes: 2, jobs: 2 })
  })
})

describe('payload', () => {
  it('answers 400 to malformed JSON (signed), storing nothing', async () => {
    await expectJsonError(
      await p.postGithub(null, 'malformed', { raw: '{"ref": "refs/heads/main",' }),
      400,
      /^body: expects a JSON object/,
    )
    await expectJsonError(await p.postGithub(null, 'array', { raw: '[1,2]' }), 400, /^body: /)
    expect(await stored()).toEqual(NOTHING)
  })

  it('answers 400 naming the field when a push lacks what patrol needs, storing nothing', async () => {
    const noName = push() as { repository: Record<string, unknown> }
    delete noName.repository.full_name
    await expectJsonError(await p.postGithub(noName, 'no-name'), 400, /^push payload: repository\.full_name: /)
    const noAfter = push()
    delete noAfter.after
    await expectJsonError(await p.postGithub(noAfter, 'no-after'), 400, /^push payload: after: /)
    const badCommit = push() as { commits: { id?: string }[] }
    badCommit.commits[0]!.id = 'HEAD'
    await expectJsonError(
      await p.postGithub(badCommit, 'bad-commit'),
      400,
      /^push payload: commits\.0\.id: expected a hex commit SHA/,
    )
    expect(await stored()).toEqual(NOTHING)
  })

  it('answers 400 when X-GitHub-Delivery is missing, storing nothing', async () => {
    await expectJsonError(await p.postGithub(push(), ''), 400, /X-GitHub-Delivery/)
    expect(await stored()).toEqual(NOTHING)
  })

  it('answers a ping 200 and stores nothing', async () => {
    const res = await p.postGithub(examplesOf('ping')[0], 'ping-1', { event: 'ping' })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ ok: true, event: 'ping' })
    expect(await stored()).toEqual(NOTHING)
  })

  it('answers other events 202 ignored and queues nothing', async () => {
    const res = await p.postGithub(examplesOf('star')[0], 'star-1', { event: 'star' })
    expect(res.status).toBe(202)
    expect(await res.json()).toEqual({ ignored: true, event: 'star' })
    expect((await stored()).jobs).toBe(0)
  })

  it('accepts the form encoding (payload=<json>), signed over the form body', async () => {
    const res = await p.postGithub(push(), 'form-1', { contentType: 'application/x-www-form-urlencoded' })
    expect(res.status).toBe(202)
    expect(await res.json()).toEqual({ queued: true, deliveryId: 'form-1' })
    const [row] = await p.db.select().from(pushes)
    expect(row).toMatchObject({ provider: 'github', repository: 'Codertocat/Hello-World', scanStatus: 'pending' })
  })
})

describe('storing', () => {
  it('stores the delivery, its push and one scan job before the 202; a redelivery is 200 duplicate and queues nothing', async () => {
    const first = await p.postGithub(push(), 'replayed')
    expect(first.status).toBe(202)
    expect(await stored()).toEqual({ deliveries: 1, pushes: 1, jobs: 1 })
    const [job] = await p.db.select().from(jobs)
    expect(job).toMatchObject({ kind: 'scan-push', state: 'queued', idempotencyKey: 'scan-push:github:replayed' })
    expect(JSON.parse(job!.payload)).toEqual({ provider: 'github', deliveryId: 'replayed' })

    for (let i = 0; i < 2; i++) {
      const again = await p.postGithub(push(), 'replayed')
      expect(again.status).toBe(200)
      expect(await again.json()).toEqual({ duplicate: true, deliveryId: 'replayed' })
    }
    expect(await stored()).toEqual({ deliveries: 1, pushes: 1, jobs: 1 })
  })

  it('answers the same push replayed under a new delivery id 200 duplicate and stores nothing more', async () => {
    expect((await p.postGithub(push(), 'captured')).status).toBe(202)
    const replay = await p.postGithub(push(), 'captured-under-a-new-id')
    expect(replay.status).toBe(200)
    expect(await replay.json()).toEqual({ duplicate: true, deliveryId: 'captured-under-a-new-id' })
    expect(await stored()).toEqual({ deliveries: 1, pushes: 1, jobs: 1 })
    // Another push to the same repository (a new `after`) is still a push of its own.
    const next = push() as { before: string; after: string }
    next.before = next.after
    next.after = 'f'.repeat(40)
    expect((await p.postGithub(next, 'the-next-push')).status).toBe(202)
    expect(await stored()).toEqual({ deliveries: 2, pushes: 2, jobs: 2 })
  })

  it('keeps the push event sealed: the stored row holds no commit message in clear', async () => {
    const payload = push() as { commits: { message: string }[] }
    payload.commits[0]!.message = 'a-distinctive-commit-message-42'
    expect((await p.postGithub(payload, 'sealed-1')).status).toBe(202)
    const [row] = await p.db.select().from(pushes)
    expect(row!.event).toMatch(/^v1\./)
    expect(row!.event).not.toContain('distinctive')
  })

  it('accepts every push example GitHub publishes (@octokit/webhooks-examples): 202 with a scan job, 200 duplicate for one whose push (repository, ref, before, after) came already', async () => {
    expect(pushExamples.length).toBeGreaterThan(3)
    const seen = new Set<string>()
    for (const [i, example] of pushExamples.entries()) {
      const e = example as { repository: { full_name: string }; ref: string; before: string; after: string }
      const key = [e.repository.full_name, e.ref, e.before, e.after].join(' ')
      const res = await p.postGithub(example, `example-${i}`)
      expect(res.status, JSON.stringify(await res.clone().json())).toBe(seen.has(key) ? 200 : 202)
      seen.add(key)
    }
    expect(seen.size).toBeGreaterThan(1)
    expect(await stored()).toEqual({ deliveries: seen.size, pushes: seen.size, jobs: seen.size })
  })

  it('scans the published examples without a GitHub token: commit messages only, each push marked partial', async () => {
    for (const [i, example] of pushExamples.entries()) await p.postGithub(example, `example-${i}`)
    await p.drain()
    const rows = await p.db.select().from(pushes)
    expect(rows.length).toBeGreaterThan(1)
    expect(rows.map((r) => r.scanStatus)).toEqual(rows.map(() => 'partial'))
    for (const r of rows) expect(JSON.parse(r.partialReasons!)).toEqual([expect.stringContaining('GITHUB_TOKEN')])
    expect((await p.jobsOf('scan-push')).map((j) => j.state)).toEqual(rows.map(() => 'done'))
  })
})

describe('delivery record', () => {
  it('records the body size in bytes, not characters', async () => {
    const payload = push() as { commits: { message: string }[] }
    payload.commits[0]!.message = 'Größe ändern — 修正 🚀'
    const body = JSON.stringify(payload)
    expect((await p.postGithub(payload, 'utf8-1')).status).toBe(202)
    const [row] = await p.db.select().from(deliveries)
    expect(row!.bodyBytes).toBe(Buffer.byteLength(body))
  })
})
