import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { AzureDevOpsSource } from '../../src/platforms/azure-devops/client.js'
import { parseAzurePush } from '../../src/platforms/azure-devops/webhook.js'
import { CALL_RETRY } from '../../src/platforms/remote-error.js'
import type { AddedFile, PushEvent, ScanReport } from '../../src/platforms/types.js'
import { type AzureDevOpsApiStandIn, type AzureRefUpdate, startAzureDevOpsApi } from '../support/azure-devops-api.js'
import { ZERO } from '../support/git-repo.js'
import { rejection } from '../support/remote-rejection.js'

const PAT = 'stand-in-azure-pat'
const PROJECT = '6ce954b1-ce1f-45d1-b94d-e6bf2464ba2c'
let az: AzureDevOpsApiStandIn
let repoCounter = 0

beforeAll(async () => {
  az = await startAzureDevOpsApi()
  az.requireToken(PAT)
})
afterAll(() => az.close())
beforeEach(() => {
  az.requests.length = 0
})

function newRepo() {
  const repoId = `00000000-0000-0000-0000-${String(++repoCounter).padStart(12, '0')}`
  return { repoId, repo: az.repo(PROJECT, repoId) }
}

/** Records the push in the stand-in and parses the hook event it would deliver, as the webhook route does. */
function pushOf(repoId: string, refUpdates: AzureRefUpdate[], commits?: string[]): PushEvent {
  const pushId = az.addPush(PROJECT, repoId, { refUpdates, ...(commits ? { commits } : {}) })
  const parsed = parseAzurePush(az.hookPayload(pushId))
  if (!parsed.ok) throw new Error(parsed.error)
  return parsed.push
}

async function collect(
  push: PushEvent,
  maxBytes = 10 << 20,
  source = new AzureDevOpsSource({ orgUrl: az.url, token: PAT, timeoutMs: 5_000 }),
) {
  const report: ScanReport = { bytes: 0, files: 0, partial: [] }
  const files: AddedFile[] = []
  for await (const f of source.added(push, { maxBytes }, report)) files.push(f)
  return { files, report }
}

const contentFiles = (files: AddedFile[]) => files.filter((f) => f.path !== '(commit message)')
const messages = (files: AddedFile[]) => files.filter((f) => f.path === '(commit message)')
const allText = (files: AddedFile[]) => files.flatMap((f) => f.lines.map((l) => l.text)).join('\n')
const routes = () => az.requests.map((r) => r.path.replace(/^.*\/repositories\/[^/]+\//, ''))

describe('AzureDevOpsSource: push types', () => {
  it('branch update: re-reads the push, diffs old and new blobs, skips folders and deletions, yields the message', async () => {
    const { repoId, repo } = newRepo()
    const c1 = repo.commit({
      files: { 'src/web.config': '<a/>\n<REMOVED_SECRET/>\n<b/>\n', 'docs/old.md': 'OLD_DOC\n' },
    })
    const c2 = repo.commit({
      parents: [c1],
      message: 'Fixed bug in web.config file',
      author: { name: 'Jamal Hartnett', email: 'fabrikamfiber4@hotmail.com' },
      files: { 'src/web.config': '<a/>\n<b/>\n<ADDED_SECRET/>\n', 'docs/old.md': null },
    })
    const { files, report } = await collect(
      pushOf(repoId, [{ name: 'refs/heads/main', oldObjectId: c1, newObjectId: c2 }]),
    )

    const author = { name: 'Jamal Hartnett', email: 'fabrikamfiber4@hotmail.com' }
    expect(contentFiles(files)).toEqual([
      { path: 'src/web.config', commit: c2, author, lines: [{ line: 3, text: '<ADDED_SECRET/>' }] },
    ])
    expect(messages(files)).toEqual([
      { path: '(commit message)', commit: c2, author, lines: [{ line: 1, text: 'Fixed bug in web.config file' }] },
    ])
    expect(allText(files)).not.toMatch(/REMOVED_SECRET|OLD_DOC/)
    const newBlob = repo.get(c2).tree.get('src/web.config')
    const oldBlob = repo.get(c1).tree.get('src/web.config')
    expect(routes()).toEqual([
      `pushes/${az.requests[0]!.path.split('/').pop()}`,
      'commits',
      'diffs/commits',
      `blobs/${newBlob}`,
      `blobs/${oldBlob}`,
    ])
    for (const r of az.requests) {
      expect(r.query.get('api-version')).toBe('7.1')
      expect(r.headers.authorization).toBe(`Basic ${Buffer.from(`:${PAT}`).toString('base64')}`)
    }
    expect(az.requests[0]!.query.get('includeRefUpdates')).toBe('true')
    const diff = az.requests[2]!.query
    expect(Object.fromEntries(diff)).toMatchObject({
      baseVersion: c1,
      targetVersion: c2,
      baseVersionType: 'commit',
      targetVersionType: 'commit',
      $top: '100',
      $skip: '0',
    })
    expect(az.requests[3]!.query.get('$format')).toBe('octetstream')
    expect(report).toMatchObject({ files: 1, partial: [] })
    expect(report.bytes).toBeGreaterThan(0)
  })

  it('new branch: each pushed commit against its parent', async () => {
    const { repoId, repo } = newRepo()
    const c1 = repo.commit({ files: { 'a.txt': 'base\n' } })
    const c2 = repo.commit({ parents: [c1], message: 'one', files: { 'a.txt': 'base\nFIRST\n' } })
    const c3 = repo.commit({ parents: [c2], message: 'two', files: { 'dir/b.txt': 'SECOND\n' } })
    const { files } = await collect(
      pushOf(repoId, [{ name: 'refs/heads/feature', oldObjectId: ZERO, newObjectId: c3 }], [c3, c2]),
    )
    expect(contentFiles(files).map((f) => [f.commit, f.path, f.lines])).toEqual([
      [c3, 'dir/b.txt', [{ line: 1, text: 'SECOND' }]],
      [c2, 'a.txt', [{ line: 2, text: 'FIRST' }]],
    ])
    expect(
      messages(files)
        .map((m) => m.lines[0]!.text)
        .sort(),
    ).toEqual(['one', 'two'])
    expect(allText(files)).not.toContain('base')
    expect(routes()).not.toContain('diffs/commits')
  })

  it('deleted branch: nothing after re-reading the push', async () => {
    const { repoId, repo } = newRepo()
    const c1 = repo.commit({ files: { 'a.txt': 'x\n' } })
    const { files, report } = await collect(
      pushOf(repoId, [{ name: 'refs/heads/gone', oldObjectId: c1, newObjectId: ZERO }], []),
    )
    expect(files).toEqual([])
    expect(report).toEqual({ bytes: 0, files: 0, partial: [] })
    expect(routes()).toHaveLength(1)
    expect(routes()[0]).toMatch(/^pushes\/\d+$/)
  })

  it('tag on an existing commit: nothing new', async () => {
    const { repoId, repo } = newRepo()
    const c1 = repo.commit({ files: { 'a.txt': 'EXISTING\n' } })
    const { files } = await collect(pushOf(repoId, [{ name: 'refs/tags/v1', oldObjectId: ZERO, newObjectId: c1 }], []))
    expect(files).toEqual([])
    expect(routes().filter((r) => r.startsWith('blobs/'))).toEqual([])
  })

  it('forced push: what the new commit added since the merge base', async () => {
    const { repoId, repo } = newRepo()
    const c1 = repo.commit({ files: { 'a.txt': 'base\n' } })
    const rewritten = repo.commit({ parents: [c1], files: { 'a.txt': 'base\nDISCARDED\n' } })
    const replacement = repo.commit({ parents: [c1], message: 'redo', files: { 'b.txt': 'REPLACEMENT\n' } })
    const { files } = await collect(
      pushOf(repoId, [{ name: 'refs/heads/main', oldObjectId: rewritten, newObjectId: replacement }], [replacement]),
    )
    expect(contentFiles(files).map((f) => [f.path, f.lines])).toEqual([['b.txt', [{ line: 1, text: 'REPLACEMENT' }]]])
    expect(allText(files)).not.toContain('DISCARDED')
    expect(az.requests.find((r) => r.path.endsWith('/diffs/commits'))!.query.get('diffCommonCommit')).toBe('true')
  })

  it('two refs updated to the same commit: each change is read once', async () => {
    const { repoId, repo } = newRepo()
    const c1 = repo.commit({ files: { 'a.txt': 'x\n' } })
    const c2 = repo.commit({ parents: [c1], files: { 'a.txt': 'x\nSHARED\n' } })
    const { files } = await collect(
      pushOf(repoId, [
        { name: 'refs/heads/main', oldObjectId: c1, newObjectId: c2 },
        { name: 'refs/heads/release', oldObjectId: c1, newObjectId: c2 },
      ]),
    )
    expect(contentFiles(files)).toHaveLength(1)
    expect(routes().filter((r) => r.startsWith('blobs/'))).toHaveLength(2)
  })
})

describe('AzureDevOpsSource: paging and messages', () => {
  it('pages diffs ($top/$skip until allChangesIncluded) and push commits (top/skip)', async () => {
    const { repoId, repo } = newRepo()
    const c1 = repo.commit({ files: { 'README.md': 'hi\n' } })
    const chain = repo.chain(c1, 105, (i) => ({ [`f/${String(i).padStart(3, '0')}.txt`]: `added ${i}\n` }))
    const { files } = await collect(
      pushOf(repoId, [{ name: 'refs/heads/main', oldObjectId: c1, newObjectId: chain.at(-1)! }]),
    )
    expect(contentFiles(files)).toHaveLength(105)
    expect(messages(files)).toHaveLength(105)
    const diffs = az.requests.filter((r) => r.path.endsWith('/diffs/commits')).map((r) => r.query.get('$skip'))
    expect(diffs).toEqual(['0', '100'])
    const commitPages = az.requests
      .filter((r) => r.path.endsWith('/commits') && r.query.has('pushId'))
      .map((r) => r.query.get('skip'))
    expect(commitPages).toEqual(['0', '100'])
  })

  it('pages a new commit’s changes (top/skip)', async () => {
    const { repoId, repo } = newRepo()
    const many: Record<string, string> = {}
    for (let i = 0; i < 101; i++) many[`g/${String(i).padStart(3, '0')}.txt`] = `v${i}\n`
    const c1 = repo.commit({ files: many })
    const { files } = await collect(pushOf(repoId, [{ name: 'refs/heads/main', oldObjectId: ZERO, newObjectId: c1 }]))
    expect(contentFiles(files)).toHaveLength(101)
    const pages = az.requests.filter((r) => r.path.endsWith('/changes')).map((r) => r.query.get('skip'))
    expect(pages).toEqual(['0', '100'])
  })

  it('reads a truncated commit comment whole', async () => {
    const { repoId, repo } = newRepo()
    const c1 = repo.commit({ files: { 'a.txt': 'x\n' } })
    const long = `${'padding '.repeat(20)}TAIL_OF_MESSAGE`
    const c2 = repo.commit({ parents: [c1], message: long, files: { 'a.txt': 'y\n' } })
    const push = pushOf(repoId, [{ name: 'refs/heads/main', oldObjectId: c1, newObjectId: c2 }])
    expect(push.commits[0]!.messageTruncated).toBe(true)
    const { files } = await collect(push)
    expect(messages(files)[0]!.lines).toEqual([{ line: 1, text: long }])
    expect(routes()).toContain(`commits/${c2}`)
  })
})

describe('AzureDevOpsSource: content limits', () => {
  it('skips binary blobs by content and records it', async () => {
    const { repoId, repo } = newRepo()
    const c1 = repo.commit({ files: { 'a.txt': 'x\n' } })
    const c2 = repo.commit({
      parents: [c1],
      files: { 'bin/tool.dll': Uint8Array.from([0x4d, 0x5a, 0, 0, 0x50]), 'b.txt': 'TEXT\n' },
    })
    const { files, report } = await collect(
      pushOf(repoId, [{ name: 'refs/heads/main', oldObjectId: c1, newObjectId: c2 }]),
    )
    expect(contentFiles(files).map((f) => f.path)).toEqual(['b.txt'])
    expect(report.partial).toEqual(['skipped 1 binary file: bin/tool.dll'])
  })

  it('stops at the byte limit and records where', async () => {
    const { repoId, repo } = newRepo()
    const c1 = repo.commit({ files: { 'README.md': 'hi\n' } })
    const files: Record<string, string> = {}
    for (let i = 0; i < 5; i++) files[`f${i}.txt`] = `${'z'.repeat(99)}\n`
    const c2 = repo.commit({ parents: [c1], message: 'm', files })
    const { files: out, report } = await collect(
      pushOf(repoId, [{ name: 'refs/heads/main', oldObjectId: c1, newObjectId: c2 }]),
      250,
    )
    expect(contentFiles(out)).toHaveLength(2)
    expect(report.bytes).toBeLessThanOrEqual(250)
    expect(report.partial).toEqual([
      'stopped at f2.txt: the push exceeds the 250-byte scan limit; the rest was not scanned',
    ])
  })
})

describe('AzureDevOpsSource: remote failures', () => {
  const simplePush = () => {
    const { repoId, repo } = newRepo()
    const c1 = repo.commit({ files: { 'a.txt': 'x\n' } })
    const c2 = repo.commit({ parents: [c1], files: { 'a.txt': 'x\nLATER\n' } })
    return pushOf(repoId, [{ name: 'refs/heads/main', oldObjectId: c1, newObjectId: c2 }])
  }

  it('a bad PAT answered with 203 and the HTML sign-in page is an auth failure', async () => {
    const source = new AzureDevOpsSource({ orgUrl: az.url, token: 'not-the-pat', timeoutMs: 5_000 })
    const err = await rejection(collect(simplePush(), 1 << 20, source))
    expect(err).toMatchObject({ failure: 'auth', status: 203 })
    expect(err.retryable).toBe(false)
    expect(err.message).not.toContain('not-the-pat')
  })

  it('an HTML answer with 200 is an auth failure too', async () => {
    az.fail({
      match: /\/pushes\//,
      status: 200,
      headers: { 'content-type': 'text/html' },
      body: '<html>Sign In</html>',
    })
    const err = await rejection(collect(simplePush()))
    expect(err.failure).toBe('auth')
  })

  it('a 401 is an auth failure', async () => {
    az.requireToken(PAT, '401')
    try {
      const err = await rejection(
        collect(simplePush(), 1 << 20, new AzureDevOpsSource({ orgUrl: az.url, timeoutMs: 5_000 })),
      )
      expect(err).toMatchObject({ failure: 'auth', status: 401 })
    } finally {
      az.requireToken(PAT, '203')
    }
  })

  it('429 with Retry-After (TF400733): rate_limited with retryAfterMs', async () => {
    az.fail({
      match: /\/diffs\/commits/,
      status: 429,
      headers: {
        'retry-after': '17',
        'x-ratelimit-resource': 'Core',
        'x-ratelimit-delay': '2.5',
        'x-ratelimit-remaining': '0',
      },
      body: JSON.stringify({
        message: 'TF400733: The request has been canceled: Request was blocked due to exceeding usage of resource Core',
      }),
    })
    const err = await rejection(collect(simplePush()))
    expect(err).toMatchObject({ failure: 'rate_limited', status: 429, retryAfterMs: 17_000 })
  })

  it('429 with only X-RateLimit-Delay: rate_limited on patrol’s own backoff (the header is no retry hint)', async () => {
    az.fail({ match: /\/blobs\//, status: 429, headers: { 'x-ratelimit-delay': '4.25' }, times: CALL_RETRY.tries })
    const err = await rejection(collect(simplePush()))
    expect(err).toMatchObject({ failure: 'rate_limited', status: 429 })
    expect(err.retryAfterMs).toBeUndefined()
  })

  it('503 then success on the re-run', async () => {
    const push = simplePush()
    az.fail({ match: /\/pushes\//, status: 503, times: CALL_RETRY.tries })
    const err = await rejection(collect(push))
    expect(err).toMatchObject({ failure: 'transient', status: 503 })
    const { files } = await collect(push)
    expect(contentFiles(files)[0]!.lines).toEqual([{ line: 2, text: 'LATER' }])
  })

  it('a push the API does not know is not_found (not retried forever)', async () => {
    const push = simplePush()
    push.pushId = 999_999
    const err = await rejection(collect(push))
    expect(err.failure).toBe('not_found')
  })
})
