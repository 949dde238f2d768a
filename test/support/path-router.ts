/**
 * One loopback origin in front of several stand-ins, for when patrol reaches one platform through one base URL but
 * the tests model it with separate servers (GitHub content + /credentials/revoke; Azure Repos + connectionData).
 * Each request goes to the first route whose test matches its path below `prefix`, unchanged otherwise.
 *
 * @example
 * const router = await startPathRouter('/org', [{ test: (p) => p.startsWith('/_apis/connectionData'), base:
 * admin.orgUrl }, { test: () => true, base: repos.url }])
 * // AZURE_DEVOPS_ORG_URL = `${router.url}/org`
 */
import { createServer, request } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface Route {
  test(path: string): boolean
  /** The stand-in's base URL that replaces `origin + prefix`. */
  base: string
}

export async function startPathRouter(
  prefix: string,
  routes: Route[],
): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const rest = (req.url ?? '/').slice(prefix.length)
    const route = routes.find((r) => r.test(rest.split('?')[0] ?? ''))
    if (!route) {
      res.writeHead(404).end()
      return
    }
    const target = new URL(route.base + rest)
    const upstream = request(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers)
      up.pipe(res)
    })
    upstream.on('error', () => res.destroy())
    res.on('close', () => upstream.destroy())
    req.pipe(upstream)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** GITHUB_API_URL for a test: `/credentials/revoke` from the credentials stand-in, the rest from the content one. */
export function startGithubRouter(
  content: string,
  credentials: string,
): Promise<{ url: string; close(): Promise<void> }> {
  return startPathRouter('', [
    { test: (p) => p === '/credentials/revoke', base: credentials },
    { test: () => true, base: content },
  ])
}

export interface PlatformRouters {
  /** GITHUB_API_URL: content from the GitHub stand-in, `/credentials/revoke` from the credentials stand-in. */
  githubUrl: string
  /** The Azure DevOps origin; the organization URL is `${azureUrl}/fabrikam` (AZURE_DEVOPS_ORG_URL). */
  azureUrl: string
  azureOrgUrl: string
  close(): Promise<void>
}

/** The two routers every whole-pipeline test puts in front of the platform stand-ins. */
export async function startPlatformRouters(s: {
  githubContent: string
  githubCredentials: string
  azureRepos: string
  azureAdmin: string
}): Promise<PlatformRouters> {
  const github = await startGithubRouter(s.githubContent, s.githubCredentials)
  const azure = await startPathRouter('/fabrikam', [
    { test: (p) => p === '/_apis/connectionData', base: s.azureAdmin },
    { test: () => true, base: s.azureRepos },
  ])
  return {
    githubUrl: github.url,
    azureUrl: azure.url,
    azureOrgUrl: `${azure.url}/fabrikam`,
    close: async () => void (await Promise.all([github.close(), azure.close()])),
  }
}
