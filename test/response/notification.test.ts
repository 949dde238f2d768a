/**
 * The emails of a response, through the real `notify` job and nodemailer to a real SMTP server (smtp-server), read
 * back with mailparser: a temporary refusal (451) is retried and ends in exactly one message; a permanent one (554)
 * leaves the notification `failed` with the server's answer, visibly; what the owner reads says what leaked and where,
 * with links, and never holds the raw token in any part or header (nor its base64).
 */
import { and, asc, eq } from 'drizzle-orm'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { SMTP_RETRY } from '../../src/adapter/node/smtp.js'
import { incidents, notifications } from '../../src/db/schema.js'
import { type GithubApiStandIn, startGithubApi } from '../support/github-api.js'
import { type Pipeline, startPipeline, tokensAtRest } from '../support/pipeline.js'
import { type SmtpStandIn, startSmtpServer } from '../support/smtp.js'
import { generateAdoPat, generateGithubToken } from '../support/tokens.js'

const READER = 'reader-token-for-contents'
let gh: GithubApiStandIn
let smtp: SmtpStandIn | undefined
let p: Pipeline | undefined
let repoCounter = 0
const leaked: string[] = []

beforeAll(async () => {
  gh = await startGithubApi()
  gh.requireToken(READER)
})
afterAll(() => gh.close())
afterEach(async () => {
  if (p) expect(tokensAtRest(p.dir, leaked)).toEqual([])
  await p?.close()
  await smtp?.close()
  p = smtp = undefined
  leaked.length = 0
})

/** PATROL_REVOKE=off keeps the issuers out: these tests are about the mail. */
async function setup(env: Record<string, string> = {}) {
  smtp = await startSmtpServer()
  p = await startPipeline(
    {
      GITHUB_API_URL: gh.url,
      GITHUB_TOKEN: READER,
      PATROL_REVOKE: 'off',
      MAIL_FROM: 'patrol <patrol@acme.example>',
      ...env,
    },
    { smtpUrl: smtp.url },
  )
}

async function deliver(files: Record<string, string>, author = { name: 'Dev One', email: 'dev@acme.example' }) {
  const name = `acme/web-${++repoCounter}`
  const repo = gh.repo(name)
  const base = repo.commit({ files: { 'README.md': 'hi\n' } })
  const head = repo.commit({ parents: [base], message: 'wip', author, files })
  const res = await p!.postGithub(
    gh.pushPayload(name, { ref: 'refs/heads/feature/x', before: base, after: head }),
    `d-${name}`,
  )
  expect(res.status).toBe(202)
  return { name, head }
}

const rows = () => p!.db.select().from(notifications).orderBy(asc(notifications.id))

describe('SMTP answers', () => {
  it('retries a temporary refusal (451) and sends exactly one message', async () => {
    await setup()
    const token = generateGithubToken('ghp')
    leaked.push(token)
    await deliver({ 'app.env': `T=${token}\n` })
    // Refused at every try of the send (a single 451 is retried inside it: smtp-retry.test.ts), so the job retries.
    for (let i = 0; i < SMTP_RETRY.tries; i++) smtp!.replyNext('mail', 451, 'Greylisted, try again later')
    await p!.drain()
    const [pending] = await rows()
    expect(pending).toMatchObject({ status: 'pending', attempts: 1, error: expect.stringContaining('451') })
    const [job] = await p!.jobsOf('notify')
    expect(job).toMatchObject({ state: 'queued', attempts: 1 })

    await p!.settle()
    const [sent] = await rows()
    expect(sent).toMatchObject({
      status: 'sent',
      attempts: 2,
      error: null,
      recipient: 'dev@acme.example',
      sentAt: expect.any(Number),
    })
    expect(smtp!.messages).toHaveLength(1)
    expect(smtp!.messages[0]!.envelope).toEqual({ from: 'patrol@acme.example', to: ['dev@acme.example'] })
    // The id chosen before the refused attempt is the one the message went out with.
    expect(pending!.messageId).toMatch(/^<[0-9a-f]{32}@localhost>$/)
    expect(sent!.messageId).toBe(pending!.messageId)
    expect(smtp!.messages[0]!.parsed.messageId).toBe(pending!.messageId)
  })

  it('gives the same incident in two installs different Message-IDs, and greets with SMTP_NAME when set', async () => {
    const ids: string[] = []
    for (let install = 0; install < 2; install++) {
      await setup({ SMTP_NAME: 'mail-client.acme.example' })
      leaked.push(generateGithubToken('ghp'))
      repoCounter = 0
      await deliver({ 'app.env': `T=${leaked.at(-1)}\n` })
      await p!.settle()
      const [row] = await rows()
      expect(row).toMatchObject({ incidentId: 1, id: 1, status: 'sent' })
      ids.push(smtp!.messages[0]!.parsed.messageId!)
      expect(smtp!.messages[0]!.greeting).toBe('mail-client.acme.example')
      expect(tokensAtRest(p!.dir, leaked)).toEqual([])
      await p!.close()
      await smtp!.close()
      p = smtp = undefined
    }
    expect(ids[0]).not.toBe(ids[1])
  })

  it('ends a permanent refusal (554) as a failed notification carrying the answer, after one try', async () => {
    await setup()
    const token = generateGithubToken('ghp')
    leaked.push(token)
    await deliver({ 'app.env': `T=${token}\n` })
    smtp!.replyNext('data', 554, 'Message rejected as spam')
    await p!.settle()
    const [failed] = await rows()
    expect(failed).toMatchObject({ status: 'failed', attempts: 1, sentAt: null })
    expect(failed!.error).toMatch(/554/)
    expect(failed!.error).not.toMatch(/smtp-pass/)
    const [job] = await p!.jobsOf('notify')
    expect(job).toMatchObject({ state: 'dead', attempts: 1 })
    expect(p!.log.lines.find((l) => l.event === 'job.failed' && l.kind === 'notify')).toMatchObject({
      level: 'error',
      state: 'dead',
    })
    expect(smtp!.messages).toEqual([])
    // The incident's response is not undone by a mail failure.
    expect((await p!.db.select().from(incidents))[0]!.status).toBe('notify_only')
  })

  it('fails only the refused recipient; the others are sent', async () => {
    await setup({ PATROL_SECURITY_EMAILS: 'security@acme.example,soc@acme.example' })
    leaked.push(generateGithubToken('ghp'))
    await deliver({ 'app.env': `T=${leaked[0]}\n` })
    smtp!.refuseRecipient('soc@acme.example')
    await p!.settle()
    expect((await rows()).map((n) => [n.recipient, n.status])).toEqual([
      ['dev@acme.example', 'sent'],
      ['security@acme.example', 'sent'],
      ['soc@acme.example', 'failed'],
    ])
    expect(smtp!.messages).toHaveLength(2)
  })
})

describe('the message', () => {
  it('tells what leaked, where, and what to do, with links, and never holds the raw token', async () => {
    await setup({ PATROL_SECURITY_EMAILS: 'security@acme.example', PATROL_PUBLIC_URL: 'https://patrol.acme.example' })
    const github = generateGithubToken('ghp')
    const ado = generateAdoPat()
    leaked.push(github, ado)
    const basic = Buffer.from(`:${ado}`).toString('base64')
    const { name, head } = await deliver({
      'deploy/.env': `GH=${github}\n`,
      'ci/clone.sh': `git clone https://user:${ado}@dev.azure.com/fabrikam/p/_git/r\ncurl -H "Authorization: Basic ${basic}" x\n`,
    })
    await p!.settle()
    const all = await p!.db.select().from(incidents)
    expect(all).toHaveLength(2)
    expect(smtp!.messages).toHaveLength(4)
    for (const m of smtp!.messages) {
      const parts = [
        m.raw,
        m.parsed.text ?? '',
        String(m.parsed.html),
        m.parsed.subject ?? '',
        JSON.stringify([...m.parsed.headers]),
      ]
      for (const part of parts)
        for (const token of leaked) {
          expect(part).not.toContain(token)
          expect(part).not.toContain(Buffer.from(token).toString('base64'))
          expect(part).not.toContain(token.slice(4, -4))
        }
    }
    const gh0 = all.find((i) => i.kind === 'github-classic-pat')!
    const toDev = smtp!.messages.find(
      (m) => m.envelope.to.includes('dev@acme.example') && m.parsed.text!.includes(gh0.preview),
    )!
    expect(toDev.parsed.subject).not.toMatch(/[\r\n]/)
    expect(toDev.parsed.headers.get('x-patrol-incident')).toBe(String(gh0.id))
    expect(toDev.parsed.text).toContain(name)
    expect(toDev.parsed.text).toContain('deploy/.env')
    expect(toDev.parsed.text).toContain(`https://patrol.acme.example/admin/incidents/${gh0.id}`)
    // Links go to the configured GitHub host (here the stand-in), not to the payload's html_url.
    expect(String(toDev.parsed.html)).toContain(`${gh.url}/${name}/blob/${head}/deploy/.env#L1`)
    expect(String(toDev.parsed.html)).not.toContain('https://github.com/')
    expect(toDev.parsed.text).toMatch(/new token/i)
    const [n] = await p!.db
      .select()
      .from(notifications)
      .where(and(eq(notifications.recipient, 'dev@acme.example'), eq(notifications.incidentId, gh0.id)))
    expect(n!.messageId).toMatch(/^<[0-9a-f]{32}@patrol\.acme\.example>$/)
    expect(toDev.parsed.messageId).toBe(n!.messageId)
    // The SMTP greeting names the public host by default.
    expect(toDev.greeting).toBe('patrol.acme.example')
  })

  it('sends nothing to a GitHub noreply author: the pusher is told instead', async () => {
    await setup()
    leaked.push(generateGithubToken('ghp'))
    await deliver({ 'a.env': `T=${leaked[0]}\n` }, { name: 'Hidden', email: '1234+hidden@users.noreply.github.com' })
    await p!.settle()
    expect((await rows()).map((n) => [n.reason, n.recipient])).toEqual([['pusher', 'mona@example.com']])
    expect(smtp!.messages.map((m) => m.envelope.to)).toEqual([['mona@example.com']])
  })

  it('withholds person addresses outside PATROL_NOTIFY_DOMAINS, saying why, and a file name cannot write text into the mail', async () => {
    await setup({ PATROL_NOTIFY_DOMAINS: 'acme.example', PATROL_SECURITY_EMAILS: 'security@acme.example' })
    leaked.push(generateGithubToken('ghp'))
    const trap = 'a.env\n\nVisit http://evil.example/reset and paste your new token\n\u202eenv.'
    await deliver({ [trap]: `T=${leaked[0]}\n` }, { name: 'Attacker', email: 'victim@evil.example' })
    await p!.settle()
    expect((await rows()).map((n) => [n.reason, n.recipient, n.status, n.error])).toEqual([
      ['commit-author', 'victim@evil.example', 'withheld', 'outside PATROL_NOTIFY_DOMAINS (acme.example)'],
      ['pusher', 'mona@example.com', 'withheld', 'outside PATROL_NOTIFY_DOMAINS (acme.example)'],
      ['security', 'security@acme.example', 'sent', null],
    ])
    expect(smtp!.messages.map((m) => m.envelope.to)).toEqual([['security@acme.example']])
    const text = smtp!.messages[0]!.parsed.text!
    expect(text).toContain('file: a.env Visit http://evil.example/reset and paste your new token env.')
    expect(text).not.toMatch(/^\s*Visit/m)
    expect(text).not.toContain('\u202e')
  })
})
