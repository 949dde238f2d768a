/**
 * A loopback stand-in for the parts of GitHub's REST API that patrol reads content from, speaking the documented
 * wire format: `compare/{base}...{head}` (250 commits / 300 files unpaged, paged commits with `Link`),
 * `commits/{sha}` (files paged by `Link`), `git/blobs/{sha}` and `contents/{path}?ref=` (JSON or raw), and App
 * installation tokens (the JWT is checked against the app's public key), `GET /user` ("Get the authenticated
 * user": 200 `{login, id, email}` with `email` null unless public, 401 `Bad credentials` for a token that is not a
 * live account's) once a test adds an account, and secret scanning alerts (`GET`/`PATCH
 * secret-scanning/alerts/{alert_number}`, shaped as GitHub's OpenAPI description defines
 * `secret-scanning-alert-with-metadata` and the update's request body and 400/422 answers). History comes from an
 * in-memory
 * {@link GitRepo}; failures (429 with Retry-After, 5xx N times, hangs, anything) are injected per request pattern.
 *
 * @example
 * const gh = await startGithubApi()
 * const repo = gh.repo('octo/app')
 * const base = repo.commit({ files: { 'README.md': 'hi\n' } })
 * const head = repo.commit({ parents: [base], files: { '.env': 'KEY=1\n' } })
 * gh.fail({ match: /compare/, status: 429, headers: { 'retry-after': '30' } })
 * const payload = gh.pushPayload('octo/app', { ref: 'refs/heads/main', before: base, after: head })
 * // … new GithubSource({ apiUrl: gh.url }) …
 * await gh.close()
 */

import { createPublicKey, type KeyObject, verify as verifySignature } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { structuredPatch } from 'diff'
import { GitRepo, isBinaryBlob, type StoredCommit, type TreeChange, ZERO } from './git-repo.js'
import { type Fault, StandInFaults } from './stand-in-faults.js'

export interface LoggedRequest {
  method: string
  /** Path without the query. */
  path: string
  query: URLSearchParams
  headers: Record<string, string | undefined>
}

export type { Fault }

export interface PushPayloadOptions {
  ref: string
  /** 40 zeros for a new ref. */
  before: string
  /** 40 zeros for a deleted ref. */
  after: string
  forced?: boolean
  /** Commits to list; default: `git log before..after` (all of after's history for a new ref), oldest first. */
  commits?: string[]
  /** Which listed commits are new to the repository; default all. */
  distinct?: (sha: string) => boolean
  installationId?: number
}

export interface GithubApiStandIn {
  /** API base URL (as `GITHUB_API_URL`), without a trailing slash. */
  url: string
  requests: LoggedRequest[]
  /** The repository `owner/name`, created empty on first use. */
  repo(fullName: string): GitRepo
  /** Files for which compare and commit answers leave out `patch` (as GitHub does for large diffs). */
  omitPatch(predicate: (path: string) => boolean): void
  fail(fault: Fault): void
  /** Once called, content requests need `Authorization: Bearer` with one of these (or an installation token). */
  requireToken(...tokens: string[]): void
  /**
   * A live token of a GitHub account, for `GET /user`. Without any account `GET /user` answers 404, as a
   * stand-in that does not model accounts; with one, any other token gets 401.
   */
  addAccount(token: string, account: { login: string; email?: string | null; id?: number }): void
  /** The token no longer authenticates (`GET /user` → 401), e.g. after GitHub revoked it. */
  killToken(token: string): void
  /** Registers a GitHub App whose JWTs (RS256, `iss` = appId) may mint installation tokens. */
  installApp(app: { appId: string; publicKeyPem: string; tokenLifetimeMs?: number }): void
  /** Installation tokens minted so far. */
  issuedTokens: string[]
  settings: { commitFilesPerPage: number; compareFileCap: number; compareCommitCap: number }
  /** Adds (or replaces) secret scanning alert `number` of `fullName`, open, holding `secret`. */
  secretAlert(fullName: string, alert: { number: number; secret: string; secret_type: string }): SecretAlert
  /** A `push` webhook payload (shaped like GitHub's) for a ref update in `fullName`. */
  pushPayload(fullName: string, options: PushPayloadOptions): Record<string, unknown>
  close(): Promise<void>
}

/** `secret-scanning-alert-with-metadata` (GitHub's OpenAPI description), the fields patrol reads or writes. */
export interface SecretAlert {
  number: number
  created_at: string
  updated_at: string | null
  url: string
  html_url: string
  locations_url: string
  state: 'open' | 'resolved'
  resolution: 'false_positive' | 'wont_fix' | 'revoked' | 'used_in_tests' | null
  resolved_at: string | null
  resolved_by: { login: string } | null
  resolution_comment: string | null
  secret_type: string
  secret_type_display_name: string
  secret: string
  validity: 'active' | 'inactive' | 'unknown'
}

const RESOLUTIONS = ['false_positive', 'wont_fix', 'revoked', 'used_in_tests'] as const

export async function startGithubApi(): Promise<GithubApiStandIn> {
  const repos = new Map<string, GitRepo>()
  const alerts = new Map<string, SecretAlert>()
  const faults = new StandInFaults(JSON.stringify({ message: 'injected failure' }))
  const requests: LoggedRequest[] = []
  const tokens = new Set<string>()
  const issuedTokens: string[] = []
  let patchless: (path: string) => boolean = () => false
  let app: { appId: string; key: KeyObject; tokenLifetimeMs: number } | undefined
  const settings = { commitFilesPerPage: 300, compareFileCap: 300, compareCommitCap: 250 }
  let base = ''
  const accounts = new Map<string, { login: string; email?: string | null; id?: number }>()
  let accountsModelled = false

  const server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      if (!res.headersSent) send(res, 500, { message: String(err) })
    })
  })

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const u = new URL(req.url ?? '/', base)
    const entry: LoggedRequest = {
      method: req.method ?? 'GET',
      path: u.pathname,
      query: u.searchParams,
      headers: { ...req.headers } as Record<string, string | undefined>,
    }
    requests.push(entry)
    const body = await readBody(req)
    const line = `${entry.method} ${u.pathname}${u.search}`
    if (faults.answer(line, res)) return

    if (entry.method === 'GET' && u.pathname === '/user') {
      if (!accountsModelled) return send(res, 404, { message: 'Not Found' })
      const presented = /^(?:Bearer|token) (.+)$/.exec(req.headers.authorization ?? '')?.[1]
      const account = presented ? accounts.get(presented) : undefined
      if (!account)
        return send(res, 401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' })
      return send(res, 200, { login: account.login, id: account.id ?? 1, type: 'User', email: account.email ?? null })
    }
    let m: RegExpExecArray | null
    if (entry.method === 'POST' && (m = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(u.pathname))) {
      return mintInstallationToken(req, res, Number(m[1]), body)
    }
    if (tokens.size > 0) {
      const auth = req.headers.authorization ?? ''
      const presented = /^(?:Bearer|token) (.+)$/.exec(auth)?.[1]
      if (!presented || !tokens.has(presented))
        return send(res, 401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' })
    }
    m = /^\/repos\/([^/]+)\/([^/]+)\/(.+)$/.exec(u.pathname)
    const repo = m ? repos.get(`${decodeURIComponent(m[1]!)}/${decodeURIComponent(m[2]!)}`) : undefined
    if (!m || !repo) return send(res, 404, { message: 'Not Found' })
    const rest = m[3]!
    const raw = (req.headers.accept ?? '').includes('raw')
    const repoUrl = `${base}/repos/${m[1]}/${m[2]}`

    if ((m = /^secret-scanning\/alerts\/(\d+)$/.exec(rest))) {
      const alert = alerts.get(
        `${decodeURIComponent(u.pathname.split('/')[2]!)}/${decodeURIComponent(u.pathname.split('/')[3]!)}#${m[1]}`,
      )
      if (!alert) return send(res, 404, { message: 'Not Found' })
      if (entry.method === 'GET') return send(res, 200, alert)
      if (entry.method === 'PATCH') return updateAlert(res, alert, body)
      return send(res, 404, { message: 'Not Found' })
    }
    if ((m = /^compare\/([0-9a-f]{40})\.\.\.([0-9a-f]{40})$/.exec(rest))) {
      const [from, to] = [m[1]!, m[2]!]
      if (!repo.has(from) || !repo.has(to)) return send(res, 404, { message: 'Not Found' })
      return compare(res, repo, repoUrl, rest, from, to, u.searchParams)
    }
    if ((m = /^commits\/([0-9a-f]{40})$/.exec(rest))) {
      if (!repo.has(m[1]!)) return send(res, 422, { message: 'No commit found for SHA' })
      return commit(res, repo, repoUrl, rest, repo.get(m[1]!), u.searchParams)
    }
    if ((m = /^git\/blobs\/([0-9a-f]{40})$/.exec(rest))) {
      const bytes = repo.blobs.get(m[1]!)
      if (!bytes) return send(res, 404, { message: 'Not Found' })
      if (raw) return sendRaw(res, bytes)
      return send(res, 200, {
        sha: m[1],
        size: bytes.length,
        content: Buffer.from(bytes).toString('base64'),
        encoding: 'base64',
      })
    }
    if ((m = /^contents\/(.+)$/.exec(rest))) {
      const ref = u.searchParams.get('ref')
      if (!ref || !repo.has(ref)) return send(res, 404, { message: 'No commit found for the ref' })
      const path = m[1]!.split('/').map(decodeURIComponent).join('/')
      const sha = repo.get(ref).tree.get(path)
      const bytes = sha ? repo.blobs.get(sha) : undefined
      if (!sha || !bytes) return send(res, 404, { message: 'Not Found' })
      if (raw) return sendRaw(res, bytes)
      return send(res, 200, {
        type: 'file',
        path,
        sha,
        size: bytes.length,
        content: Buffer.from(bytes).toString('base64'),
        encoding: 'base64',
      })
    }
    return send(res, 404, { message: 'Not Found' })
  }

  /**
   * `secret-scanning/update-alert`: 400 on a bad body or an unchanged resolution, 422 when state and resolution
   * disagree.
   */
  function updateAlert(res: ServerResponse, alert: SecretAlert, body: string): void {
    let patch: Record<string, unknown>
    try {
      patch = JSON.parse(body) as Record<string, unknown>
    } catch {
      return send(res, 400, { message: 'Problems parsing JSON' })
    }
    const { state, resolution, resolution_comment: comment } = patch
    if (state !== undefined && state !== 'open' && state !== 'resolved')
      return send(res, 422, { message: 'Invalid request: state' })
    if (resolution !== undefined && resolution !== null && !RESOLUTIONS.includes(resolution as never))
      return send(res, 422, { message: 'Invalid request: resolution' })
    if (comment !== undefined && comment !== null && typeof comment !== 'string')
      return send(res, 400, { message: 'Invalid resolution comment' })
    if (state === 'resolved' && !resolution) return send(res, 422, { message: 'A resolution is required to resolve' })
    if (state === 'resolved' && alert.state === 'resolved' && alert.resolution === resolution)
      return send(res, 400, { message: 'The resolution was not changed' })
    if (state === 'resolved') {
      Object.assign(alert, {
        state,
        resolution,
        resolution_comment: comment ?? null,
        resolved_at: new Date().toISOString(),
        resolved_by: { login: 'patrol-bot' },
      })
    } else if (state === 'open') {
      Object.assign(alert, { state, resolution: null, resolved_at: null, resolved_by: null })
    }
    alert.updated_at = new Date().toISOString()
    send(res, 200, alert)
  }

  function compare(
    res: ServerResponse,
    repo: GitRepo,
    repoUrl: string,
    rest: string,
    from: string,
    to: string,
    q: URLSearchParams,
  ): void {
    const mergeBase = repo.mergeBase(from, to)
    const commits = repo.log(mergeBase, to)
    const behind = repo.log(mergeBase, from).length
    const status = commits.length === 0 ? (behind === 0 ? 'identical' : 'behind') : behind === 0 ? 'ahead' : 'diverged'
    const paged = q.has('per_page') || q.has('page')
    const perPage = Math.min(100, Number(q.get('per_page') ?? 30))
    const page = Math.max(1, Number(q.get('page') ?? 1))
    const listed = paged
      ? commits.slice((page - 1) * perPage, page * perPage)
      : commits.slice(0, settings.compareCommitCap)
    const files =
      !paged || page === 1
        ? repo
            .diff(mergeBase, to)
            .slice(0, settings.compareFileCap)
            .map((c) => fileJson(repo, c))
        : []
    const headers: Record<string, string> = {}
    if (paged) {
      const last = Math.max(1, Math.ceil(commits.length / perPage))
      const links: string[] = []
      if (page < last)
        links.push(
          `<${repoUrl}/${rest}?per_page=${perPage}&page=${page + 1}>; rel="next"`,
          `<${repoUrl}/${rest}?per_page=${perPage}&page=${last}>; rel="last"`,
        )
      if (links.length) headers.link = links.join(', ')
    }
    send(
      res,
      200,
      {
        url: `${repoUrl}/${rest}`,
        base_commit: commitJson(repo.get(from), repoUrl),
        merge_base_commit: mergeBase ? commitJson(repo.get(mergeBase), repoUrl) : null,
        status,
        ahead_by: commits.length,
        behind_by: behind,
        total_commits: commits.length,
        commits: listed.map((c) => commitJson(c, repoUrl)),
        files,
      },
      headers,
    )
  }

  function commit(
    res: ServerResponse,
    repo: GitRepo,
    repoUrl: string,
    rest: string,
    c: StoredCommit,
    q: URLSearchParams,
  ): void {
    const all = repo.diff(c.parents[0], c.sha).slice(0, 3000)
    const perPage = settings.commitFilesPerPage
    const page = Math.max(1, Number(q.get('page') ?? 1))
    const last = Math.max(1, Math.ceil(all.length / perPage))
    const headers: Record<string, string> = {}
    if (page < last)
      headers.link = `<${repoUrl}/${rest}?page=${page + 1}>; rel="next", <${repoUrl}/${rest}?page=${last}>; rel="last"`
    const files = all.slice((page - 1) * perPage, page * perPage).map((ch) => fileJson(repo, ch))
    send(res, 200, { ...commitJson(c, repoUrl), files }, headers)
  }

  function fileJson(repo: GitRepo, c: TreeChange): Record<string, unknown> {
    const oldBytes = c.oldSha ? repo.blobs.get(c.oldSha)! : new Uint8Array()
    const newBytes = c.newSha ? repo.blobs.get(c.newSha)! : new Uint8Array()
    const binary = isBinaryBlob(oldBytes) || isBinaryBlob(newBytes)
    const f: Record<string, unknown> = {
      sha: c.newSha ?? c.oldSha,
      filename: c.path,
      status: c.status,
      additions: 0,
      deletions: 0,
      changes: 0,
      raw_url: `${base}/raw/${c.path}`,
    }
    if (!binary && !patchless(c.path)) {
      const p = structuredPatch('a', 'b', text(oldBytes), text(newBytes), '', '', { context: 3 })
      f.patch = p.hunks
        .map((h) => `@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@\n${h.lines.join('\n')}`)
        .join('\n')
      for (const h of p.hunks)
        for (const l of h.lines) {
          if (l[0] === '+') f.additions = (f.additions as number) + 1
          if (l[0] === '-') f.deletions = (f.deletions as number) + 1
        }
      f.changes = (f.additions as number) + (f.deletions as number)
    }
    return f
  }

  function mintInstallationToken(
    req: IncomingMessage,
    res: ServerResponse,
    installationId: number,
    _body: string,
  ): void {
    const jwt = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1]
    if (!app || !jwt) return send(res, 401, { message: 'A JSON web token could not be decoded' })
    const [h, p, s] = jwt.split('.')
    const ok =
      h && p && s && verifySignature('RSA-SHA256', Buffer.from(`${h}.${p}`), app.key, Buffer.from(s, 'base64url'))
    if (!ok) return send(res, 401, { message: 'A JSON web token could not be decoded' })
    const header = JSON.parse(Buffer.from(h!, 'base64url').toString()) as { alg?: string }
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString()) as { iss?: string; iat?: number; exp?: number }
    const now = Date.now() / 1000
    if (
      header.alg !== 'RS256' ||
      claims.iss !== app.appId ||
      !claims.exp ||
      claims.exp < now ||
      claims.exp - (claims.iat ?? 0) > 660
    )
      return send(res, 401, { message: "'Expiration time' claim ('exp') is too far in the future" })
    const token = `stand-in-installation-${installationId}-${issuedTokens.length + 1}`
    issuedTokens.push(token)
    tokens.add(token)
    send(res, 201, {
      token,
      expires_at: new Date(Date.now() + app.tokenLifetimeMs).toISOString().replace(/\.\d+Z$/, 'Z'),
      permissions: { contents: 'read' },
    })
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  function repoOf(fullName: string): GitRepo {
    let r = repos.get(fullName)
    if (!r) repos.set(fullName, (r = new GitRepo()))
    return r
  }

  return {
    url: base,
    requests,
    settings,
    issuedTokens,
    repo: repoOf,
    omitPatch(predicate) {
      patchless = predicate
    },
    fail: (fault) => faults.add(fault),
    requireToken(...t) {
      for (const token of t) tokens.add(token)
    },
    addAccount(token, account) {
      accountsModelled = true
      accounts.set(token, account)
    },
    killToken(token) {
      accounts.delete(token)
    },
    installApp({ appId, publicKeyPem, tokenLifetimeMs = 3_600_000 }) {
      app = { appId, key: createPublicKey(publicKeyPem), tokenLifetimeMs }
      // An app makes the API authenticated, as on github.com for private repositories.
      if (tokens.size === 0) tokens.add(`stand-in-unused-${appId}`)
    },
    pushPayload(fullName, o) {
      const repo = repoOf(fullName)
      const [owner, name] = fullName.split('/')
      const created = o.before === ZERO
      const deleted = o.after === ZERO
      const shas = o.commits ?? (deleted ? [] : repo.log(created ? undefined : o.before, o.after).map((c) => c.sha))
      const commitJsonFor = (sha: string) => {
        const c = repo.get(sha)
        const changes = repo.diff(c.parents[0], sha)
        return {
          id: sha,
          tree_id: sha,
          distinct: o.distinct ? o.distinct(sha) : true,
          message: c.message,
          timestamp: c.date,
          url: `https://github.com/${fullName}/commit/${sha}`,
          author: {
            name: c.author.name,
            email: c.author.email,
            ...(c.author.login ? { username: c.author.login } : {}),
          },
          committer: { name: c.author.name, email: c.author.email },
          added: changes.filter((x) => x.status === 'added').map((x) => x.path),
          removed: changes.filter((x) => x.status === 'removed').map((x) => x.path),
          modified: changes.filter((x) => x.status === 'modified').map((x) => x.path),
        }
      }
      const commits = shas.map(commitJsonFor)
      return {
        ref: o.ref,
        before: o.before,
        after: o.after,
        created,
        deleted,
        forced: o.forced ?? false,
        base_ref: null,
        compare: `https://github.com/${fullName}/compare/${o.before.slice(0, 12)}...${o.after.slice(0, 12)}`,
        commits,
        head_commit: deleted ? null : commitJsonFor(o.after),
        repository: {
          id: 186853002,
          node_id: 'MDEwOlJlcG9zaXRvcnkxODY4NTMwMDI=',
          name,
          full_name: fullName,
          private: true,
          owner: { name: owner, login: owner, id: 21031067, type: 'User' },
          html_url: `https://github.com/${fullName}`,
          url: `https://github.com/${fullName}`,
          blobs_url: `${base}/repos/${fullName}/git/blobs{/sha}`,
          default_branch: 'main',
          master_branch: 'main',
        },
        pusher: { name: 'mona', email: 'mona@example.com' },
        sender: { login: 'mona', id: 1, type: 'User' },
        ...(o.installationId !== undefined
          ? { installation: { id: o.installationId, node_id: 'MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ==' } }
          : {}),
      }
    },
    secretAlert(fullName, a) {
      repoOf(fullName)
      const url = `${base}/repos/${fullName}/secret-scanning/alerts/${a.number}`
      const alert: SecretAlert = {
        number: a.number,
        created_at: new Date().toISOString(),
        updated_at: null,
        url,
        html_url: `https://github.com/${fullName}/security/secret-scanning/${a.number}`,
        locations_url: `${url}/locations`,
        state: 'open',
        resolution: null,
        resolved_at: null,
        resolved_by: null,
        resolution_comment: null,
        secret_type: a.secret_type,
        secret_type_display_name: a.secret_type,
        secret: a.secret,
        validity: 'unknown',
      }
      alerts.set(`${fullName}#${a.number}`, alert)
      return alert
    },
    async close() {
      faults.release()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

function commitJson(c: StoredCommit, repoUrl: string): Record<string, unknown> {
  return {
    sha: c.sha,
    url: `${repoUrl}/commits/${c.sha}`,
    commit: {
      author: { name: c.author.name, email: c.author.email, date: c.date },
      committer: { name: c.author.name, email: c.author.email, date: c.date },
      message: c.message,
      tree: { sha: c.sha },
    },
    author: c.author.login ? { login: c.author.login, id: 1, type: 'User' } : null,
    committer: c.author.login ? { login: c.author.login, id: 1, type: 'User' } : null,
    parents: c.parents.map((sha) => ({ sha, url: `${repoUrl}/commits/${sha}` })),
  }
}

function text(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes)
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const json = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'x-ratelimit-limit': '5000',
    'x-ratelimit-remaining': '4999',
    'x-ratelimit-resource': 'core',
    'x-github-api-version-selected': '2022-11-28',
    ...headers,
  })
  res.end(json)
}

function sendRaw(res: ServerResponse, bytes: Uint8Array): void {
  res.writeHead(200, {
    'content-type': 'application/vnd.github.raw; charset=utf-8',
    'content-length': String(bytes.length),
  })
  res.end(Buffer.from(bytes))
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}
