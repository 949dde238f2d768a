/**
 * The demo's world, all on loopback: stand-ins for GitHub (repository content and `POST /credentials/revoke`), Azure
 * DevOps (Azure Repos, connectionData and Token Admin) and an SMTP server (the same ones the tests use, from
 * test/support), and patrol itself (`startNode`) on a temporary data folder, wired to them. Tokens are generated
 * fresh (checksum-valid, never valid anywhere) and only ever shown as previews.
 *
 * `close()` stops patrol and every stand-in and removes the data folder: the demo leaves nothing behind.
 *
 * @example
 * const stage = await startStage()
 * await stage.pushGithub('acme/payments', { 'deploy/.env': `GH=${stage.tokens.github}\n` })
 * await stage.settle(2)
 * await stage.close()
 */
import { createHmac, randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type NodeService, startNode } from '../../src/adapter/node/index.js'
import { RESPONSE_OUTCOMES } from '../../src/incidents/states.js'
import { createLogger, type Logger } from '../../src/log.js'
import { type AzureDevOpsAdminApi, startAzureDevOpsAdminApi } from '../../test/support/azure-devops-admin-api.js'
import { type AzureDevOpsApiStandIn, startAzureDevOpsApi } from '../../test/support/azure-devops-api.js'
import { type GithubApiStandIn, startGithubApi } from '../../test/support/github-api.js'
import { type GithubCredentialsApi, startGithubCredentialsApi } from '../../test/support/github-credentials-api.js'
import { startPathRouter } from '../../test/support/path-router.js'
import { type SmtpStandIn, startSmtpServer } from '../../test/support/smtp.js'
import { generateAdoPat, generateGithubToken } from '../../test/support/tokens.js'

const READER_TOKEN = 'demo-github-reader-token'
const AZURE_READER = 'demo-azure-reader-pat'
const AZURE_ADMIN = 'demo-azure-token-admin-pat'
const WEBHOOK_SECRET = randomBytes(16).toString('hex')
const AZURE_HOOK_PASSWORD = randomBytes(16).toString('hex')

/** Response states where patrol is done with an incident. */
export const RESPONSE_OVER: readonly string[] = [...RESPONSE_OUTCOMES, 'suppressed']

export interface Stage {
  service: NodeService
  /** The admin token of the demo (`PATROL_ADMIN_TOKENS=demo:<token>`), generated for this run. */
  adminToken: string
  github: GithubApiStandIn
  githubCredentials: GithubCredentialsApi
  azureRepos: AzureDevOpsApiStandIn
  azureAdmin: AzureDevOpsAdminApi
  smtp: SmtpStandIn
  dataDir: string
  /** Signs and posts a GitHub push adding `files` on main of `repo`; returns the webhook's status. */
  pushGithub(repo: string, files: Record<string, string>, author?: { name: string; email: string }): Promise<number>
  /** Posts an Azure Repos `git.push` adding `files`; returns the webhook's status. */
  pushAzure(files: Record<string, string>, author?: { name: string; email: string }): Promise<number>
  /** A fresh Azure DevOps PAT owned by a user of the stand-in organization (so patrol can find and revoke it). */
  azurePat(owner: { email: string; displayName: string }): string
  /** Calls patrol's admin API with the demo's admin token. */
  api<T>(path: string, init?: RequestInit): Promise<T>
  /**
   * Waits until `count` incidents exist, patrol's response to each is over, its queue is empty and every email went
   * out.
   */
  settle(count: number, timeoutMs?: number): Promise<void>
  close(): Promise<void>
}

/** A free loopback port, so that patrol's public URL (the links in its emails) can be known before it starts. */
async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

export async function startStage(o: { log?: Logger } = {}): Promise<Stage> {
  const closers: (() => Promise<void>)[] = []
  const dataDir = mkdtempSync(join(tmpdir(), 'patrol-demo-'))
  const cleanup = async () => {
    for (const close of closers.reverse()) await close().catch(() => {})
    rmSync(dataDir, { recursive: true, force: true })
  }
  try {
    const github = await startGithubApi()
    closers.push(() => github.close())
    github.requireToken(READER_TOKEN)
    const githubCredentials = await startGithubCredentialsApi()
    closers.push(() => githubCredentials.close())
    const azureRepos = await startAzureDevOpsApi()
    closers.push(() => azureRepos.close())
    azureRepos.requireToken(AZURE_READER)
    const azureAdmin = await startAzureDevOpsAdminApi({ adminToken: AZURE_ADMIN })
    closers.push(() => azureAdmin.close())
    const smtp = await startSmtpServer()
    closers.push(() => smtp.close())
    // patrol reaches each platform through one base URL; the stand-ins are separate servers.
    const githubRouter = await startPathRouter('', [
      { test: (p) => p === '/credentials/revoke', base: githubCredentials.apiUrl },
      { test: () => true, base: github.url },
    ])
    closers.push(() => githubRouter.close())
    const azureRouter = await startPathRouter('/fabrikam', [
      { test: (p) => p === '/_apis/connectionData', base: azureAdmin.orgUrl },
      { test: () => true, base: azureRepos.url },
    ])
    closers.push(() => azureRouter.close())

    const adminToken = randomBytes(24).toString('base64url')
    const port = await freePort()
    const service = await startNode(
      {
        PATROL_DATA_DIR: dataDir,
        PORT: String(port),
        HOST: '127.0.0.1',
        PATROL_PUBLIC_URL: `http://127.0.0.1:${port}`,
        PATROL_ADMIN_TOKENS: `demo:${adminToken}`,
        GITHUB_WEBHOOK_SECRET: WEBHOOK_SECRET,
        AZURE_DEVOPS_WEBHOOK_PASSWORD: AZURE_HOOK_PASSWORD,
        GITHUB_API_URL: githubRouter.url,
        GITHUB_DOTCOM_API_URL: githubRouter.url,
        GITHUB_TOKEN: READER_TOKEN,
        AZURE_DEVOPS_ORG_URL: `${azureRouter.url}/fabrikam`,
        AZURE_DEVOPS_TOKEN: AZURE_READER,
        AZURE_DEVOPS_ADMIN_TOKEN: AZURE_ADMIN,
        AZURE_DEVOPS_VSSPS_URL: azureAdmin.vsspsUrl,
        SMTP_URL: smtp.url,
        MAIL_FROM: 'patrol <patrol@acme.example>',
        PATROL_SECURITY_EMAILS: 'security@acme.example',
        PATROL_JOB_POLL_MS: '50',
        PATROL_SHUTDOWN_GRACE_MS: '2000',
        LOG_LEVEL: 'warn',
      },
      {
        log: o.log ?? createLogger({ level: 'warn', write: (line) => process.stderr.write(`${line}\n`) }),
        timing: { githubBatchDelayMs: 100, confirmDelaysMs: [100, 200] },
      },
    )
    closers.push(() => service.stop())

    let delivery = 0
    const devOne = { name: 'Dev One', email: 'dev@acme.example' }

    const stage: Stage = {
      service,
      adminToken,
      github,
      githubCredentials,
      azureRepos,
      azureAdmin,
      smtp,
      dataDir,
      async pushGithub(repoName, files, author = devOne) {
        const repo = github.repo(repoName)
        const base = repo.commit({ files: { 'README.md': `# ${repoName}\n` } })
        const head = repo.commit({ parents: [base], message: 'add configuration', author, files })
        const body = JSON.stringify(github.pushPayload(repoName, { ref: 'refs/heads/main', before: base, after: head }))
        const res = await fetch(`${service.url}/webhooks/github`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-github-event': 'push',
            'x-github-delivery': `demo-${++delivery}`,
            'x-hub-signature-256': `sha256=${createHmac('sha256', WEBHOOK_SECRET).update(body).digest('hex')}`,
          },
          body,
        })
        return res.status
      },
      async pushAzure(files, author = devOne) {
        const repo = azureRepos.repo('proj-1', 'repo-1')
        const base = repo.commit({ files: { 'app.yml': 'name: app\n' } })
        const head = repo.commit({ parents: [base], message: 'pipeline settings', author, files })
        const pushId = azureRepos.addPush('proj-1', 'repo-1', {
          refUpdates: [{ name: 'refs/heads/main', oldObjectId: base, newObjectId: head }],
        })
        const res = await fetch(`${service.url}/webhooks/azure-devops`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Basic ${Buffer.from(`patrol:${AZURE_HOOK_PASSWORD}`).toString('base64')}`,
          },
          body: JSON.stringify(azureRepos.hookPayload(pushId)),
        })
        return res.status
      },
      azurePat(owner) {
        const token = generateAdoPat()
        azureAdmin.addPat({ token, user: azureAdmin.addUser(owner) })
        return token
      },
      async api<T>(path: string, init: RequestInit = {}) {
        const headers = new Headers(init.headers)
        headers.set('authorization', `Bearer ${adminToken}`)
        if (init.body) headers.set('content-type', 'application/json')
        const res = await fetch(`${service.url}${path}`, { ...init, headers })
        if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${await res.text()}`)
        return (await res.json()) as T
      },
      async settle(count, timeoutMs = 20_000) {
        const end = Date.now() + timeoutMs
        for (;;) {
          const { items } = await stage.api<{ items: { id: number; status: string }[] }>('/api/incidents?limit=200')
          const health = (await (await fetch(`${service.url}/healthz`)).json()) as { queue: { depth: number } }
          if (
            items.length >= count &&
            items.every((i) => RESPONSE_OVER.includes(i.status)) &&
            health.queue.depth === 0
          ) {
            const details = await Promise.all(
              items.map((i) => stage.api<{ notifications: { status: string }[] }>(`/api/incidents/${i.id}`)),
            )
            const emails = details.flatMap((d) => d.notifications)
            if (emails.every((n) => n.status === 'sent') && smtp.messages.length >= emails.length) return
          }
          if (Date.now() > end) throw new Error(`patrol did not finish responding within ${timeoutMs} ms`)
          await new Promise((r) => setTimeout(r, 50))
        }
      },
      close: cleanup,
    }
    return stage
  } catch (error) {
    await cleanup()
    throw error
  }
}

export { generateGithubToken }
