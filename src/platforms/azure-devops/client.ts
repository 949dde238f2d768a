/**
 * Azure Repos as a push source (Azure DevOps Services or Server): what a push added, read through the Git REST API.
 * The hook payload is not trusted for content: the push is re-read by id with patrol's own credential. Azure returns
 * no diff text, only changed paths and blob ids, so new and old blobs are fetched and diffed locally.
 *
 * Per ref update (docs/reference/platform-apis.md §5): deleted → nothing; branch update (forced or not) →
 * `diffs/commits` from the
 * merge base to the new commit, paged with `$top/$skip` until `allChangesIncluded`; new ref or tag → each commit of
 * the push (`commits?pushId=`) and its own `changes`. Folders and deletions are skipped; a change without `objectId`
 * is read by path at its commit (`items`); a file the API refuses for good is noted in the report, path and reason,
 * and the push ends partly scanned. Every pushed commit's
 * message is yielded with path `(commit message)`, read whole via `commits/{id}` when the list truncated it.
 * A 203 or an HTML answer (Azure's sign-in page for a bad PAT) is an authentication failure.
 *
 * @example
 * const source = new AzureDevOpsSource({ orgUrl: 'https://dev.azure.com/fabrikam', token:
 * process.env.AZURE_DEVOPS_TOKEN })
 * for await (const file of source.added(push, { maxBytes: 100 << 20 }, report)) scan(file)
 */
import { addedLinesBetween, allLines } from '../blob-diff.js'
import { isBinary, skippableKind } from '../content-kind.js'
import { pathSegment } from '../path-segment.js'
import { PushBudget } from '../push-budget.js'
import { RemoteError, remoteFetch } from '../remote-error.js'
import { readJson, utf8 } from '../response-body.js'
import {
  type AddedFile,
  COMMIT_MESSAGE_PATH,
  type CommitProgress,
  type Person,
  type PushEvent,
  type PushLimits,
  type PushSource,
  type RefUpdate,
  type ScanReport,
  ZERO_SHA,
} from '../types.js'

export interface AzureDevOpsSourceOptions {
  /** `https://dev.azure.com/{org}` (Services) or the collection URL `https://{server}/{collection}` (Server). */
  orgUrl: string
  /** A PAT with Code (read) scope, sent as basic auth with an empty user name. */
  token?: string
  fetch?: typeof fetch
  timeoutMs?: number
  /** REST api-version; 7.1 on Services, at most 7.0 on Server 2022. */
  apiVersion?: string
}

export type { COMMIT_MESSAGE_PATH }

const PAGE = 100
/**
 * Changes of a branch update's diff recorded as read together (one `scan_commits` row, one statement, per part): a
 * retry reads at most this many files again, and a large push writes one row per 20 files, not per file.
 */
const DIFF_PART = 20

interface ApiCommitRef {
  commitId: string
  comment?: string
  commentTruncated?: boolean
  author?: { name?: string; email?: string; date?: string }
}

interface ApiChange {
  changeType?: string
  item?: {
    path?: string
    objectId?: string
    originalObjectId?: string
    gitObjectType?: string
    isFolder?: boolean
  }
}

interface ApiPush {
  pushId?: number
  refUpdates?: { name: string; oldObjectId: string; newObjectId: string }[]
}

/** One push being read. */
interface Reading {
  /** Resumable scans: commits an earlier attempt read whole are skipped (types.ts CommitProgress). */
  progress?: CommitProgress
  repoUrl: string
  budget: PushBudget
  report: ScanReport
  /** `path objectId originalObjectId` of every change already read, since refs and commits overlap. */
  changesSeen: Set<string>
  authors: Map<string, Person>
}

export class AzureDevOpsSource implements PushSource {
  readonly provider = 'azure-devops' as const
  private readonly options: AzureDevOpsSourceOptions
  private readonly orgUrl: string
  private readonly apiVersion: string

  constructor(options: AzureDevOpsSourceOptions) {
    this.options = options
    this.orgUrl = options.orgUrl.replace(/\/+$/, '')
    this.apiVersion = options.apiVersion ?? '7.1'
  }

  async *added(push: PushEvent, limits: PushLimits, report: ScanReport): AsyncGenerator<AddedFile> {
    if (push.pushId === undefined)
      throw new RemoteError('permanent', 'Azure push without a push id: nothing to re-read')
    const project = push.repository.projectId ?? push.repository.fullName.split('/')[0] ?? ''
    const r: Reading = {
      repoUrl: `${this.orgUrl}/${pathSegment(project)}/_apis/git/repositories/${pathSegment(push.repository.id)}`,
      budget: new PushBudget(limits.maxBytes, report),
      report,
      progress: limits.progress,
      changesSeen: new Set(),
      authors: new Map(),
    }
    try {
      const reread = await this.json<ApiPush>(r, `/pushes/${push.pushId}`, { includeRefUpdates: 'true' }, 'push')
      const refUpdates: RefUpdate[] =
        reread.refUpdates?.map((u) => ({
          ref: u.name,
          before: u.oldObjectId.toLowerCase(),
          after: u.newObjectId.toLowerCase(),
        })) ?? push.refUpdates
      const live = refUpdates.filter((u) => u.after !== ZERO_SHA)
      if (live.length === 0) return
      const commits = await this.pushCommits(r, push.pushId)
      for (const c of commits) r.authors.set(c.commitId.toLowerCase(), authorOf(c))
      for (const c of commits) {
        if (r.budget.exhausted) return
        yield* this.message(r, c)
      }
      const walkCommits = live.some((u) => u.before === ZERO_SHA || u.ref.startsWith('refs/tags/'))
      for (const u of live) {
        if (u.before === ZERO_SHA || u.ref.startsWith('refs/tags/')) continue
        yield* this.diffed(r, u)
      }
      // New refs (and tags) have no old commit to diff against: each pushed commit against its parent. A tag on an
      // existing commit pushes no commit, so it adds nothing.
      if (walkCommits) {
        for (const c of commits) {
          if (r.budget.exhausted) return
          yield* this.commitChanges(r, c.commitId.toLowerCase())
        }
      }
    } finally {
      r.budget.flush()
    }
  }

  /** Every commit the push introduced, page by page. */
  private async pushCommits(r: Reading, pushId: number): Promise<ApiCommitRef[]> {
    const all: ApiCommitRef[] = []
    for (let skip = 0; ; skip += PAGE) {
      const page = await this.json<{ value?: ApiCommitRef[] }>(
        r,
        '/commits',
        { pushId: String(pushId), top: String(PAGE), skip: String(skip) },
        'push commits',
      )
      const value = page.value ?? []
      all.push(...value)
      if (value.length < PAGE) return all
    }
  }

  private async *message(r: Reading, c: ApiCommitRef): AsyncGenerator<AddedFile> {
    let text = c.comment ?? ''
    if (c.commentTruncated) {
      const whole = await this.json<ApiCommitRef>(r, `/commits/${pathSegment(c.commitId)}`, {}, 'commit')
      text = whole.comment ?? text
    }
    if (!text || !r.budget.take(byteLength(text), `the message of ${c.commitId.slice(0, 12)}`)) return
    yield { path: COMMIT_MESSAGE_PATH, commit: c.commitId.toLowerCase(), author: authorOf(c), lines: allLines(text) }
  }

  /** A branch update: the changes from the merge base to the new commit (what a force push introduced, too). */
  private async *diffed(r: Reading, u: RefUpdate): AsyncGenerator<AddedFile> {
    const author = r.authors.get(u.after)
    for (let skip = 0; ; skip += PAGE) {
      const page = await this.json<{ allChangesIncluded?: boolean; changes?: ApiChange[] }>(
        r,
        '/diffs/commits',
        {
          baseVersion: u.before,
          baseVersionType: 'commit',
          targetVersion: u.after,
          targetVersionType: 'commit',
          diffCommonCommit: 'true',
          $top: String(PAGE),
          $skip: String(skip),
        },
        'diff',
      )
      const changes = page.changes ?? []
      // Resumable like a commit walk: each part of DIFF_PART changes is recorded once every file of it was handed over,
      // and a retry skips it (the diff of two fixed commits lists its changes in the same order every time).
      for (let at = 0; at < changes.length; at += DIFF_PART) {
        const part = `${u.before}..${u.after}@${skip + at}`
        if (r.progress?.skip(part)) continue
        r.progress?.begin(part)
        const skipped = r.budget.skippedCount
        for (const change of changes.slice(at, at + DIFF_PART)) {
          if (r.budget.exhausted) return
          const added = await this.changeAdded(r, change, u.after, author)
          if (added) yield added
        }
        if (!r.budget.exhausted && r.budget.skippedCount === skipped) await r.progress?.done(part)
      }
      if (page.allChangesIncluded !== false || changes.length === 0) return
    }
  }

  /** A commit's own changes against its first parent, page by page. */
  /** One commit, read whole unless an earlier attempt did; recorded as read once each of its files was handed over. */
  private async *commitChanges(r: Reading, commitId: string): AsyncGenerator<AddedFile> {
    if (r.progress?.skip(commitId)) return
    r.progress?.begin(commitId)
    const skipped = r.budget.skippedCount
    yield* this.commitChangesRead(r, commitId)
    if (!r.budget.exhausted && r.budget.skippedCount === skipped) await r.progress?.done(commitId)
  }

  private async *commitChangesRead(r: Reading, commitId: string): AsyncGenerator<AddedFile> {
    const author = r.authors.get(commitId)
    for (let skip = 0; ; skip += PAGE) {
      const page = await this.json<{ changes?: ApiChange[] }>(
        r,
        `/commits/${pathSegment(commitId)}/changes`,
        { top: String(PAGE), skip: String(skip) },
        'commit changes',
      )
      const changes = page.changes ?? []
      for (const change of changes) {
        if (r.budget.exhausted) return
        const added = await this.changeAdded(r, change, commitId, author)
        if (added) yield added
      }
      if (changes.length < PAGE) return
    }
  }

  /** The lines one change added; folders, deletions and submodules add none. */
  private async changeAdded(
    r: Reading,
    change: ApiChange,
    commit: string,
    author: Person | undefined,
  ): Promise<AddedFile | undefined> {
    const item = change.item
    const type = (change.changeType ?? '').toLowerCase()
    if (!item?.path) return undefined
    if (item.isFolder || (item.gitObjectType !== undefined && item.gitObjectType !== 'blob')) return undefined
    if (type.includes('delete')) return undefined
    const path = item.path.replace(/^\/+/, '')
    const objectId = item.objectId
    const key = `${path}\u0000${objectId ?? `@${commit}`}\u0000${item.originalObjectId ?? ''}`
    if (r.changesSeen.has(key)) return undefined
    r.changesSeen.add(key)
    // Documented change entries can lack `objectId`: such a file is read by its path at the commit instead.
    const fresh = await r.budget.readOrNote(path, () =>
      objectId ? this.blob(r, objectId, path) : this.itemAt(r, item.path!, commit),
    )
    if (fresh === undefined) return undefined
    if (isBinary(fresh)) {
      r.budget.skip('binary', path)
      return undefined
    }
    const newText = utf8(fresh)
    const kind = skippableKind(path, newText)
    if (kind) {
      r.budget.skip(kind, path)
      return undefined
    }
    let oldText = ''
    // An edit without `originalObjectId` (not seen, but the spec makes it optional) is read as a new file:
    // over-reporting lines that were already there beats missing added ones.
    const originalObjectId = item.originalObjectId
    if (!type.includes('add') && originalObjectId && originalObjectId !== objectId) {
      const old = await r.budget.readOrNote(path, () => this.blob(r, originalObjectId, path))
      if (old === undefined) return undefined
      oldText = utf8(old)
    }
    const lines = addedLinesBetween(oldText, newText)
    if (lines.length === 0) return undefined
    r.report.files++
    return { path, commit, ...(author ? { author } : {}), lines }
  }

  private async blob(r: Reading, objectId: string, what: string): Promise<Uint8Array | undefined> {
    if (r.budget.exhausted) return undefined
    const res = await this.get(
      r,
      `/blobs/${pathSegment(objectId)}`,
      { $format: 'octetstream' },
      'application/octet-stream',
    )
    return r.budget.read(res, what)
  }

  /** A file by path at a commit (`items?path=…&versionDescriptor.versionType=commit`), for entries without objectId. */
  private async itemAt(r: Reading, path: string, commit: string): Promise<Uint8Array | undefined> {
    if (r.budget.exhausted) return undefined
    const res = await this.get(
      r,
      '/items',
      {
        path,
        'versionDescriptor.version': commit,
        'versionDescriptor.versionType': 'commit',
        $format: 'octetstream',
      },
      'application/octet-stream',
    )
    return r.budget.read(res, path.replace(/^\/+/, ''))
  }

  private async json<T>(r: Reading, path: string, query: Record<string, string>, what: string): Promise<T> {
    return readJson<T>(await this.get(r, path, query, 'application/json'), what)
  }

  private async get(r: Reading, path: string, query: Record<string, string>, accept: string): Promise<Response> {
    const params = new URLSearchParams(query)
    params.set('api-version', this.apiVersion)
    const url = `${r.repoUrl}${path}?${params.toString().replace(/%24/g, '$')}`
    const headers: Record<string, string> = { accept }
    if (this.options.token) headers.authorization = `Basic ${btoa(`:${this.options.token}`)}`
    const res = await remoteFetch(
      url,
      { headers },
      { fetch: this.options.fetch, timeoutMs: this.options.timeoutMs, credential: 'AZURE_DEVOPS_TOKEN' },
    )
    // A PAT that is wrong, expired or lacks scope can get a 203 with the HTML sign-in page instead of a 401.
    if (res.status === 203 || /text\/html/i.test(res.headers.get('content-type') ?? '')) {
      await res.body?.cancel().catch(() => {})
      throw new RemoteError(
        'auth',
        `GET ${new URL(url).host}${new URL(url).pathname}: HTTP ${res.status} sign-in page instead of data (check the Azure DevOps token)`,
        {
          status: res.status,
        },
      )
    }
    return res
  }
}

function authorOf(c: ApiCommitRef): Person {
  return {
    ...(c.author?.name ? { name: c.author.name } : {}),
    ...(c.author?.email ? { email: c.author.email } : {}),
  }
}

function byteLength(s: string): number {
  return new TextEncoder().encode(s).length
}
