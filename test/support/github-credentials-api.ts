/**
 * A loopback stand-in for GitHub's `POST /credentials/revoke` (research/apis.md 3.1), speaking its wire format:
 * unauthenticated JSON `{"credentials":[…]}` of 1..1000 tokens → 202; an Authorization header → 403 (as on github.com);
 * bad JSON → 400; validation failures → 422. Scripted answers (429 with Retry-After, 5xx, a hang past the client's
 * timeout) are played in order before the normal behaviour resumes.
 *
 * @example
 * const github = await startGithubCredentialsApi()
 * github.answerNext({ status: 429, headers: { 'retry-after': '120' } })
 * const issuer = new GithubIssuer({ apiUrl: github.apiUrl })
 * await github.close()
 */
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface ScriptedAnswer {
  status?: number
  headers?: Record<string, string>
  body?: unknown
  /** Never answer (the client must time out). */
  hang?: boolean
}

export interface RevokeCall {
  headers: IncomingHttpHeaders
  credentials: string[]
  /** The status this call got. */
  status: number
}

export interface GithubCredentialsApi {
  /** Base URL to pass as `apiUrl` (`http://127.0.0.1:{port}` or with the GHES-like `/api/v3` prefix). */
  apiUrl: string
  /** Every POST to /credentials/revoke, in order (hung ones included). */
  calls: RevokeCall[]
  /** Every token GitHub accepted for revocation (202). */
  revoked: Set<string>
  answerNext(...answers: ScriptedAnswer[]): void
  close(): Promise<void>
}

export async function startGithubCredentialsApi(
  options: {
    pathPrefix?: string
    /** Called with the tokens of each accepted call, e.g. to make them fail `GET /user` from then on. */
    onRevoke?: (tokens: string[]) => void
  } = {},
): Promise<GithubCredentialsApi> {
  const prefix = options.pathPrefix ?? ''
  const calls: RevokeCall[] = []
  const revoked = new Set<string>()
  const scripted: ScriptedAnswer[] = []

  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const send = (status: number, body?: unknown, headers: Record<string, string> = {}) => {
      const payload = body === undefined ? '' : JSON.stringify(body)
      res.writeHead(status, {
        ...(payload ? { 'content-type': 'application/json; charset=utf-8' } : {}),
        'x-github-api-version-selected': '2022-11-28',
        ...headers,
      })
      res.end(payload)
    }
    if (req.method !== 'POST' || new URL(req.url ?? '/', 'http://x').pathname !== `${prefix}/credentials/revoke`)
      return send(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' })

    let credentials: unknown
    try {
      credentials = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { credentials?: unknown }).credentials
    } catch {
      calls.push({ headers: req.headers, credentials: [], status: 400 })
      return send(400, { message: 'Problems parsing JSON' })
    }
    const list = Array.isArray(credentials) ? credentials.filter((c): c is string => typeof c === 'string') : []
    const call: RevokeCall = { headers: req.headers, credentials: list, status: 0 }
    calls.push(call)

    const answer = scripted.shift()
    if (answer?.hang) return // the socket stays open until the client gives up or close() runs
    if (answer) {
      call.status = answer.status ?? 500
      return send(call.status, answer.body, answer.headers)
    }
    if (req.headers.authorization) {
      call.status = 403
      return send(403, { message: 'Authenticated requests are not allowed on this endpoint' })
    }
    if (!Array.isArray(credentials) || list.length !== credentials.length || list.length === 0 || list.length > 1000) {
      call.status = 422
      return send(422, { message: 'Validation Failed', errors: ['credentials must hold 1 to 1000 strings'] })
    }
    for (const token of list) revoked.add(token)
    options.onRevoke?.(list)
    call.status = 202
    send(202)
  })

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    apiUrl: `http://127.0.0.1:${port}${prefix}`,
    calls,
    revoked,
    answerNext: (...answers) => void scripted.push(...answers),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
