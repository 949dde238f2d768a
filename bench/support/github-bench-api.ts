/**
 * A light loopback GitHub for the end-to-end benchmark, speaking the wire format patrol's GitHub source and
 * issuer use: `GET /repos/{o}/{r}/compare/{base}...{head}` (one commit, one added file with its `patch`) and
 * `POST /credentials/revoke` (202). Each push's file is generated from its head SHA on request (100 KB of code
 * with the push's token on one line), so the stand-in holds no history and costs little CPU; it records when
 * each token's revocation call arrived.
 *
 * @example
 * const gh = await startGithubBenchApi()
 * gh.plant(sha(1), token)          // push 1 adds a file holding `token`
 * // … later: gh.revokedAt.get(token) → performance.now() of the revocation call
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { BASE_SHA } from './push-payload.js'

export interface GithubBenchApi {
  url: string
  plant(head: string, token: string): void
  /** performance.now() at which each token arrived in a revocation call. */
  revokedAt: Map<string, number>
  revokeCalls: number
  close(): Promise<void>
}

const LINE = 'export function handler(request: Request): Response { return new Response(request.url) } //'

function patchFor(token: string, bytes: number): string {
  const lines: string[] = []
  const n = Math.ceil(bytes / (LINE.length + 8))
  const at = Math.floor(n / 2)
  for (let i = 0; i < n; i++) lines.push(i === at ? `+const GITHUB_TOKEN = '${token}'` : `+${LINE} ${i}`)
  return `@@ -0,0 +1,${n} @@\n${lines.join('\n')}`
}

export async function startGithubBenchApi(o: { fileBytes?: number } = {}): Promise<GithubBenchApi> {
  const planted = new Map<string, string>()
  const revokedAt = new Map<string, number>()
  let revokeCalls = 0
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x')
      if (req.method === 'POST' && url.pathname === '/credentials/revoke') {
        const at = performance.now()
        revokeCalls++
        const { credentials } = JSON.parse(Buffer.concat(chunks).toString()) as { credentials: string[] }
        for (const c of credentials) if (!revokedAt.has(c)) revokedAt.set(c, at)
        res.writeHead(202).end()
        return
      }
      const m = /^\/repos\/([^/]+)\/([^/]+)\/compare\/([0-9a-f]{40})\.\.\.([0-9a-f]{40})$/.exec(url.pathname)
      const token = m ? planted.get(m[4]!) : undefined
      if (!m || !token) {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"Not Found"}')
        return
      }
      const head = m[4]!
      const commit = {
        sha: head,
        commit: {
          author: { name: 'Dev One', email: 'dev@acme.example', date: '2026-11-27T12:00:00Z' },
          committer: { name: 'Dev One', email: 'dev@acme.example', date: '2026-11-27T12:00:00Z' },
          message: 'add handler',
        },
        author: { login: 'dev-one', id: 1, type: 'User' },
        parents: [{ sha: BASE_SHA }],
      }
      const body = JSON.stringify({
        status: 'ahead',
        ahead_by: 1,
        behind_by: 0,
        total_commits: 1,
        base_commit: { sha: BASE_SHA },
        merge_base_commit: { sha: BASE_SHA },
        commits: [commit],
        files: [
          {
            sha: head,
            filename: `src/handler-${head.slice(0, 8)}.ts`,
            status: 'added',
            additions: 1,
            deletions: 0,
            changes: 1,
            patch: patchFor(token, o.fileBytes ?? 100 * 1024),
          },
        ],
      })
      res
        .writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'x-ratelimit-remaining': '4999' })
        .end(body)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    plant: (head, token) => void planted.set(head, token),
    revokedAt,
    get revokeCalls() {
      return revokeCalls
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
