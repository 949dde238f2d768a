/**
 * GitHub events beyond push through POST /webhooks/github, on GitHub's published example payloads
 * (@octokit/webhooks-examples): a token written into an issue, a pull request, a comment, a review, a discussion or a
 * release becomes an incident whose occurrence names its source, its page (built from the configured host, equal to
 * the payload's own `html_url` on github.com) and its author. The text is stored sealed; an edit is scanned only for
 * the lines it wrote; actions that write nothing are answered 202 and store nothing.
 */
import { createRequire } from 'node:module'
import { count } from 'drizzle-orm'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { contentEvents, deliveries, incidents, jobs, occurrences } from '../../src/db/schema.js'
import { type Pipeline, startPipeline, tokensAtRest } from '../support/pipeline.js'
import { generateAdoPat, generateGithubToken } from '../support/tokens.js'

interface Example {
  name: string
  examples: Record<string, unknown>[]
}
const examples = createRequire(import.meta.url)('@octokit/webhooks-examples') as Example[]
const examplesOf = (name: string) => examples.find((e) => e.name === name)!.examples

type Payload = any

/** Each event, the object in its payload that holds the text, and the source patrol records. */
const EVENTS: { event: string; holder: (p: Payload) => Payload; source: string; actions: string[] }[] = [
  { event: 'issue_comment', holder: (p) => p.comment, source: 'comment', actions: ['created', 'edited'] },
  { event: 'issues', holder: (p) => p.issue, source: 'issue', actions: ['opened', 'edited'] },
  // No published `edited` pull_request example: the edit is made from the `opened` one (same shape, plus `changes`).
  { event: 'pull_request', holder: (p) => p.pull_request, source: 'pull_request', actions: ['opened'] },
  { event: 'pull_request_review', holder: (p) => p.review, source: 'comment', actions: ['submitted'] },
  { event: 'pull_request_review_comment', holder: (p) => p.comment, source: 'comment', actions: ['created', 'edited'] },
  { event: 'commit_comment', holder: (p) => p.comment, source: 'comment', actions: ['created'] },
  { event: 'discussion', holder: (p) => p.discussion, source: 'discussion', actions: ['created', 'edited'] },
  { event: 'discussion_comment', holder: (p) => p.comment, source: 'comment', actions: ['created', 'edited'] },
  { event: 'release', holder: (p) => p.release, source: 'release', actions: ['published', 'created', 'edited'] },
]

let p: Pipeline
beforeEach(async () => {
  p = await startPipeline({ PATROL_REVOKE: 'off' })
})
afterEach(() => p.close())

async function stored() {
  const n = async (table: typeof deliveries | typeof contentEvents | typeof jobs) =>
    (await p.db.select({ n: count() }).from(table))[0]!.n
  return { deliveries: await n(deliveries), content: await n(contentEvents), jobs: await n(jobs) }
}

describe.each(EVENTS)('$event', ({ event, holder, source, actions }) => {
  const published = examplesOf(event).filter((e) => actions.includes(e.action as string))
  const cases = event === 'pull_request' ? [...published, { ...published[0]!, action: 'edited' }] : published

  it('has published examples for every action patrol reads', () => {
    expect(new Set(published.map((c) => c.action))).toEqual(new Set(actions))
  })

  it('records a token written in the text as an occurrence with its source, page and author', async () => {
    let n = 0
    for (const example of cases) {
      const payload: Payload = structuredClone(example)
      const text = holder(payload)
      const token = generateGithubToken('ghp')
      const before = text.body ?? ''
      text.body = `${before}\nit fails, try with my token ${token}`
      if (payload.action === 'edited') payload.changes = { body: { from: before } }
      const res = await p.postGithub(payload, `${event}-${n++}`, { event })
      expect(res.status).toBe(202)
      expect(await res.json()).toMatchObject({ queued: true })
      await p.drain()

      const [row] = (await p.db.select().from(occurrences)).slice(-1)
      expect(row).toMatchObject({
        source,
        provider: 'github',
        repository: payload.repository.full_name,
        url: text.html_url,
        authorName: (text.user ?? text.author).login,
      })
      expect(row!.line).toBe(before.split(/\r?\n/).length + 1)
      expect(tokensAtRest(p.dir, [token])).toEqual([])
    }
    expect(await p.db.select({ n: count() }).from(incidents)).toEqual([{ n: cases.length }])
  })
})

describe('what an event wrote', () => {
  it('scans only the lines an edit wrote: a token already in the previous text is not read again', async () => {
    const payload: Payload = structuredClone(examplesOf('issue_comment').find((e) => e.action === 'edited'))
    const old = `token ${generateAdoPat()}`
    payload.comment.body = `${old}\nedited: fixed a typo`
    payload.changes = { body: { from: old } }
    expect((await p.postGithub(payload, 'edit-1', { event: 'issue_comment' })).status).toBe(202)
    await p.drain()
    expect(await p.db.select().from(incidents)).toEqual([])
    const [row] = await p.db.select().from(contentEvents)
    expect(row).toMatchObject({ scanStatus: 'scanned', findings: 0, source: 'comment' })
  })

  it('reads the title of an issue as well as its body', async () => {
    const payload: Payload = structuredClone(examplesOf('issues').find((e) => e.action === 'opened'))
    const token = generateGithubToken('ghp')
    payload.issue.title = `CI fails with ${token}`
    payload.issue.body = null
    expect((await p.postGithub(payload, 'title-1', { event: 'issues' })).status).toBe(202)
    await p.drain()
    const [row] = await p.db.select().from(occurrences)
    expect(row).toMatchObject({ path: `issue #${payload.issue.number} (title)`, line: 1, source: 'issue' })
  })

  it('answers actions that write nothing with 202 and stores nothing', async () => {
    const ignored = [
      ['issues', 'labeled'],
      ['issue_comment', 'deleted'],
      ['pull_request', 'closed'],
      ['discussion', 'locked'],
      ['release', 'deleted'],
    ]
    for (const [event, action] of ignored) {
      const payload = examplesOf(event!).find((e) => e.action === action)
      const res = await p.postGithub(payload, `${event}-${action}`, { event })
      expect(res.status).toBe(202)
      expect(await res.json()).toMatchObject({ ignored: true, event })
    }
    expect(await stored()).toEqual({ deliveries: 0, content: 0, jobs: 0 })
  })

  it('refuses a payload missing its text holder with a 400 naming the field, storing nothing', async () => {
    const payload: Payload = structuredClone(examplesOf('issue_comment')[0])
    delete payload.comment
    const res = await p.postGithub(payload, 'broken-1', { event: 'issue_comment' })
    expect(res.status).toBe(400)
    expect(((await res.json()) as { error: string }).error).toMatch(/^issue_comment payload: comment: /)
    expect(await stored()).toEqual({ deliveries: 0, content: 0, jobs: 0 })
  })

  it('answers a redelivery 200 duplicate and records nothing twice', async () => {
    const payload: Payload = structuredClone(examplesOf('issue_comment')[0])
    payload.comment.body = `here: ${generateGithubToken('ghp')}`
    expect((await p.postGithub(payload, 'again', { event: 'issue_comment' })).status).toBe(202)
    const again = await p.postGithub(payload, 'again', { event: 'issue_comment' })
    expect(again.status).toBe(200)
    expect(await again.json()).toMatchObject({ duplicate: true })
    await p.drain()
    expect(await p.db.select({ n: count() }).from(occurrences)).toEqual([{ n: 1 }])
  })
})
