/**
 * GitHub as a push source: what a push added, read through the REST API (github.com or GitHub Enterprise Server).
 *
 * By push type (docs/reference/platform-apis.md §2.4):
 * - deleted ref: nothing.
 * - branch update, forced or not: `compare/{before}...{after}` (what `after` added since the merge base). A
 *   truncated compare (300 files or more commits than listed) falls back to each commit's own diff, paged over
 *   `Link`; a file without `patch` (binary, or too large for GitHub to diff) is diffed locally from its blobs.
 * - new branch or tag: each `distinct` commit of the payload (others were already in the repository), so a tag
 *   on an existing commit adds nothing.
 * Commit messages are yielded too, with path `(commit message)`. Binary, minified, generated and vendored files
 * are skipped by content; the bytes read are bounded by `limits.maxBytes`; every gap is written to `report.partial`.
 * The API calls one push may make are bounded by `limits.maxCalls` (issue 14: a 600-commit push made 602): where
 * reading commit by commit would pass it, the one compare (plus blob fallbacks) is read instead, with the payload's
 * commit messages; where even that cannot show everything (a compare of 300 files or more), commits are read until
 * the budget is spent and the push is reported partly scanned.
 * Rate limits, 5xx and timeouts throw `RemoteError` (the job is rescheduled; nothing sleeps here).
 *
 * @example
 * const source = new GithubSource({ apiUrl: 'https://api.github.com', token: process.env.GITHUB_TOKEN })
 * const report = { bytes: 0, files: 0, partial: [] }
 * for await (const file of source.added(push, { maxBytes: 100 << 20 }, report)) scan(file)
 */
import { parsePatch } from '../../scan/diff.js'
import { addedLinesBetween, allLines, type NumberedLine } from '../blob-diff.js'
import { isBinary, skippableKind } from '../content-kind.js'
import { pathSegment, pathSegments } from '../path-segment.js'
import { PushBudget } from '../push-budget.js'
import { RemoteError, remoteFetch } from '../remote-error.js'
import { readJson, utf8 } from '../response-body.js'
import {
  type AddedFile,
  COMMIT_MESSAGE_PATH,
  type CommitProgress,
  type Person,
  type PushCommit,
  type PushEvent,
  type PushLimits,
  type PushSource,
  type ScanReport,
  ZERO_SHA,
} from '../types.js'
import { GithubAppAuth } from './app-auth.js'

export interface GithubSourceOptions {
  /** `https://api.github.com`, or `https://HOST/api/v3` for GitHub Enterprise Server. */
  apiUrl: string
  token?: string
  /** A GitHub App; used for deliveries that carry `installation.id`. */
  app?: { appId: string; privateKey: string }
  fetch?: typeof fetch
  timeoutMs?: number
}

export { COMMIT_MESSAGE_PATH }

/**
 * GitHub's documented caps: compare lists at most 300 files; a commit's files page up to 3000; a payload 2048 commits.
 */
const COMPARE_FILE_CAP = 300
const COMMIT_FILE_CAP = 3000
const PAYLOAD_COMMIT_CAP = 2048
/**
 * Pushes of up to this many commits are read commit by commit (one request each): a token added in one commit and
 * removed in the next is still leaked, and each line is credited to the commit, and author, that added it. Larger
 * pushes use the one compare, to spare the rate limit.
 */
const PER_COMMIT_MAX = 20

/** Named in the fix of a refused or forbidden read. */
const CREDENTIAL = 'GITHUB_TOKEN (or the GitHub App installation)'

interface ApiFile {
  sha?: string | null
  filename: string
  status: string
  patch?: string
  previous_filename?: string
}

interface ApiCommit {
  sha: string
  commit: { message: string; author?: { name?: string; email?: string; date?: string } | null }
  author?: { login?: string } | null
  parents?: { sha: string }[]
  files?: ApiFile[]
}

interface ApiCompare {
  status?: string
  total_commits?: number
  commits?: ApiCommit[]
  files?: ApiFile[]
  merge_base_commit?: { sha: string }
}

/** One push being read: repository, credentials and budget. */
interface Reading {
  /** Resumable scans: commits an earlier attempt read whole are skipped (types.ts CommitProgress). */
  progress?: CommitProgress
  repoPath: string
  authorization?: string
  budget: PushBudget
  report: ScanReport
  /** Commits whose message was already yielded (a commit can be reached twice). */
  messagesSeen: Set<string>
  /** API calls made for this push, and the most it may make. */
  calls: number
  maxCalls: number
}

/** Thrown by `get` when the push's call budget is spent; ends the reading, which `added` reports as partial. */
class CallBudgetSpent extends Error {}

export class GithubSource implements PushSource {
  readonly provider = 'github' as const
  private readonly options: GithubSourceOptions
  private readonly apiUrl: string
  private readonly appAuth?: GithubAppAuth

  constructor(options: GithubSourceOptions) {
    this.options = options
    this.apiUrl = options.apiUrl.replace(/\/+$/, '')
    if (options.app)
      this.appAuth = new GithubAppAuth({
        apiUrl: this.apiUrl,
        ...options.app,
        fetch: options.fetch,
        timeoutMs: options.timeoutMs,
      })
  }

  async *added(push: PushEvent, limits: PushLimits, report: ScanReport): AsyncGenerator<AddedFile> {
    const update = push.refUpdates[0]
    if (!update || update.after === ZERO_SHA) return
    const budget = new PushBudget(limits.maxBytes, report)
    const [owner, name] = push.repository.fullName.split('/')
    const r: Reading = {
      repoPath: `/repos/${pathSegment(owner ?? '')}/${pathSegment(name ?? '')}`,
      authorization: await this.authorization(push),
      budget,
      report,
      progress: limits.progress,
      messagesSeen: new Set(),
      calls: 0,
      maxCalls: limits.maxCalls ?? Number.POSITIVE_INFINITY,
    }
    try {
      const isTag = update.ref.startsWith('refs/tags/')
      if (update.before === ZERO_SHA || isTag) {
        yield* this.distinctCommits(r, push)
      } else {
        yield* this.compared(r, push, update.before, update.after)
      }
    } catch (err) {
      if (err instanceof CallBudgetSpent) {
        budget.stop(
          `stopped after ${r.maxCalls} GitHub API calls, the per-push call budget (PATROL_PUSH_CALL_BUDGET); the rest of this push was not scanned`,
        )
        return
      }
      if (err instanceof RemoteError && err.failure === 'auth' && push.installationId !== undefined)
        this.appAuth?.forget(push.installationId)
      throw err
    } finally {
      budget.flush()
    }
  }

  private async authorization(push: PushEvent): Promise<string | undefined> {
    if (this.appAuth && push.installationId !== undefined)
      return `Bearer ${await this.appAuth.installationToken(push.installationId)}`
    if (this.options.token) return `Bearer ${this.options.token}`
    return undefined
  }

  /** New refs and tags: only commits the payload marks distinct are new to the repository. */
  private async *distinctCommits(r: Reading, push: PushEvent): AsyncGenerator<AddedFile> {
    if (push.commits.length >= PAYLOAD_COMMIT_CAP)
      r.budget.note(
        `the payload lists GitHub's maximum of ${PAYLOAD_COMMIT_CAP} commits; older commits of this push were not scanned`,
      )
    const distinct = push.commits.filter((c) => c.distinct)
    const first = distinct[0]
    const after = push.refUpdates[0]!.after
    if (first && distinct.length > 2 && distinct.length > remainingCalls(r)) {
      // One call per commit would pass the call budget: the first new commit on its own, then what `after` added
      // since it in one compare (what the rest of the new commits added, net).
      yield* this.oneCommit(r, first.id)
      if (!r.budget.exhausted && first.id !== after) yield* this.compared(r, push, first.id, after, { fallback: false })
      return
    }
    for (const c of distinct) {
      if (r.budget.exhausted) return
      yield* this.oneCommit(r, c.id)
    }
  }

  private async *compared(
    r: Reading,
    push: PushEvent,
    before: string,
    after: string,
    { fallback } = { fallback: true },
  ): AsyncGenerator<AddedFile> {
    const basehead = `${before}...${after}`
    let compare: ApiCompare
    try {
      compare = await this.getJson<ApiCompare>(r, `${r.repoPath}/compare/${basehead}`, 'compare')
    } catch (err) {
      // After a force push `before` may be gone (garbage-collected, or never fetched by a mirror); the payload's
      // distinct commits are then the best remaining account of what the push added.
      if (!(err instanceof RemoteError) || err.failure !== 'not_found' || !fallback) throw err
      r.budget.note('compare of before...after was not found; scanned the commits listed in the payload instead')
      yield* this.distinctCommits(r, push)
      return
    }
    const commits = compare.commits ?? []
    const files = compare.files ?? []
    const total = compare.total_commits ?? commits.length
    const fewCommits = commits.length > 1 && total <= PER_COMMIT_MAX
    const filesTruncated = files.length >= COMPARE_FILE_CAP
    // Reading each commit costs one call per commit (and the compare's pages): within the call budget, or when the
    // compare's file list is cut and nothing else can show the files (then the budget ends the reading).
    const perCommitCalls = total + (total > commits.length ? Math.ceil(total / 100) : 0)
    const affordable = perCommitCalls <= remainingCalls(r)
    if (filesTruncated || (affordable && (total > commits.length || fewCommits))) {
      // The compare cannot show everything (truncated), or it hides what a push added then removed again and
      // whose commit a line came from (several commits): read each commit's own diff instead.
      const all = total > commits.length ? await this.allComparedCommits(r, basehead) : commits
      for (const c of all) {
        if (r.budget.exhausted) return
        yield* this.oneCommit(r, c.sha)
      }
      return
    }
    for (const c of commits) yield* this.message(r, c)
    // Commits the compare did not list: their messages as the payload gave them (no call needed).
    if (total > commits.length) for (const c of push.commits) yield* this.message(r, payloadCommit(c))
    // The compare is one net diff; with several commits the line's own commit is unknown, so lines are
    // attributed to the head commit (one commit: exactly right).
    const head = commits[commits.length - 1]
    const commit = head?.sha ?? after
    const author = head ? authorOf(head) : undefined
    const base = compare.merge_base_commit?.sha ?? before
    for (const f of files) {
      if (r.budget.exhausted) return
      const added = await this.fileAdded(r, f, base, commit, author)
      if (added) yield added
    }
  }

  /** All commits of a compare with more than the 250 listed without paging, page by page. */
  private async allComparedCommits(r: Reading, basehead: string): Promise<ApiCommit[]> {
    const commits: ApiCommit[] = []
    let url: string | undefined = `${this.apiUrl}${r.repoPath}/compare/${basehead}?per_page=100&page=1`
    while (url) {
      const res = await this.get(r, url)
      const page = await readJson<ApiCompare>(res, 'compare')
      commits.push(...(page.commits ?? []))
      url = this.nextLink(res)
    }
    return commits
  }

  /** One commit: its message, then the lines each of its files added relative to its first parent. */
  /** One commit, read whole unless an earlier attempt did; recorded as read once each of its files was handed over. */
  private async *oneCommit(r: Reading, sha: string): AsyncGenerator<AddedFile> {
    if (r.progress?.skip(sha)) return
    r.progress?.begin(sha)
    const skipped = r.budget.skippedCount
    yield* this.oneCommitRead(r, sha)
    if (!r.budget.exhausted && r.budget.skippedCount === skipped) await r.progress?.done(sha)
  }

  private async *oneCommitRead(r: Reading, sha: string): AsyncGenerator<AddedFile> {
    let url: string | undefined = `${this.apiUrl}${r.repoPath}/commits/${pathSegment(sha)}`
    let first = true
    let fileCount = 0
    while (url) {
      const res = await this.get(r, url)
      const page = await readJson<ApiCommit>(res, 'commit')
      url = this.nextLink(res)
      if (first) {
        yield* this.message(r, page)
        first = false
      }
      const parent = page.parents?.[0]?.sha
      const author = authorOf(page)
      for (const f of page.files ?? []) {
        if (r.budget.exhausted) return
        fileCount++
        const added = await this.fileAdded(r, f, parent, page.sha ?? sha, author)
        if (added) yield added
      }
    }
    if (fileCount >= COMMIT_FILE_CAP)
      r.budget.note(
        `commit ${sha.slice(0, 12)} changes more than GitHub's ${COMMIT_FILE_CAP}-file limit; later files were not scanned`,
      )
  }

  private async *message(r: Reading, c: ApiCommit): AsyncGenerator<AddedFile> {
    if (r.messagesSeen.has(c.sha)) return
    r.messagesSeen.add(c.sha)
    const text = c.commit.message
    if (!text || !r.budget.take(byteLength(text), `the message of ${c.sha.slice(0, 12)}`)) return
    yield { path: COMMIT_MESSAGE_PATH, commit: c.sha, author: authorOf(c), lines: allLines(text) }
  }

  /** What one changed file added: from its patch, or from its blobs diffed locally when GitHub gave no patch. */
  private async fileAdded(
    r: Reading,
    f: ApiFile,
    oldRef: string | undefined,
    commit: string,
    author: Person | undefined,
  ): Promise<AddedFile | undefined> {
    if (f.status === 'removed' || f.status === 'unchanged') return undefined
    let lines: NumberedLine[]
    if (typeof f.patch === 'string') {
      if (!r.budget.take(byteLength(f.patch), f.filename)) return undefined
      lines = parsePatch(f.patch, f.filename, commit).map((l) => ({ line: l.line, text: l.text }))
      const kind = skippableKind(f.filename, lines.map((l) => l.text).join('\n'), lines[0]?.line === 1)
      if (kind) {
        r.budget.skip(kind, f.filename)
        return undefined
      }
    } else {
      if (!f.sha) return undefined
      const sha = f.sha
      const fresh = await r.budget.readOrNote(f.filename, () =>
        this.blob(r, `${r.repoPath}/git/blobs/${pathSegment(sha)}`, f.filename),
      )
      if (fresh === undefined) return undefined
      if (isBinary(fresh)) {
        r.budget.skip('binary', f.filename)
        return undefined
      }
      const newText = utf8(fresh)
      const kind = skippableKind(f.filename, newText)
      if (kind) {
        r.budget.skip(kind, f.filename)
        return undefined
      }
      let oldText = ''
      if (f.status !== 'added' && oldRef) {
        const oldPath = f.previous_filename ?? f.filename
        const old = await this.oldContent(r, oldPath, oldRef)
        if (old === undefined) return undefined
        oldText = utf8(old)
      }
      lines = addedLinesBetween(oldText, newText)
    }
    if (lines.length === 0) return undefined
    r.report.files++
    return { path: f.filename, commit, ...(author ? { author } : {}), lines }
  }

  /** A file as it was at `ref`; empty when it did not exist there. `undefined` when the byte budget ran out. */
  private async oldContent(r: Reading, path: string, ref: string): Promise<Uint8Array | undefined> {
    const encodedPath = pathSegments(path)
    try {
      return await this.blob(r, `${r.repoPath}/contents/${encodedPath}?ref=${encodeURIComponent(ref)}`, path)
    } catch (err) {
      if (err instanceof RemoteError && err.failure === 'not_found') return new Uint8Array(0)
      throw err
    }
  }

  /** Raw bytes of a blob or file, counted against the budget; `undefined` (and the scan stopped) past the limit. */
  private async blob(r: Reading, pathAndQuery: string, what: string): Promise<Uint8Array | undefined> {
    if (r.budget.exhausted) return undefined
    const res = await this.get(r, `${this.apiUrl}${pathAndQuery}`, 'application/vnd.github.raw+json')
    return r.budget.read(res, what)
  }

  private async getJson<T>(r: Reading, path: string, what: string): Promise<T> {
    return readJson<T>(await this.get(r, `${this.apiUrl}${path}`), what)
  }

  private get(r: Reading, url: string, accept = 'application/vnd.github+json'): Promise<Response> {
    if (r.calls >= r.maxCalls) throw new CallBudgetSpent()
    r.calls++
    const headers: Record<string, string> = {
      accept,
      'x-github-api-version': '2022-11-28',
      'user-agent': 'patrol',
    }
    if (r.authorization) headers.authorization = r.authorization
    return remoteFetch(
      url,
      { headers },
      { fetch: this.options.fetch, timeoutMs: this.options.timeoutMs, credential: CREDENTIAL },
    )
  }

  /** The `rel="next"` URL of a paged answer, followed only on the configured API host so the token stays there. */
  private nextLink(res: Response): string | undefined {
    const link = res.headers.get('link')
    if (!link) return undefined
    for (const part of link.split(',')) {
      const m = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part)
      if (!m) continue
      try {
        const next = new URL(m[1]!)
        if (next.origin === new URL(this.apiUrl).origin) return next.toString()
      } catch {
        return undefined
      }
    }
    return undefined
  }
}

function authorOf(c: ApiCommit): Person {
  const a = c.commit.author
  return {
    ...(a?.name ? { name: a.name } : {}),
    ...(a?.email ? { email: a.email } : {}),
    ...(c.author?.login ? { login: c.author.login } : {}),
  }
}

/** Calls this push may still make. */
function remainingCalls(r: Reading): number {
  return r.maxCalls - r.calls
}

/** A payload commit in the API's shape, for its message. */
function payloadCommit(c: PushCommit): ApiCommit {
  const { name, email } = c.author
  return { sha: c.id, commit: { message: c.message, author: { name, email } }, author: { login: c.author.login } }
}

function byteLength(s: string): number {
  return new TextEncoder().encode(s).length
}
