import { generateKeyPairSync } from 'node:crypto'
import { createRequire } from 'node:module'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { GithubAppAuth } from '../../src/platforms/github/app-auth.js'
import { GithubSource } from '../../src/platforms/github/client.js'
import { parseGithubPush } from '../../src/platforms/github/webhook.js'
import { CALL_RETRY } from '../../src/platforms/remote-error.js'
import type { AddedFile, PushEvent, ScanReport } from '../../src/platforms/types.js'
import { ZERO } from '../support/git-repo.js'
import { type GithubApiStandIn, type PushPayloadOptions, startGithubApi } from '../support/github-api.js'
import { rejection } from '../support/remote-rejection.js'

let gh: GithubApiStandIn
let repoCounter = 0
const TOKEN = 'stand-in-pat'

beforeAll(async () => {
  gh = await startGithubApi()
  gh.requireToken(TOKEN)
})
afterAll(() => gh.close())
beforeEach(() => {
  gh.requests.length = 0
})

/** A fresh repository per test, so tests do not share history. */
function newRepo() {
  const fullName = `octo/repo-${++repoCounter}`
  return { fullName, repo: gh.repo(fullName) }
}

function pushOf(fullName: string, options: PushPayloadOptions): PushEvent {
  const parsed = parseGithubPush(gh.pushPayload(fullName, options))
  if (!parsed.ok) throw new Error(parsed.error)
  return parsed.push
}

async function collect(
  push: PushEvent,
  maxBytes = 10 << 20,
  source = new GithubSource({ apiUrl: gh.url, token: TOKEN, timeoutMs: 5_000 }),
  maxCalls?: number,
) {
  const report: ScanReport = { bytes: 0, files: 0, partial: [] }
  const files: AddedFile[] = []
  for await (const f of source.added(push, { maxBytes, maxCalls }, report)) files.push(f)
  return { files, report }
}

const contentFiles = (files: AddedFile[]) => files.filter((f) => f.path !== '(commit message)')
const messages = (files: AddedFile[]) => files.filter((f) => f.path === '(commit message)')
const allText = (files: AddedFile[]) => files.flatMap((f) => f.lines.map((l) => l.text)).join('\n')
const paths = () => gh.requests.map((r) => `${r.path}${r.query.size ? `?${r.query}` : ''}`)

describe('GithubSource: push types', () => {
  it('a push of a few commits is read commit by commit: what one commit added and the next removed is still found, credited to its author', async () => {
    const { fullName, repo } = newRepo()
    const c0 = repo.commit({ files: { 'app.env': 'A=1\n' } })
    const c1 = repo.commit({
      parents: [c0],
      message: 'add key',
      author: { name: 'Adder', email: 'adder@example.com' },
      files: { 'app.env': 'A=1\nKEY=leaked-value\n' },
    })
    const c2 = repo.commit({
      parents: [c1],
      message: 'oops, remove key',
      author: { name: 'Remover', email: 'remover@example.com' },
      files: { 'app.env': 'A=1\n' },
    })
    const { files } = await collect(pushOf(fullName, { ref: 'refs/heads/main', before: c0, after: c2 }))
    const added = contentFiles(files)
    expect(added.map((f) => [f.path, f.commit, f.author?.email, f.lines.map((l) => [l.line, l.text])])).toEqual([
      ['app.env', c1, 'adder@example.com', [[2, 'KEY=leaked-value']]],
    ])
    expect(paths().filter((p) => p.includes('/commits/'))).toHaveLength(2)
  })

  it('normal push: one compare, added lines with new-file numbers, removed lines never yielded, the message too', async () => {
    const { fullName, repo } = newRepo()
    const c1 = repo.commit({ files: { 'config.env': 'A=1\nREMOVED_VALUE=old-secret\nB=2\n', 'README.md': 'hi\n' } })
    const c2 = repo.commit({
      parents: [c1],
      message: 'rotate config\n\nadds ADDED_VALUE',
      files: { 'config.env': 'A=1\nB=2\nADDED_VALUE=new-secret\n' },
    })
    const { files, report } = await collect(pushOf(fullName, { ref: 'refs/heads/main', before: c1, after: c2 }))

    expect(contentFiles(files)).toEqual([
      {
        path: 'config.env',
        commit: c2,
        author: { name: 'Mona Lisa', email: 'mona@example.com', login: 'mona' },
        lines: [{ line: 3, text: 'ADDED_VALUE=new-secret' }],
      },
    ])
    expect(allText(files)).not.toContain('old-secret')
    expect(messages(files)).toEqual([
      {
        path: '(commit message)',
        commit: c2,
        author: expect.objectContaining({ login: 'mona' }),
        lines: [
          { line: 1, text: 'rotate config' },
          { line: 2, text: '' },
          { line: 3, text: 'adds ADDED_VALUE' },
        ],
      },
    ])
    expect(paths()).toEqual([`/repos/${fullName}/compare/${c1}...${c2}`])
    const h = gh.requests[0]!.headers
    expect(h.authorization).toBe(`Bearer ${TOKEN}`)
    expect(h['x-github-api-version']).toBe('2022-11-28')
    expect(h.accept).toBe('application/vnd.github+json')
    expect(report.files).toBe(1)
    expect(report.bytes).toBeGreaterThan(0)
    expect(report.partial).toEqual([])
  })

  it('new branch: scans only the distinct commits, each against its parent', async () => {
    const { fullName, repo } = newRepo()
    const c1 = repo.commit({ files: { 'a.txt': 'base\n' } })
    const onOtherBranch = repo.commit({
      parents: [c1],
      message: 'already pushed',
      files: { 'old.txt': 'ALREADY_SCANNED\n' },
    })
    const fresh = repo.commit({
      parents: [onOtherBranch],
      message: 'feature',
      files: { 'a.txt': 'base\nFEATURE_LINE\n' },
    })
    const push = pushOf(fullName, {
      ref: 'refs/heads/feature',
      before: ZERO,
      after: fresh,
      commits: [onOtherBranch, fresh],
      distinct: (s) => s === fresh,
    })
    const { files } = await collect(push)

    expect(contentFiles(files)).toEqual([
      { path: 'a.txt', commit: fresh, author: expect.any(Object), lines: [{ line: 2, text: 'FEATURE_LINE' }] },
    ])
    expect(messages(files).map((m) => m.commit)).toEqual([fresh])
    expect(allText(files)).not.toContain('ALREADY_SCANNED')
    expect(paths()).toEqual([`/repos/${fullName}/commits/${fresh}`])
  })

  it('deleted branch: nothing, and no request', async () => {
    const { fullName, repo } = newRepo()
    const c1 = repo.commit({ files: { 'a.txt': 'x\n' } })
    const { files, report } = await collect(pushOf(fullName, { ref: 'refs/heads/gone', before: c1, after: ZERO }))
    expect(files).toEqual([])
    expect(report).toEqual({ bytes: 0, files: 0, partial: [] })
    expect(gh.requests).toHaveLength(0)
  })

  it("GitHub's own tag examples (created on an existing commit, deleted): nothing new, no request", async () => {
    const examples = (
      createRequire(import.meta.url)('@octokit/webhooks-examples') as { name: string; examples: unknown[] }[]
    ).find((e) => e.name === 'push')!.examples
    const tags = examples
      .map((p) => parseGithubPush(p))
      .filter((r) => r.ok && r.push.refUpdates[0]!.ref.startsWith('refs/tags/'))
    expect(tags.length).toBeGreaterThan(1)
    for (const t of tags) {
      if (!t.ok) continue
      const { files } = await collect(t.push)
      expect(files).toEqual([])
    }
    expect(gh.requests).toHaveLength(0)
  })

  it('tag pushed together with a new commit: only that commit', async () => {
    const { fullName, repo } = newRepo()
    const c1 = repo.commit({ files: { 'a.txt': 'x\n' } })
    const c2 = repo.commit({ parents: [c1], message: 'release', files: { VERSION: '2.0\n' } })
    const { files } = await collect(pushOf(fullName, { ref: 'refs/tags/v2', before: ZERO, after: c2, commits: [c2] }))
    expect(contentFiles(files).map((f) => [f.path, f.lines])).toEqual([['VERSION', [{ line: 1, text: '2.0' }]]])
  })

  it('forced push: what after added relative to the merge base, not what the rewritten commits had', async () => {
    const { fullName, repo } = newRepo()
    const c1 = repo.commit({ files: { 'a.txt': 'base\n' } })
    const rewritten = repo.commit({ parents: [c1], message: 'old attempt', files: { 'a.txt': 'base\nDISCARDED\n' } })
    const replacement = repo.commit({ parents: [c1], message: 'new attempt', files: { 'b.txt': 'REPLACEMENT\n' } })
    const { files } = await collect(
      pushOf(fullName, {
        ref: 'refs/heads/main',
        before: rewritten,
        after: replacement,
        forced: true,
        commits: [replacement],
      }),
    )
    expect(contentFiles(files).map((f) => [f.path, f.lines])).toEqual([['b.txt', [{ line: 1, text: 'REPLACEMENT' }]]])
    expect(allText(files)).not.toContain('DISCARDED')
    expect(messages(files).map((m) => m.lines[0]!.text)).toEqual(['new attempt'])
  })

  it('forced push whose before is gone: falls back to the payload commits and says so', async () => {
    const { fullName, repo } = newRepo()
    const c1 = repo.commit({ files: { 'a.txt': 'base\n' } })
    const c2 = repo.commit({ parents: [c1], files: { 'a.txt': 'base\nAFTER_GC\n' } })
    const push = pushOf(fullName, { ref: 'refs/heads/main', before: c1, after: c2, forced: true, commits: [c2] })
    push.refUpdates[0]!.before = 'f'.repeat(40)
    const { files, report } = await collect(push)
    expect(contentFiles(files).map((f) => f.lines)).toEqual([[{ line: 2, text: 'AFTER_GC' }]])
    expect(report.partial.join('\n')).toMatch(/compare .* not found/)
  })
})

describe('GithubSource: fallbacks', () => {
  it('truncated compare (300 files): per-commit diffs, following Link pages of files', async () => {
    const { fullName, repo } = newRepo()
    const c1 = repo.commit({ files: { 'README.md': 'hi\n' } })
    const many: Record<string, string> = {}
    for (let i = 0; i < 301; i++) many[`gen/f${String(i).padStart(3, '0')}.txt`] = `value ${i}\n`
    const c2 = repo.commit({ parents: [c1], files: many })
    const { files, report } = await collect(pushOf(fullName, { ref: 'refs/heads/main', before: c1, after: c2 }))

    expect(contentFiles(files)).toHaveLength(301)
    expect(contentFiles(files).at(-1)).toMatchObject({
      path: 'gen/f300.txt',
      commit: c2,
      lines: [{ line: 1, text: 'value 300' }],
    })
    expect(paths()).toEqual([
      `/repos/${fullName}/compare/${c1}...${c2}`,
      `/repos/${fullName}/commits/${c2}`,
      `/repos/${fullName}/commits/${c2}?page=2`,
    ])
    expect(report.files).toBe(301)
    expect(report.partial).toEqual([])
  })

  it('compare listing fewer commits than total_commits: pages the compare, then reads each commit', async () => {
    const { fullName, repo } = newRepo()
    const c1 = repo.commit({ files: { 'a.txt': '0\n' } })
    const chain = repo.chain(c1, 3, (i) => ({ 'a.txt': `0\nline ${i}\n` }))
    gh.settings.compareCommitCap = 2
    try {
      const { files } = await collect(pushOf(fullName, { ref: 'refs/heads/main', before: c1, after: chain[2]! }))
      expect(contentFiles(files).map((f) => [f.commit, f.lines[0]!.text])).toEqual(
        chain.map((sha, i) => [sha, `line ${i}`]),
      )
      expect(messages(files)).toHaveLength(3)
      expect(paths()).toContain(`/repos/${fullName}/compare/${c1}...${chain[2]}?per_page=100&page=1`)
    } finally {
      gh.settings.compareCommitCap = 250
    }
  })

  it('a file without patch is diffed locally from its blobs (new blob, and old content at the merge base)', async () => {
    const { fullName, repo } = newRepo()
    const c1 = repo.commit({ files: { 'big.txt': 'one\ntwo\nDROPPED_LINE\nthree\n', 'small.txt': 's\n' } })
    const c2 = repo.commit({
      parents: [c1],
      files: { 'big.txt': 'one\nINSERTED_LINE\ntwo\nthree\n', 'small.txt': 's\nt\n' },
    })
    gh.omitPatch((p) => p === 'big.txt')
    try {
      const { files } = await collect(pushOf(fullName, { ref: 'refs/heads/main', before: c1, after: c2 }))
      expect(contentFiles(files).map((f) => [f.path, f.lines])).toEqual([
        ['big.txt', [{ line: 2, text: 'INSERTED_LINE' }]],
        ['small.txt', [{ line: 2, text: 't' }]],
      ])
      expect(allText(files)).not.toContain('DROPPED_LINE')
      const newBlob = repo.get(c2).tree.get('big.txt')
      expect(paths()).toContain(`/repos/${fullName}/git/blobs/${newBlob}`)
      expect(paths()).toContain(`/repos/${fullName}/contents/big.txt?ref=${c1}`)
      expect(gh.requests.find((r) => r.path.includes('/git/blobs/'))!.headers.accept).toBe(
        'application/vnd.github.raw+json',
      )
    } finally {
      gh.omitPatch(() => false)
    }
  })

  it('skips binary files by content and records it; scans a text file with a binary-looking name', async () => {
    const { fullName, repo } = newRepo()
    const c1 = repo.commit({ files: { 'a.txt': 'x\n' } })
    const c2 = repo.commit({
      parents: [c1],
      files: {
        'logo.png': Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d, 0x53]),
        'notes.png': 'TEXT_IN_PNG_NAME\n',
      },
    })
    const { files, report } = await collect(pushOf(fullName, { ref: 'refs/heads/main', before: c1, after: c2 }))
    expect(contentFiles(files).map((f) => f.path)).toEqual(['notes.png'])
    expect(report.partial).toEqual(['skipped 1 binary file: logo.png'])
  })

  it('skips minified and generated files by content', async () => {
    const { fullName, repo } = newRepo()
    const c1 = repo.commit({ files: { 'a.txt': 'x\n' } })
    const minified = `${'var a=1,b=2;function f(){return a+b}'.repeat(300)}\n`
    const c2 = repo.commit({
      parents: [c1],
      files: {
        'dist/app.js': minified,
        'api.pb.go': '// Code generated by protoc-gen-go. DO NOT EDIT.\npackage api\n',
        'src/app.js': 'console.log(1)\n',
      },
    })
    const { files, report } = await collect(pushOf(fullName, { ref: 'refs/heads/main', before: c1, after: c2 }))
    expect(contentFiles(files).map((f) => f.path)).toEqual(['src/app.js'])
    expect(report.partial.sort()).toEqual([
      'skipped 1 generated file: api.pb.go',
      'skipped 1 minified file: dist/app.js',
    ])
  })

  it('stops at the byte limit, says where, and reads no more', async () => {
    const { fullName, repo } = newRepo()
    const c1 = repo.commit({ files: { 'README.md': 'hi\n' } })
    const files: Record<string, string> = {}
    for (let i = 0; i < 5; i++) files[`f${i}.txt`] = `${'x'.repeat(60)}\n`
    const c2 = repo.commit({ parents: [c1], message: 'm', files })
    const { files: out, report } = await collect(
      pushOf(fullName, { ref: 'refs/heads/main', before: c1, after: c2 }),
      200,
    )
    expect(contentFiles(out).length).toBeGreaterThan(0)
    expect(contentFiles(out).length).toBeLessThan(5)
    expect(report.bytes).toBeLessThanOrEqual(200)
    expect(report.partial).toHaveLength(1)
    expect(report.partial[0]).toMatch(/^stopped at f\d\.txt: the push exceeds the 200-byte scan limit/)
  })

  it('caps a blob download at the remaining budget', async () => {
    const { fullName, repo } = newRepo()
    const c1 = repo.commit({ files: { 'README.md': 'hi\n' } })
    const c2 = repo.commit({ parents: [c1], message: 'm', files: { 'huge.txt': `${'y'.repeat(99)}\n`.repeat(2000) } })
    gh.omitPatch((p) => p === 'huge.txt')
    try {
      const { files, report } = await collect(
        pushOf(fullName, { ref: 'refs/heads/main', before: c1, after: c2 }),
        10_000,
      )
      expect(contentFiles(files)).toEqual([])
      expect(report.bytes).toBeLessThanOrEqual(10_000)
      expect(report.partial).toEqual([
        'stopped at huge.txt: the push exceeds the 10000-byte scan limit; the rest was not scanned',
      ])
    } finally {
      gh.omitPatch(() => false)
    }
  })
})

describe('GithubSource: the per-push call budget', () => {
  const client = () => new GithubSource({ apiUrl: gh.url, token: TOKEN, timeoutMs: 5_000 })
  const lineOf = (i: number) => `LINE_OF_COMMIT_${i}`

  it('a new branch of more commits than the budget allows is read as its first commit plus one compare, finding every line in two calls', async () => {
    const { fullName, repo } = newRepo()
    const base = repo.commit({ files: { 'a.txt': 'base\n' } })
    const chain = repo.chain(base, 60, (i) => ({ [`f${i}.txt`]: `${lineOf(i)}\n` }))
    const push = pushOf(fullName, {
      ref: 'refs/heads/feature',
      before: ZERO,
      after: chain.at(-1)!,
      commits: chain,
    })
    const { files, report } = await collect(push, 10 << 20, client(), 50)
    const text = allText(files)
    for (let i = 0; i < 60; i++) expect(text).toContain(lineOf(i))
    expect(messages(files)).toHaveLength(60)
    expect(paths()).toEqual([
      `/repos/${fullName}/commits/${chain[0]}`,
      `/repos/${fullName}/compare/${chain[0]}...${chain.at(-1)}`,
    ])
    expect(report.partial).toEqual([])
  })

  it('a compare that lists fewer commits than it has, past the budget, is read as its net diff with the payload’s messages', async () => {
    const { fullName, repo } = newRepo()
    const c1 = repo.commit({ files: { 'a.txt': '0\n' } })
    const chain = repo.chain(c1, 8, (i) => ({ [`f${i}.txt`]: `${lineOf(i)}\n` }))
    gh.settings.compareCommitCap = 2
    try {
      const push = pushOf(fullName, { ref: 'refs/heads/main', before: c1, after: chain.at(-1)! })
      const { files, report } = await collect(push, 10 << 20, client(), 5)
      const text = allText(files)
      for (let i = 0; i < 8; i++) expect(text).toContain(lineOf(i))
      expect(
        messages(files)
          .map((m) => m.commit)
          .sort(),
      ).toEqual([...chain].sort())
      expect(paths()).toEqual([`/repos/${fullName}/compare/${c1}...${chain.at(-1)}`])
      expect(report.partial).toEqual([])
    } finally {
      gh.settings.compareCommitCap = 250
    }
  })

  it('a push that only commit-by-commit reading can show stops at the budget and says the rest was not scanned', async () => {
    const { fullName, repo } = newRepo()
    const c1 = repo.commit({ files: { 'a.txt': '0\n' } })
    const many: Record<string, string> = {}
    for (let i = 0; i < 300; i++) many[`gen/f${String(i).padStart(3, '0')}.txt`] = `value ${i}\n`
    // The first commit's 301 files cut the compare's file list, so only per-commit reading shows them all.
    const chain = repo.chain(c1, 4, (i) => ({ [`f${i}.txt`]: `${lineOf(i)}\n`, ...(i === 0 ? many : {}) }))
    const push = pushOf(fullName, { ref: 'refs/heads/main', before: c1, after: chain.at(-1)! })
    const { files, report } = await collect(push, 10 << 20, client(), 3)
    expect(paths()).toEqual([
      `/repos/${fullName}/compare/${c1}...${chain.at(-1)}`,
      `/repos/${fullName}/commits/${chain[0]}`,
      `/repos/${fullName}/commits/${chain[0]}?page=2`,
    ])
    expect(allText(files)).toContain(lineOf(0))
    expect(allText(files)).not.toContain(lineOf(3))
    expect(report.partial).toEqual([
      'stopped after 3 GitHub API calls, the per-push call budget (PATROL_PUSH_CALL_BUDGET); the rest of this push was not scanned',
    ])
  })
})

describe('GithubSource: remote failures', () => {
  it('429 with Retry-After: RemoteError rate_limited with retryAfterMs, without sleeping', async () => {
    const { fullName, repo } = newRepo()
    const c1 = repo.commit({ files: { 'a.txt': 'x\n' } })
    const c2 = repo.commit({ parents: [c1], files: { 'a.txt': 'y\n' } })
    gh.fail({ match: /\/compare\//, status: 429, headers: { 'retry-after': '30' } })
    const err = await rejection(collect(pushOf(fullName, { ref: 'refs/heads/main', before: c1, after: c2 })))
    expect(err.failure).toBe('rate_limited')
    expect(err.retryAfterMs).toBe(30_000)
    expect(err.retryable).toBe(true)
  })

  it('403 with x-ratelimit-remaining 0: rate_limited until x-ratelimit-reset', async () => {
    const { fullName, repo } = newRepo()
    const c1 = repo.commit({ files: { 'a.txt': 'x\n' } })
    const c2 = repo.commit({ parents: [c1], files: { 'a.txt': 'y\n' } })
    const reset = Math.floor(Date.now() / 1000) + 600
    gh.fail({
      match: /\/compare\//,
      status: 403,
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) },
    })
    const err = await rejection(collect(pushOf(fullName, { ref: 'refs/heads/main', before: c1, after: c2 })))
    expect(err.failure).toBe('rate_limited')
    expect(err.retryAfterMs).toBeGreaterThan(500_000)
    expect(err.retryAfterMs).toBeLessThanOrEqual(600_000)
  })

  it('5xx past the call’s retries, twice: transient errors, then the re-run (as the job queue does) succeeds', async () => {
    const { fullName, repo } = newRepo()
    const c1 = repo.commit({ files: { 'a.txt': 'x\n' } })
    const c2 = repo.commit({ parents: [c1], files: { 'a.txt': 'x\nAFTER_RETRY\n' } })
    const push = pushOf(fullName, { ref: 'refs/heads/main', before: c1, after: c2 })
    gh.fail({ match: /\/compare\//, status: 502, times: 2 * CALL_RETRY.tries })
    for (let i = 0; i < 2; i++) {
      const err = await rejection(collect(push))
      expect(err).toMatchObject({ failure: 'transient', status: 502 })
    }
    const { files } = await collect(push)
    expect(contentFiles(files)[0]!.lines).toEqual([{ line: 2, text: 'AFTER_RETRY' }])
  })

  it('a hanging answer times out as a transient error', async () => {
    const { fullName, repo } = newRepo()
    const c1 = repo.commit({ files: { 'a.txt': 'x\n' } })
    const c2 = repo.commit({ parents: [c1], files: { 'a.txt': 'y\n' } })
    gh.fail({ match: /\/compare\//, hang: true, times: CALL_RETRY.tries })
    const source = new GithubSource({ apiUrl: gh.url, token: TOKEN, timeoutMs: 300 })
    const err = await rejection(
      collect(pushOf(fullName, { ref: 'refs/heads/main', before: c1, after: c2 }), 1 << 20, source),
    )
    expect(err.failure).toBe('transient')
    expect(err.message).toMatch(/timed out/)
  })

  it('a wrong token is an auth failure whose message holds no token', async () => {
    const { fullName, repo } = newRepo()
    const c1 = repo.commit({ files: { 'a.txt': 'x\n' } })
    const c2 = repo.commit({ parents: [c1], files: { 'a.txt': 'y\n' } })
    const source = new GithubSource({ apiUrl: gh.url, token: 'wrong-token-value', timeoutMs: 5_000 })
    const err = await rejection(
      collect(pushOf(fullName, { ref: 'refs/heads/main', before: c1, after: c2 }), 1 << 20, source),
    )
    expect(err.failure).toBe('auth')
    expect(err.message).not.toContain('wrong-token-value')
  })
})

describe('GitHub App installation tokens', () => {
  const { privateKey: pkcs1, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  })

  it('mints a token with a PKCS#1 key (as GitHub hands it out), uses it, and reuses it from the cache', async () => {
    gh.installApp({ appId: '4242', publicKeyPem: publicKey })
    const { fullName, repo } = newRepo()
    const c1 = repo.commit({ files: { 'a.txt': 'x\n' } })
    const c2 = repo.commit({ parents: [c1], files: { 'a.txt': 'x\nVIA_APP\n' } })
    const push = pushOf(fullName, { ref: 'refs/heads/main', before: c1, after: c2, installationId: 77 })
    // Environment variables often carry the key with escaped newlines.
    const source = new GithubSource({ apiUrl: gh.url, app: { appId: '4242', privateKey: pkcs1.replace(/\n/g, '\\n') } })
    const minted = gh.issuedTokens.length
    const first = await collect(push, 1 << 20, source)
    const second = await collect(push, 1 << 20, source)
    expect(first.files).toEqual(second.files)
    expect(contentFiles(first.files)[0]!.lines).toEqual([{ line: 2, text: 'VIA_APP' }])
    expect(gh.issuedTokens.length).toBe(minted + 1)
    const token = gh.issuedTokens.at(-1)!
    expect(token).toMatch(/^stand-in-installation-77-/)
    expect(gh.requests.filter((r) => r.path.includes('/compare/')).map((r) => r.headers.authorization)).toEqual([
      `Bearer ${token}`,
      `Bearer ${token}`,
    ])
    expect(paths().filter((p) => p.startsWith('/app/'))).toEqual(['/app/installations/77/access_tokens'])
  })

  it('accepts a PKCS#8 key and mints again when the cached token is within 5 minutes of expiry', async () => {
    const pkcs8 = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    })
    gh.installApp({ appId: '99', publicKeyPem: pkcs8.publicKey, tokenLifetimeMs: 4 * 60_000 })
    const auth = new GithubAppAuth({ apiUrl: gh.url, appId: '99', privateKey: pkcs8.privateKey })
    const a = await auth.installationToken(5)
    const b = await auth.installationToken(5)
    expect(a).not.toBe(b)
    gh.installApp({ appId: '99', publicKeyPem: pkcs8.publicKey, tokenLifetimeMs: 60 * 60_000 })
    const c = await auth.installationToken(6)
    expect(await auth.installationToken(6)).toBe(c)
  })

  it('a JWT signed with another key is refused as an auth failure', async () => {
    gh.installApp({ appId: '4242', publicKeyPem: publicKey })
    const other = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    })
    const auth = new GithubAppAuth({ apiUrl: gh.url, appId: '4242', privateKey: other.privateKey })
    const err = await rejection(auth.installationToken(1))
    expect(err.failure).toBe('auth')
  })
})
