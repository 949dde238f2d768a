/**
 * The local Workers path an operator follows, with the real wrangler CLI: `wrangler d1 migrations apply DB --local`
 * migrates a fresh local D1 from `migrations/`, then `wrangler dev --local` starts the Worker, answers `/healthz` from
 * that database, and runs the cron handler on request (`--test-scheduled`). Secrets are passed as `--var`, as
 * `.dev.vars` would. The dev server is stopped by its process group.
 *
 * A signed push then goes the whole way inside workerd: the webhook route records it, the scan job runs from the
 * local Queue (miniflare's), reads the commit from the loopback GitHub stand-in, and the revocation job reaches the
 * stand-in's `POST /credentials/revoke` with the generated token.
 */
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TEST_ADMIN_TOKEN, TEST_AZURE_PASSWORD, TEST_GITHUB_SECRET } from './support/env.js'
import { type GithubApiStandIn, startGithubApi } from './support/github-api.js'
import { type GithubCredentialsApi, startGithubCredentialsApi } from './support/github-credentials-api.js'
import { githubDeliveryHeaders } from './support/github-signing.js'
import { startPathRouter } from './support/path-router.js'
import { generateGithubToken } from './support/tokens.js'
import { startWranglerDev, type WranglerDev } from './support/wrangler-dev.js'

const ROOT = join(import.meta.dirname, '..')
const READER = 'reader-token-for-contents'
let dev: WranglerDev
let url: string
let gh: GithubApiStandIn
let ghCredentials: GithubCredentialsApi
let router: { url: string; close(): Promise<void> }

beforeAll(async () => {
  // GitHub on loopback, one base URL for content and /credentials/revoke, as GITHUB_API_URL is for patrol.
  gh = await startGithubApi()
  gh.requireToken(READER)
  ghCredentials = await startGithubCredentialsApi()
  router = await startPathRouter('', [
    { test: (p) => p === '/credentials/revoke', base: ghCredentials.apiUrl },
    { test: () => true, base: gh.url },
  ])
  dev = await startWranglerDev({
    PATROL_ADMIN_TOKENS: `tester:${TEST_ADMIN_TOKEN}`,
    GITHUB_WEBHOOK_SECRET: TEST_GITHUB_SECRET,
    AZURE_DEVOPS_WEBHOOK_PASSWORD: TEST_AZURE_PASSWORD,
    PATROL_SEALING_KEY: Buffer.alloc(32, 1).toString('base64'),
    PATROL_FINGERPRINT_KEY: Buffer.alloc(32, 2).toString('base64'),
    GITHUB_API_URL: router.url,
    GITHUB_TOKEN: READER,
    PATROL_GITHUB_BATCH_DELAY_MS: '200',
  })
  url = dev.url
}, 60_000)

afterAll(async () => {
  await dev?.stop()
  await Promise.all([router, gh, ghCredentials].map((s) => s?.close()))
})

describe('wrangler, locally', () => {
  it('applies every file of migrations/ to a fresh local D1', () => {
    const files = readdirSync(join(ROOT, 'migrations')).filter((f) => f.endsWith('.sql'))
    expect(dev.migrateOutput).toContain(`About to apply ${files.length} migration(s)`)
    for (const file of files) expect(dev.migrateOutput).toMatch(new RegExp(`${file.replace('.', '\\.')}\\s*│\\s*✅`))
  })

  it('starts `wrangler dev --local`, which answers /healthz from the migrated D1', async () => {
    const res = await dev.ready(40_000)
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ status: 'ok', database: 'ok', queue: { depth: 0 } })
  }, 45_000)

  it('runs the cron handler on request', async () => {
    const res = await fetch(`${url}/__scheduled?cron=*+*+*+*+*`)
    expect(res.status).toBe(200)
  })

  it('refuses an unsigned GitHub delivery, storing nothing', async () => {
    const res = await fetch(`${url}/webhooks/github`, {
      method: 'POST',
      headers: { 'x-github-event': 'push', 'x-github-delivery': 'd-1' },
      body: '{}',
    })
    expect(res.status).toBe(401)
    const health = (await (await fetch(`${url}/healthz`)).json()) as { queue: { depth: number } }
    expect(health.queue.depth).toBe(0)
  })

  it('scans a signed push from the local Queue and revokes its token at the GitHub stand-in', async () => {
    const token = generateGithubToken('ghp')
    const repo = gh.repo('acme/app')
    const base = repo.commit({ files: { 'README.md': 'hello\n' } })
    const head = repo.commit({
      parents: [base],
      message: 'deploy',
      files: { 'deploy/.env': `GITHUB_TOKEN=${token}\n` },
    })
    const body = JSON.stringify(gh.pushPayload('acme/app', { ref: 'refs/heads/main', before: base, after: head }))
    const res = await fetch(`${url}/webhooks/github`, {
      method: 'POST',
      headers: githubDeliveryHeaders(body, TEST_GITHUB_SECRET, 'wrangler-push-1'),
      body,
    })
    expect(res.status).toBe(202)

    const end = Date.now() + 40_000
    while (!ghCredentials.revoked.has(token)) {
      if (Date.now() > end) throw new Error(`no revocation within 40 s:\n${dev.output().slice(-4000)}`)
      await new Promise((r) => setTimeout(r, 200))
    }
    const accepted = ghCredentials.calls.filter((c) => c.status === 202).flatMap((c) => c.credentials)
    expect(accepted).toEqual([token])
    // The commit was read with the configured reader token, from inside workerd.
    expect(gh.requests.some((r) => r.path.includes(head) && r.headers.authorization === `Bearer ${READER}`)).toBe(true)
  }, 45_000)
})
