/**
 * Published examples (tokens peer scanners ship in their rules and tests, listed in the catalog) pushed to a
 * repository: still recorded, tagged on the incident, but answered notify-only with low priority: no revocation call,
 * no owner alarm, one note to the security team saying it is a published example. A fresh token in the same push is
 * answered as usual. Real SMTP server, loopback GitHub stand-ins.
 */
import { asc, eq } from 'drizzle-orm'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { incidents, notifications, revocations } from '../../src/db/schema.js'
import { githubClassicPat } from '../../src/kinds/github-classic-pat.js'
import { type GithubApiStandIn, startGithubApi } from '../support/github-api.js'
import { type GithubCredentialsApi, startGithubCredentialsApi } from '../support/github-credentials-api.js'
import { startGithubRouter } from '../support/path-router.js'
import { type Pipeline, startPipeline, tokensAtRest } from '../support/pipeline.js'
import { type SmtpStandIn, startSmtpServer } from '../support/smtp.js'
import { generateGithubToken } from '../support/tokens.js'

const READER = 'reader-token-for-contents'
let gh: GithubApiStandIn
let credentials: GithubCredentialsApi
let smtp: SmtpStandIn
let router: { url: string; close(): Promise<void> }
let p: Pipeline

beforeAll(async () => {
  gh = await startGithubApi()
  gh.requireToken(READER)
})
afterAll(() => gh.close())

beforeEach(async () => {
  credentials = await startGithubCredentialsApi()
  smtp = await startSmtpServer()
  router = await startGithubRouter(gh.url, credentials.apiUrl)
  p = await startPipeline(
    { GITHUB_API_URL: router.url, GITHUB_TOKEN: READER, PATROL_SECURITY_EMAILS: 'security@acme.example' },
    { smtpUrl: smtp.url },
  )
})

afterEach(async () => {
  await p.close()
  await Promise.all([credentials.close(), smtp.close(), router.close()])
})

describe('a published example pushed with a fresh token', () => {
  it('is recorded and tagged, not revoked, and only the security team gets a low-priority note', async () => {
    const published = githubClassicPat.examples[0]!.parts.join('')
    const fresh = generateGithubToken('ghp')
    const repo = gh.repo('acme/scanner-tests')
    const base = repo.commit({ files: { 'README.md': 'hi\n' } })
    const head = repo.commit({
      parents: [base],
      message: 'copy the rule tests',
      author: { name: 'Dev One', email: 'dev@acme.example' },
      files: { 'rules.yml': `example: ${published}\n`, 'app.env': `GH_TOKEN=${fresh}\n` },
    })
    const res = await p.postGithub(
      gh.pushPayload('acme/scanner-tests', { ref: 'refs/heads/main', before: base, after: head }),
      'd-published',
    )
    expect(res.status).toBe(202)
    await p.settle()

    const rows = await p.db.select().from(incidents).orderBy(asc(incidents.id))
    const example = rows.find((r) => r.publishedExample)!
    const leak = rows.find((r) => !r.publishedExample)!
    expect(rows).toHaveLength(2)
    expect(example).toMatchObject({ kind: 'github-classic-pat', status: 'notify_only', sealedToken: null })
    expect(leak).toMatchObject({ status: 'revocation_requested' })

    // Only the fresh token went to GitHub.
    expect(credentials.calls.flatMap((c) => c.credentials)).toEqual([fresh])
    const attempts = await p.db.select().from(revocations).where(eq(revocations.incidentId, example.id))
    expect(attempts).toMatchObject([{ outcome: 'skipped', detail: expect.stringContaining('published example') }])

    const notes = await p.db.select().from(notifications).where(eq(notifications.incidentId, example.id))
    expect(notes.map((n) => [n.reason, n.recipient, n.status])).toEqual([['security', 'security@acme.example', 'sent']])
    const note = smtp.messages.find((m) => m.parsed.subject?.includes('published example'))!
    expect(note.envelope.to).toEqual(['security@acme.example'])
    expect(note.parsed.subject).toMatch(/^\[patrol\] low priority: a published example of a GitHub personal access/)
    expect(note.parsed.text).toContain('did not revoke it and did not alarm its owner')
    // The owner still hears about the real leak.
    expect(smtp.messages.filter((m) => m.envelope.to.includes('dev@acme.example'))).toHaveLength(1)
    expect(tokensAtRest(p.dir, [published, fresh])).toEqual([])
  })
})
