/**
 * A loopback stand-in for the Azure DevOps Git REST API (api-version 7.1) that patrol reads pushes from:
 * `pushes/{id}`, `commits?pushId=` (top/skip), `commits/{id}`, `commits/{id}/changes` (top/skip),
 * `diffs/commits` ($top/$skip, `allChangesIncluded`, folder entries) and `blobs/{sha}?$format=octetstream`.
 * History comes from an in-memory {@link GitRepo}. Basic auth with a PAT can be required; a bad PAT gets Azure's
 * 203 + HTML sign-in page (or a 401). Failures (429 with Retry-After, 5xx N times, hangs) are injected per pattern.
 * Also builds `git.push` service-hook payloads, and the documented sample (`azurePushSample`).
 *
 * @example
 * const az = await startAzureDevOpsApi()
 * const repo = az.repo('proj-id', 'repo-id')
 * const c1 = repo.commit({ files: { 'a.txt': 'x\n' } })
 * const pushId = az.addPush('proj-id', 'repo-id', { refUpdates: [{ name: 'refs/heads/main', oldObjectId: ZERO,
 * newObjectId: c1 }] })
 * const event = az.hookPayload(pushId)   // POST this to /webhooks/azure-devops
 * // … new AzureDevOpsSource({ orgUrl: az.url, token }) …
 * await az.close()
 */

import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { GitRepo, type StoredCommit, sha1, type TreeChange, ZERO } from './git-repo.js'
import type { Fault, LoggedRequest } from './github-api.js'
import { StandInFaults } from './stand-in-faults.js'

export type { Fault, LoggedRequest } from './github-api.js'

export interface AzureRefUpdate {
  name: string
  oldObjectId: string
  newObjectId: string
}

export interface AzurePushSpec {
  refUpdates: AzureRefUpdate[]
  /** Commits the push introduced; default: for each ref update, `git log old..new`. */
  commits?: string[]
  pushedBy?: { id: string; displayName: string; uniqueName: string }
}

export interface AzureDevOpsApiStandIn {
  /** Organization URL (as `AZURE_DEVOPS_ORG_URL`), without a trailing slash. */
  url: string
  requests: LoggedRequest[]
  /** The repository `repoId` in project `projectId`, created empty on first use. */
  repo(projectId: string, repoId: string): GitRepo
  /** Records a push and returns its id. */
  addPush(projectId: string, repoId: string, spec: AzurePushSpec): number
  /** A `git.push` service-hook event for a recorded push, shaped like the documented sample. */
  hookPayload(pushId: number): ReturnType<typeof azurePushSample>
  fail(fault: Fault): void
  /** Once called, requests need `Authorization: Basic base64(":" + pat)`; others get 203 + HTML (default) or 401. */
  requireToken(pat: string, onFailure?: '203' | '401'): void
  /** `omitObjectId`: change entries for these paths lack `objectId`, as in some documented examples. */
  settings: { commentLimit: number; omitObjectId: (path: string) => boolean }
  close(): Promise<void>
}

interface StoredPush {
  pushId: number
  projectId: string
  repoId: string
  refUpdates: AzureRefUpdate[]
  commits: string[]
  pushedBy: { id: string; displayName: string; uniqueName: string }
  date: string
}

const JAMAL = {
  id: '00ca946b-2fe9-4f2a-ae2f-40d5c48001bc',
  displayName: 'Jamal Hartnett',
  uniqueName: 'fabrikamfiber4@hotmail.com',
}

export async function startAzureDevOpsApi(): Promise<AzureDevOpsApiStandIn> {
  const repos = new Map<string, GitRepo>()
  const pushes = new Map<number, StoredPush>()
  const faults = new StandInFaults(JSON.stringify({ message: 'injected failure', typeKey: 'InjectedFailure' }))
  const requests: LoggedRequest[] = []
  const settings = { commentLimit: 100, omitObjectId: (_path: string) => false }
  let auth: { pat: string; onFailure: '203' | '401' } | undefined
  let nextPushId = 14
  let base = ''

  const server = createServer((req, res) => {
    try {
      handle(req, res)
    } catch (err) {
      if (!res.headersSent) send(res, 500, { message: String(err) })
    }
  })

  function repoOf(projectId: string, repoId: string): GitRepo {
    const key = `${projectId}/${repoId}`
    let r = repos.get(key)
    if (!r) repos.set(key, (r = new GitRepo()))
    return r
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const u = new URL(req.url ?? '/', base)
    const entry: LoggedRequest = {
      method: req.method ?? 'GET',
      path: u.pathname,
      query: u.searchParams,
      headers: { ...req.headers } as Record<string, string | undefined>,
    }
    requests.push(entry)
    const line = `${entry.method} ${u.pathname}${u.search}`
    if (faults.answer(line, res)) return
    if (auth) {
      const expected = `Basic ${Buffer.from(`:${auth.pat}`).toString('base64')}`
      if (req.headers.authorization !== expected) {
        if (auth.onFailure === '401')
          return send(res, 401, { message: 'TF400813: The user is not authorized to access this resource.' })
        res.writeHead(203, { 'content-type': 'text/html; charset=utf-8' })
        res.end(
          '<!DOCTYPE html><html><head><title>Azure DevOps Services | Sign In</title></head><body>Sign in</body></html>',
        )
        return
      }
    }
    if (!u.searchParams.get('api-version'))
      return send(res, 400, {
        message: 'No api-version was supplied for the "GET" request.',
        typeKey: 'VssVersionNotSpecifiedException',
      })

    const m = /^\/fabrikam\/([^/]+)\/_apis\/git\/repositories\/([^/]+)\/(.+)$/.exec(u.pathname)
    const repo = m ? repos.get(`${decodeURIComponent(m[1]!)}/${decodeURIComponent(m[2]!)}`) : undefined
    if (!m || !repo)
      return send(res, 404, {
        message: 'TF401019: The Git repository does not exist.',
        typeKey: 'GitRepositoryNotFoundException',
      })
    const [projectId, repoId, rest] = [decodeURIComponent(m[1]!), decodeURIComponent(m[2]!), m[3]!]
    const q = u.searchParams
    const repoUrl = `${base}/fabrikam/${projectId}/_apis/git/repositories/${repoId}`
    let r: RegExpExecArray | null

    if ((r = /^pushes\/(\d+)$/.exec(rest))) {
      const push = pushes.get(Number(r[1]))
      if (!push || push.repoId !== repoId) return send(res, 404, { message: 'TF401175: The push does not exist.' })
      return send(res, 200, {
        pushId: push.pushId,
        date: push.date,
        pushedBy: push.pushedBy,
        url: `${repoUrl}/pushes/${push.pushId}`,
        repository: { id: repoId, url: repoUrl },
        ...(q.get('includeRefUpdates') === 'true'
          ? { refUpdates: push.refUpdates.map((x) => ({ repositoryId: repoId, ...x })) }
          : {}),
      })
    }
    if (rest === 'commits' && q.has('pushId')) {
      const push = pushes.get(Number(q.get('pushId')))
      const all = push ? push.commits.map((sha) => commitRef(repo.get(sha), repoUrl, true)) : []
      const skip = Number(q.get('skip') ?? 0)
      const top = Number(q.get('top') ?? 100)
      const value = all.slice(skip, skip + top)
      return send(res, 200, { count: value.length, value })
    }
    if ((r = /^commits\/([0-9a-f]{40})$/.exec(rest))) {
      if (!repo.has(r[1]!)) return send(res, 404, { message: 'TF401175: The commit does not exist.' })
      const c = repo.get(r[1]!)
      return send(res, 200, { ...commitRef(c, repoUrl, false), parents: c.parents })
    }
    if ((r = /^commits\/([0-9a-f]{40})\/changes$/.exec(rest))) {
      if (!repo.has(r[1]!)) return send(res, 404, { message: 'TF401175: The commit does not exist.' })
      const c = repo.get(r[1]!)
      const all = changesJson(repo.diff(c.parents[0], c.sha), settings.omitObjectId)
      const skip = Number(q.get('skip') ?? 0)
      const top = Number(q.get('top') ?? 100)
      return send(res, 200, { changeCounts: counts(all), changes: all.slice(skip, skip + top) })
    }
    if (rest === 'diffs/commits') {
      const baseVersion = q.get('baseVersion') ?? ''
      const target = q.get('targetVersion') ?? ''
      if (!repo.has(baseVersion) || !repo.has(target))
        return send(res, 404, { message: 'TF401175: The version does not exist.' })
      const common = repo.mergeBase(baseVersion, target)
      const from = q.get('diffCommonCommit') === 'true' ? common : baseVersion
      const all = changesJson(repo.diff(from, target), settings.omitObjectId)
      const skip = Number(q.get('$skip') ?? 0)
      const top = Number(q.get('$top') ?? 100)
      return send(res, 200, {
        allChangesIncluded: skip + top >= all.length,
        changeCounts: counts(all),
        changes: all.slice(skip, skip + top),
        commonCommit: common,
        baseCommit: baseVersion,
        targetCommit: target,
        aheadCount: repo.log(baseVersion, target).length,
        behindCount: repo.log(target, baseVersion).length,
      })
    }
    if (rest === 'items') {
      // The item at a path in a commit (`versionDescriptor.versionType=commit`), as raw bytes with $format=octetstream.
      const path = (q.get('path') ?? '').replace(/^\/+/, '')
      const version = q.get('versionDescriptor.version') ?? ''
      const sha = repo.has(version) ? repo.get(version).tree.get(path) : undefined
      const bytes = sha ? repo.blobs.get(sha) : undefined
      if (q.get('versionDescriptor.versionType') !== 'commit' || !bytes)
        return send(res, 404, { message: `TF401174: The item '${path}' could not be found.` })
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(bytes.length) })
      res.end(Buffer.from(bytes))
      return
    }
    if ((r = /^blobs\/([0-9a-f]{40})$/.exec(rest))) {
      const bytes = repo.blobs.get(r[1]!)
      if (!bytes) return send(res, 404, { message: 'TF401174: The item could not be found.' })
      if (q.get('$format')?.toLowerCase() === 'octetstream' || (req.headers.accept ?? '').includes('octet-stream')) {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(bytes.length) })
        res.end(Buffer.from(bytes))
        return
      }
      return send(res, 200, { objectId: r[1], size: bytes.length, url: `${repoUrl}/blobs/${r[1]}` })
    }
    return send(res, 404, { message: 'The resource cannot be found.' })
  }

  function commitRef(c: StoredCommit, repoUrl: string, inList: boolean): Record<string, unknown> {
    const truncate = inList && c.message.length > settings.commentLimit
    const who = { name: c.author.name, email: c.author.email, date: c.date }
    return {
      commitId: c.sha,
      author: who,
      committer: who,
      comment: truncate ? c.message.slice(0, settings.commentLimit) : c.message,
      ...(truncate ? { commentTruncated: true } : {}),
      url: `${repoUrl}/commits/${c.sha}`,
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  return {
    url: `${base}/fabrikam`,
    requests,
    settings,
    repo: repoOf,
    addPush(projectId, repoId, spec) {
      const repo = repoOf(projectId, repoId)
      const commits =
        spec.commits ??
        [
          ...new Set(
            spec.refUpdates
              .filter((x) => x.newObjectId !== ZERO)
              .flatMap((x) =>
                repo.log(x.oldObjectId === ZERO ? undefined : x.oldObjectId, x.newObjectId).map((c) => c.sha),
              ),
          ),
        ].reverse()
      const pushId = nextPushId++
      pushes.set(pushId, {
        pushId,
        projectId,
        repoId,
        refUpdates: spec.refUpdates,
        commits,
        pushedBy: spec.pushedBy ?? JAMAL,
        date: '2024-02-25T19:01:00.123Z',
      })
      return pushId
    },
    hookPayload(pushId) {
      const push = pushes.get(pushId)
      if (!push) throw new Error(`unknown push ${pushId}`)
      const repo = repoOf(push.projectId, push.repoId)
      const event = azurePushSample()
      event.id = randomUUID()
      const r = event.resource
      r.pushId = pushId
      r.refUpdates = push.refUpdates.map((x) => ({ ...x }))
      r.pushedBy = { ...push.pushedBy }
      r.commits = push.commits.map((sha) => {
        const c = repo.get(sha)
        const truncate = c.message.length > settings.commentLimit
        return {
          commitId: sha,
          author: { name: c.author.name, email: c.author.email, date: c.date },
          committer: { name: c.author.name, email: c.author.email, date: c.date },
          comment: truncate ? c.message.slice(0, settings.commentLimit) : c.message,
          ...(truncate ? { commentTruncated: true } : {}),
          url: `https://dev.azure.com/fabrikam/_git/${push.repoId}/commit/${sha}`,
        }
      })
      r.repository.id = push.repoId
      r.repository.project.id = push.projectId
      r.url = `${base}/fabrikam/_apis/repos/git/repositories/${push.repoId}/pushes/${pushId}`
      return event
    },
    fail: (fault) => faults.add(fault),
    requireToken(pat, onFailure = '203') {
      auth = { pat, onFailure }
    },
    async close() {
      faults.release()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

/** Azure's change list: one entry per changed file plus entries for the folders holding them, sorted by path. */
function changesJson(changes: TreeChange[], omitObjectId: (path: string) => boolean): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = []
  const folders = new Set<string>()
  for (const c of changes) {
    const parts = c.path.split('/')
    for (let i = 1; i < parts.length; i++) folders.add(`/${parts.slice(0, i).join('/')}`)
    const changeType = c.status === 'added' ? 'add' : c.status === 'removed' ? 'delete' : 'edit'
    const bare = omitObjectId(c.path)
    out.push({
      item: {
        ...(bare ? {} : { objectId: c.newSha ?? c.oldSha }),
        ...(c.oldSha && c.newSha && !bare ? { originalObjectId: c.oldSha } : {}),
        gitObjectType: 'blob',
        path: `/${c.path}`,
        url: `https://dev.azure.com/fabrikam/_apis/git/items/${c.path}`,
      },
      changeType,
    })
  }
  for (const f of folders)
    out.push({
      item: { objectId: sha1(`tree ${f}`), gitObjectType: 'tree', path: f, isFolder: true },
      changeType: 'edit',
    })
  return out.sort((a, b) => ((a.item as { path: string }).path < (b.item as { path: string }).path ? -1 : 1))
}

function counts(changes: Record<string, unknown>[]): Record<string, number> {
  const c: Record<string, number> = {}
  for (const ch of changes) {
    const key = String(ch.changeType).replace(/^./, (s) => s.toUpperCase())
    c[key] = (c[key] ?? 0) + 1
  }
  return c
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8; api-version=7.1' })
  res.end(JSON.stringify(body))
}

/** The documented `git.push` service-hook event (research/apis.md 4.3), filled in as a real delivery would be. */
export function azurePushSample() {
  return {
    subscriptionId: '00000000-0000-0000-0000-000000000000',
    notificationId: 3,
    id: '03c164c2-8912-4d5e-8009-3707d5f83734',
    eventType: 'git.push',
    publisherId: 'tfs',
    scope: 'all',
    message: { text: 'Jamal Hartnett pushed updates to branch main of repository Fabrikam-Fiber-Git.' },
    resource: {
      commits: [
        {
          commitId: '33b55f7cb7e7e245323987634f960cf4a6e6bc74',
          author: { name: 'Jamal Hartnett', email: 'fabrikamfiber4@hotmail.com', date: '2015-02-25T19:01:00Z' },
          committer: { name: 'Jamal Hartnett', email: 'fabrikamfiber4@hotmail.com', date: '2015-02-25T19:01:00Z' },
          comment: 'Fixed bug in web.config file',
          url: 'https://dev.azure.com/fabrikam/_git/Fabrikam-Fiber-Git/commit/33b55f7cb7e7e245323987634f960cf4a6e6bc74',
        } as {
          commitId: string
          author: { name: string; email: string; date: string }
          committer: { name: string; email: string; date: string }
          comment: string
          commentTruncated?: boolean
          url: string
        },
      ],
      refUpdates: [
        {
          name: 'refs/heads/main',
          oldObjectId: 'aad331d8d3b131fa9ae03cf5e53965b51942618a',
          newObjectId: '33b55f7cb7e7e245323987634f960cf4a6e6bc74',
        },
      ],
      repository: {
        id: '278d5cd2-584d-4b63-824a-2ba458937249',
        name: 'Fabrikam-Fiber-Git',
        url: 'https://dev.azure.com/fabrikam/_apis/repos/git/repositories/278d5cd2-584d-4b63-824a-2ba458937249',
        project: {
          id: '6ce954b1-ce1f-45d1-b94d-e6bf2464ba2c',
          name: 'Fabrikam-Fiber-Git',
          url: 'https://dev.azure.com/fabrikam/_apis/projects/6ce954b1-ce1f-45d1-b94d-e6bf2464ba2c',
          state: 'wellFormed',
        },
        defaultBranch: 'refs/heads/main',
        remoteUrl: 'https://dev.azure.com/fabrikam/Fabrikam-Fiber-Git/_git/Fabrikam-Fiber-Git',
      },
      pushedBy: { ...JAMAL },
      pushId: 14,
      date: '2014-05-02T19:17:13.3309587Z',
      url: 'https://dev.azure.com/fabrikam/_apis/repos/git/repositories/278d5cd2-584d-4b63-824a-2ba458937249/pushes/14',
    },
    resourceVersion: '1.0',
    resourceContainers: {
      collection: { id: 'c12d0eb8-e382-443b-9f9c-c52cba5014c2' },
      account: { id: 'f844ec47-a9db-4511-8281-8b63f4eaf94e' },
      project: { id: 'be9b3917-87e6-42a4-a549-2bc06a7a878f' },
    },
    createdDate: '2024-09-19T13:03:27.0379153Z',
  }
}
