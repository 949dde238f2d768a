/**
 * Invariant 3 under the real Node service (`startNode`): its job runner runs four jobs at once, so the scans of ten
 * deliveries carrying one token race to record it. However they interleave, the token is one incident, revoked in
 * one `POST /credentials/revoke` call, and each recipient gets one email; nothing raw is left at rest or in the logs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type NodeDatabase, openNodeDatabase } from '../../src/adapter/node/database.js'
import { type NodeService, startNode } from '../../src/adapter/node/index.js'
import { incidents, notifications, occurrences } from '../../src/db/schema.js'
import { memoryLogger } from '../../src/log.js'
import { tempDir } from '../support/db.js'
import { TEST_GITHUB_SECRET, testEnv } from '../support/env.js'
import { type GithubApiStandIn, startGithubApi } from '../support/github-api.js'
import { type GithubCredentialsApi, startGithubCredentialsApi } from '../support/github-credentials-api.js'
import { startGithubRouter } from '../support/path-router.js'
import { githubSignature, tokensAtRest } from '../support/pipeline.js'
import { type SmtpStandIn, startSmtpServer } from '../support/smtp.js'
import { generateGithubToken } from '../support/tokens.js'

const READER = 'reader-token-for-contents'
const token = generateGithubToken('ghp')
const log = memoryLogger()
let gh: GithubApiStandIn
let credentials: GithubCredentialsApi
let smtp: SmtpStandIn
let router: { url: string; close(): Promise<void> }
let service: NodeService
let db: NodeDatabase
let dataDir: string

beforeAll(async () => {
  gh = await startGithubApi()
  gh.requireToken(READER)
  credentials = await startGithubCredentialsApi()
  smtp = await startSmtpServer()
  router = await startGithubRouter(gh.url, credentials.apiUrl)
  dataDir = tempDir()
  service = await startNode(
    testEnv(dataDir, {
      GITHUB_API_URL: router.url,
      GITHUB_TOKEN: READER,
      SMTP_URL: smtp.url,
      PATROL_SECURITY_EMAILS: 'security@acme.example',
      PATROL_JOB_POLL_MS: '20',
      PATROL_JOB_CONCURRENCY: '4',
    }),
    { log, timing: { githubBatchDelayMs: 300 } },
  )
  db = openNodeDatabase(service.config.databasePath, { migrate: false })
})

afterAll(async () => {
  await service?.stop()
  db?.close()
  await Promise.all([gh, credentials, smtp, router].map((s) => s?.close()))
})

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  for (const end = Date.now() + 20_000; Date.now() < end; await new Promise((r) => setTimeout(r, 25))) {
    const value = await probe()
    if (value !== undefined) return value
  }
  throw new Error(`timed out waiting for ${what}`)
}

describe('ten deliveries of one token, four jobs at a time', () => {
  it('end in one incident, one revocation call and one email per recipient', async () => {
    const posts = Array.from({ length: 10 }, (_, i) => {
      const name = `acme/burst-${i}`
      const repo = gh.repo(name)
      const base = repo.commit({ files: { 'README.md': 'hi\n' } })
      const head = repo.commit({
        parents: [base],
        author: { name: 'Dev One', email: 'dev@acme.example' },
        files: { [`cfg/${i}.env`]: `# ${i}\nGH=${token}\n` },
      })
      const body = JSON.stringify(gh.pushPayload(name, { ref: 'refs/heads/main', before: base, after: head }))
      return fetch(`${service.url}/webhooks/github`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'push',
          'x-github-delivery': `burst-${i}`,
          'x-hub-signature-256': githubSignature(TEST_GITHUB_SECRET, body),
        },
        body,
      })
    })
    expect((await Promise.all(posts)).map((r) => r.status)).toEqual(Array(10).fill(202))

    const sent = await until('both emails sent', async () => {
      const rows = await db.db.select().from(notifications)
      return rows.length === 2 && rows.every((n) => n.status === 'sent') ? rows : undefined
    })
    expect(sent.map((n) => n.recipient).sort()).toEqual(['dev@acme.example', 'security@acme.example'])
    await until('ten occurrences', async () =>
      (await db.db.select().from(occurrences)).length === 10 ? true : undefined,
    )

    const rows = await db.db.select().from(incidents)
    expect(rows.map((r) => r.status)).toEqual(['revocation_requested'])
    expect(credentials.calls).toHaveLength(1)
    expect(credentials.calls[0]!.credentials).toEqual([token])
    expect(smtp.messages).toHaveLength(2)
    for (const m of smtp.messages) expect(m.raw).not.toContain(token)
    expect(tokensAtRest(dataDir, [token])).toEqual([])
    expect(JSON.stringify(log.lines)).not.toContain(token)
  })
})
