/**
 * Runs in Node before the Workers suite: starts the loopback stand-ins of GitHub and Azure DevOps (the same ones the
 * Node end-to-end test uses, speaking their documented wire format), builds one GitHub push and one Azure push that
 * carry freshly generated tokens, and hands URLs, payloads and tokens to the tests inside workerd via `provide`.
 * workerd reaches 127.0.0.1 because miniflare's outbound network allows private addresses.
 *
 * The tests read what the stand-ins saw (revocation calls) from a small inspector endpoint, since the stand-ins'
 * objects live here, in Node; under `/down/` it plays a platform that answers 503 to everything.
 *
 * @example
 * // in a test inside workerd
 * const { githubApiUrl, githubPush } = inject('patrol')
 * const seen = await (await fetch(`${inject('patrol').inspectorUrl}/calls`)).json()
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { TestProject } from 'vitest/node'
import { startAzureDevOpsAdminApi } from '../support/azure-devops-admin-api.js'
import { startAzureDevOpsApi } from '../support/azure-devops-api.js'
import { startGithubApi } from '../support/github-api.js'
import { startGithubCredentialsApi } from '../support/github-credentials-api.js'
import { startPathRouter, startPlatformRouters } from '../support/path-router.js'
import { generateAdoPat, generateGithubToken } from '../support/tokens.js'

export interface PatrolScenario {
  githubApiUrl: string
  azureOrgUrl: string
  azureVsspsUrl: string
  inspectorUrl: string
  githubReaderToken: string
  azureReaderToken: string
  azureAdminToken: string
  tokens: { github: string; installation: string; azure: string }
  githubPush: { deliveryId: string; body: string }
  /**
   * Pushes to `acme/burst`, each adding one file with a token of its own (`burstTokens`, in the same order), and the
   * GitHub to reach them through: its revocation calls are kept apart (`/burst-calls`), not mixed with other files'.
   */
  githubBurst: string[]
  burstTokens: string[]
  burstGithubApiUrl: string
  /**
   * Pushes to `acme/flood`, each adding one file with five tokens of its own (`floodTokens`), and the GitHub to
   * reach them through: its revocation calls are kept apart too (`/flood-calls`).
   */
  githubFlood: string[]
  floodTokens: string[]
  floodGithubApiUrl: string
  azurePush: { body: string }
  azurePatAuthorizationId: string
}

/** What the inspector answers: every call the issuers' stand-ins received. */
export interface IssuerCalls {
  githubRevocations: { credentials: string[]; authorization: string | null; status: number }[]
  azureRevocations: string[][]
}

declare module 'vitest' {
  export interface ProvidedContext {
    patrol: PatrolScenario
  }
}

/** Pushes in the burst scenario. */
const BURST = 40
/** Pushes in the flood scenario, and tokens in each (issue 12: 200 deliveries carrying 1000 tokens). */
const FLOOD = 200
const FLOOD_TOKENS = 5

export default async function setup(project: TestProject) {
  const READER = 'reader-token-for-contents'
  const AZURE_READER = 'azure-reader-pat'
  const AZURE_ADMIN = 'azure-admin-pat'
  const ghToken = generateGithubToken('ghp')
  const installationToken = generateGithubToken('ghs')
  const adoPat = generateAdoPat()

  const gh = await startGithubApi()
  gh.requireToken(READER)
  const ghCredentials = await startGithubCredentialsApi()
  const az = await startAzureDevOpsApi()
  az.requireToken(AZURE_READER)
  const azAdmin = await startAzureDevOpsAdminApi({ adminToken: AZURE_ADMIN })
  const routers = await startPlatformRouters({
    githubContent: gh.url,
    githubCredentials: ghCredentials.apiUrl,
    azureRepos: az.url,
    azureAdmin: azAdmin.orgUrl,
  })

  /** The same GitHub contents, with revocation calls of its own: a scenario's calls are not mixed with others'. */
  const githubApart = async () => {
    const credentials = await startGithubCredentialsApi()
    const router = await startPathRouter('', [
      { test: (p) => p === '/credentials/revoke', base: credentials.apiUrl },
      { test: () => true, base: gh.url },
    ])
    return [credentials, router] as const
  }
  const [burstCredentials, burstRouter] = await githubApart()

  const [floodCredentials, floodRouter] = await githubApart()

  const owner = azAdmin.addUser({ email: 'owner@contoso.example', displayName: 'Pat Owner' })
  azAdmin.addPat({ token: adoPat, user: owner })
  const pat = azAdmin.pats.find((p) => p.token === adoPat)!

  const repo = gh.repo('acme/app')
  const base = repo.commit({ files: { 'README.md': 'hello\n' } })
  const head = repo.commit({
    parents: [base],
    message: 'add deploy config',
    author: { name: 'Dev One', email: 'dev@acme.example' },
    files: {
      'deploy/config.env': `REGION=eu\nGITHUB_TOKEN=${ghToken}\nINSTALL=${installationToken}\n`,
      'README.md': 'hello\nsee deploy/\n',
    },
  })
  const githubPayload = gh.pushPayload('acme/app', { ref: 'refs/heads/main', before: base, after: head })

  // A burst of pushes, each leaking a token of its own: enough tokens to pass one invocation's statement budget.
  const burst = gh.repo('acme/burst')
  let tip = burst.commit({ files: { 'README.md': 'burst\n' } })
  const burstTokens: string[] = []
  const githubBurst: string[] = []
  for (let i = 0; i < BURST; i++) {
    const token = generateGithubToken('ghp')
    const head = burst.commit({
      parents: [tip],
      message: `config ${i}`,
      author: { name: 'Dev One', email: 'dev@acme.example' },
      files: { [`config/${i}.env`]: `GITHUB_TOKEN=${token}\n` },
    })
    burstTokens.push(token)
    githubBurst.push(
      JSON.stringify(gh.pushPayload('acme/burst', { ref: `refs/heads/b${i}`, before: tip, after: head })),
    )
    tip = head
  }

  const flood = gh.repo('acme/flood')
  let floodTip = flood.commit({ files: { 'README.md': 'flood\n' } })
  const floodTokens: string[] = []
  const githubFlood: string[] = []
  for (let i = 0; i < FLOOD; i++) {
    const tokens = Array.from({ length: FLOOD_TOKENS }, () => generateGithubToken('ghp'))
    const head = flood.commit({
      parents: [floodTip],
      message: `settings ${i}`,
      author: { name: 'Dev One', email: 'dev@acme.example' },
      files: { [`settings/${i}.env`]: tokens.map((t, j) => `TOKEN_${j}=${t}\n`).join('') },
    })
    floodTokens.push(...tokens)
    githubFlood.push(
      JSON.stringify(gh.pushPayload('acme/flood', { ref: `refs/heads/f${i}`, before: floodTip, after: head })),
    )
    floodTip = head
  }

  const azRepo = az.repo('proj-1', 'repo-1')
  const azBase = azRepo.commit({ files: { 'app.yml': 'name: app\n' } })
  const azHead = azRepo.commit({
    parents: [azBase],
    message: 'pipeline auth',
    author: { name: 'Dev Two', email: 'dev2@contoso.example' },
    files: {
      'pipelines/build.yml': `steps:\n  - script: git clone https://${adoPat}@dev.azure.com/fabrikam/p/_git/r\nenv:\n  GH: ${ghToken}\n`,
    },
  })
  const pushId = az.addPush('proj-1', 'repo-1', {
    refUpdates: [{ name: 'refs/heads/main', oldObjectId: azBase, newObjectId: azHead }],
  })

  const inspector = createServer((req, res) => {
    // A platform that is down: every call under /down answers 503 (for retry tests).
    if (req.url?.startsWith('/down/'))
      return void res.writeHead(503, { 'content-type': 'application/json' }).end('{"message":"unavailable"}')
    const credentials = { '/calls': ghCredentials, '/burst-calls': burstCredentials, '/flood-calls': floodCredentials }[
      req.url ?? ''
    ]
    if (req.method !== 'GET' || !credentials) return void res.writeHead(404).end()
    const calls: IssuerCalls = {
      githubRevocations: credentials.calls.map((c) => ({
        credentials: c.credentials,
        authorization: c.headers.authorization ?? null,
        status: c.status,
      })),
      azureRevocations: azAdmin.revocationCalls,
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(calls))
  })
  await new Promise<void>((resolve) => inspector.listen(0, '127.0.0.1', resolve))

  project.provide('patrol', {
    githubApiUrl: routers.githubUrl,
    azureOrgUrl: routers.azureOrgUrl,
    azureVsspsUrl: azAdmin.vsspsUrl,
    inspectorUrl: `http://127.0.0.1:${(inspector.address() as AddressInfo).port}`,
    githubReaderToken: READER,
    azureReaderToken: AZURE_READER,
    azureAdminToken: AZURE_ADMIN,
    tokens: { github: ghToken, installation: installationToken, azure: adoPat },
    githubPush: { deliveryId: 'delivery-workers-1', body: JSON.stringify(githubPayload) },
    githubBurst,
    burstTokens,
    burstGithubApiUrl: burstRouter.url,
    githubFlood,
    floodTokens,
    floodGithubApiUrl: floodRouter.url,
    azurePush: { body: JSON.stringify(az.hookPayload(pushId)) },
    azurePatAuthorizationId: pat.authorizationId,
  })

  return async () => {
    inspector.closeAllConnections()
    await new Promise<void>((resolve) => inspector.close(() => resolve()))
    await Promise.all(
      [gh, ghCredentials, burstCredentials, burstRouter, floodCredentials, floodRouter, az, azAdmin, routers].map((s) =>
        s.close(),
      ),
    )
  }
}
