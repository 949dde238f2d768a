/**
 * A tiny in-memory git for the loopback stand-ins of GitHub and Azure DevOps: commits with parents and full
 * trees, blobs addressed by their real git SHA-1, ancestry, merge bases and tree diffs. Tests describe history
 * (`commit({ files: { 'a.env': 'TOKEN=…' } })`) and the stand-ins derive compares, patches and changes from it.
 *
 * @example
 * const repo = new GitRepo()
 * const base = repo.commit({ files: { 'README.md': 'hello\n' } })
 * const head = repo.commit({ parents: [base], message: 'add config', files: { 'app.env': 'KEY=1\n' } })
 * repo.diff(base, head) // [{ path: 'app.env', status: 'added', newSha: '…' }]
 */
import { createHash } from 'node:crypto'

export interface GitPerson {
  name: string
  email: string
  /** GitHub login, when the person has one. */
  login?: string
}

export interface CommitSpec {
  /** Default: none (a root commit). The first parent's tree is the starting point of `files`. */
  parents?: string[]
  message?: string
  author?: GitPerson
  date?: string
  /** Changes relative to the first parent: content, or null to delete the path. */
  files?: Record<string, string | Uint8Array | null>
}

export interface StoredCommit {
  sha: string
  parents: string[]
  message: string
  author: GitPerson
  date: string
  /** path → blob SHA */
  tree: Map<string, string>
}

export interface TreeChange {
  path: string
  status: 'added' | 'modified' | 'removed'
  oldSha?: string
  newSha?: string
}

export const DEFAULT_AUTHOR: GitPerson = { name: 'Mona Lisa', email: 'mona@example.com', login: 'mona' }

export class GitRepo {
  readonly commits = new Map<string, StoredCommit>()
  readonly blobs = new Map<string, Uint8Array>()
  private counter = 0

  /** Records a commit and returns its SHA. */
  commit(spec: CommitSpec = {}): string {
    const parents = spec.parents ?? []
    for (const p of parents) if (!this.commits.has(p)) throw new Error(`unknown parent ${p}`)
    const tree = new Map(parents[0] ? this.get(parents[0]).tree : [])
    for (const [path, content] of Object.entries(spec.files ?? {})) {
      if (content === null) tree.delete(path)
      else tree.set(path, this.putBlob(content))
    }
    const message = spec.message ?? `commit ${this.counter + 1}`
    const sha = sha1(`commit ${++this.counter} ${parents.join(',')} ${message} ${[...tree].join(';')}`)
    this.commits.set(sha, {
      sha,
      parents,
      message,
      author: spec.author ?? DEFAULT_AUTHOR,
      date: spec.date ?? new Date(Date.UTC(2024, 0, 1, 0, 0, this.counter)).toISOString().replace('.000', ''),
      tree,
    })
    return sha
  }

  /** A linear chain of `n` commits on top of `parent`, each changing `files(i)`; returns the SHAs, oldest first. */
  chain(
    parent: string | undefined,
    n: number,
    files: (i: number) => Record<string, string | null> = () => ({}),
  ): string[] {
    const shas: string[] = []
    let tip = parent
    for (let i = 0; i < n; i++) {
      tip = this.commit({ parents: tip ? [tip] : [], message: `change ${i + 1}`, files: files(i) })
      shas.push(tip)
    }
    return shas
  }

  putBlob(content: string | Uint8Array): string {
    const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : content
    const sha = createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex')
    this.blobs.set(sha, bytes)
    return sha
  }

  has(sha: string): boolean {
    return this.commits.has(sha)
  }

  get(sha: string): StoredCommit {
    const c = this.commits.get(sha)
    if (!c) throw new Error(`unknown commit ${sha}`)
    return c
  }

  /** Every commit reachable from `sha`, itself included. */
  ancestors(sha: string): Set<string> {
    const seen = new Set<string>()
    const stack = [sha]
    while (stack.length) {
      const s = stack.pop()!
      if (seen.has(s)) continue
      seen.add(s)
      stack.push(...this.get(s).parents)
    }
    return seen
  }

  /** `git log base..head`, oldest first (parents before children). */
  log(base: string | undefined, head: string): StoredCommit[] {
    const exclude = base ? this.ancestors(base) : new Set<string>()
    const included = [...this.ancestors(head)].filter((s) => !exclude.has(s))
    const order: StoredCommit[] = []
    const done = new Set<string>()
    const visit = (s: string): void => {
      if (done.has(s) || !included.includes(s)) return
      done.add(s)
      for (const p of this.get(s).parents) visit(p)
      order.push(this.get(s))
    }
    for (const s of included) visit(s)
    return order
  }

  /** The nearest common ancestor of `a` and `b` (good enough for the histories tests build). */
  mergeBase(a: string, b: string): string | undefined {
    const ofA = this.ancestors(a)
    const queue = [b]
    const seen = new Set<string>()
    while (queue.length) {
      const s = queue.shift()!
      if (ofA.has(s)) return s
      if (seen.has(s)) continue
      seen.add(s)
      queue.push(...this.get(s).parents)
    }
    return undefined
  }

  /** Tree diff from `base` (or the empty tree) to `head`, sorted by path. */
  diff(base: string | undefined, head: string): TreeChange[] {
    const before = base ? this.get(base).tree : new Map<string, string>()
    const after = this.get(head).tree
    const changes: TreeChange[] = []
    for (const [path, newSha] of after) {
      const oldSha = before.get(path)
      if (oldSha === undefined) changes.push({ path, status: 'added', newSha })
      else if (oldSha !== newSha) changes.push({ path, status: 'modified', oldSha, newSha })
    }
    for (const [path, oldSha] of before) if (!after.has(path)) changes.push({ path, status: 'removed', oldSha })
    return changes.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0))
  }
}

export function sha1(text: string): string {
  return createHash('sha1').update(text).digest('hex')
}

export function isBinaryBlob(bytes: Uint8Array): boolean {
  return bytes.subarray(0, 8000).includes(0)
}

/** The SHA git uses for "no commit": `before` of a new ref, `after` of a deleted one. */
export const ZERO = '0000000000000000000000000000000000000000'
