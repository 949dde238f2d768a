/**
 * Slack, Teams and the signed webhook, from a signed GitHub delivery through the real response and the
 * `channel-notify` job to loopback receivers: each channel gets exactly one message per incident and outcome in the
 * documented shape (Slack Block Kit, a Teams Adaptive Card in a Workflows `message`, the `IncidentEvent` body with a
 * verifiable HMAC-SHA256 signature), a 5xx is retried, a 4xx ends `failed` without the webhook URL in the error, a
 * changed outcome sends a follow-up, a channel gets only the events it subscribes to, a response stuck in retries
 * sends one `needs_attention` message per stuck episode, and no message holds the token.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import { asc, eq } from 'drizzle-orm'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { channelMessages, incidents, jobs } from '../../src/db/schema.js'
import { applyAdminAction } from '../../src/incidents/admin/actions.js'
import { IncidentEvent } from '../../src/notify/channel-event.js'
import { CALL_RETRY } from '../../src/platforms/remote-error.js'
import { housekeeping } from '../../src/service.js'
import { type ChannelReceiver, startChannelReceiver } from '../support/channel-receiver.js'
import { type GithubApiStandIn, startGithubApi } from '../support/github-api.js'
import { type GithubCredentialsApi, startGithubCredentialsApi } from '../support/github-credentials-api.js'
import { startGithubRouter } from '../support/path-router.js'
import { type Pipeline, startPipeline, tokensAtRest } from '../support/pipeline.js'
import { generateGithubToken } from '../support/tokens.js'

const READER = 'reader-token-for-contents'
const WEBHOOK_SECRET = 'siem-shared-secret-0123456789'
let gh: GithubApiStandIn
let credentials: GithubCredentialsApi
let rx: ChannelReceiver
let router: { url: string; close(): Promise<void> }
let p: Pipeline | undefined
let repoCounter = 0
const tokens: string[] = []

beforeAll(async () => {
  gh = await startGithubApi()
  gh.requireToken(READER)
})
afterAll(() => gh.close())
beforeEach(async () => {
  credentials = await startGithubCredentialsApi()
  rx = await startChannelReceiver()
  router = await startGithubRouter(gh.url, credentials.apiUrl)
})
afterEach(async () => {
  if (p) expect(tokensAtRest(p.dir, tokens)).toEqual([])
  for (const r of rx.requests) for (const t of tokens) expect(r.raw).not.toContain(t)
  await p?.close()
  p = undefined
  tokens.length = 0
  await Promise.all([credentials.close(), rx.close(), router.close()])
})

async function setup(env: Record<string, string> = {}) {
  p = await startPipeline({
    GITHUB_API_URL: router.url,
    GITHUB_TOKEN: READER,
    PATROL_PUBLIC_URL: 'https://patrol.acme.example',
    PATROL_SLACK_WEBHOOK_URL: `${rx.url}/slack/services/T000/B000/secretpart`,
    PATROL_TEAMS_WEBHOOK_URL: `${rx.url}/teams`,
    PATROL_WEBHOOK_URL: `${rx.url}/siem`,
    PATROL_WEBHOOK_SECRET: WEBHOOK_SECRET,
    ...env,
  })
  return p
}

async function leak(): Promise<string> {
  const token = generateGithubToken('ghp')
  tokens.push(token)
  const name = `acme/api-${++repoCounter}`
  const repo = gh.repo(name)
  const base = repo.commit({ files: { 'README.md': 'hi\n' } })
  const head = repo.commit({
    parents: [base],
    message: 'config',
    author: { name: 'Dev <One>', email: 'dev@acme.example' },
    files: { 'config/app.env': `A=1\nTOKEN=${token}\n` },
  })
  const res = await p!.postGithub(
    gh.pushPayload(name, { ref: 'refs/heads/main', before: base, after: head }),
    `d-${name}`,
  )
  expect(res.status).toBe(202)
  return head
}

const to = (prefix: string) => rx.requests.filter((r) => r.path.startsWith(prefix))
const json = (r: { raw: string }) => JSON.parse(r.raw)

describe('the three channels', () => {
  it('sends each configured channel one message in its documented shape, with links and never the token', async () => {
    await setup()
    const head = await leak()
    await p!.settle()
    expect(to('/slack')).toHaveLength(1)
    expect(to('/teams')).toHaveLength(1)
    expect(to('/siem')).toHaveLength(1)

    // Slack Block Kit: a plain-text fallback, a header (plain_text, ≤150), a mrkdwn section (≤10 fields), a link
    // button.
    const slack = json(to('/slack')[0]!)
    expect(typeof slack.text).toBe('string')
    expect(slack.blocks.map((b: { type: string }) => b.type)).toEqual(['header', 'section', 'context', 'actions'])
    expect(slack.blocks[0].text.type).toBe('plain_text')
    expect(slack.blocks[0].text.text.length).toBeLessThanOrEqual(150)
    expect(slack.blocks[0].text.text).toMatch(/leaked in acme\/api-\d+: revocation requested/)
    expect(slack.blocks[1].text.type).toBe('mrkdwn')
    expect(slack.blocks[1].fields.length).toBeLessThanOrEqual(10)
    const fieldText = slack.blocks[1].fields.map((f: { text: string }) => f.text).join('\n')
    expect(fieldText).toContain(`/blob/${head}/config/app.env#L2|config/app.env:2>`)
    expect(fieldText).toContain(`/commit/${head}|${head}>`)
    // The author's angle brackets are escaped as Slack asks, so they cannot form a link.
    expect(fieldText).toContain('by Dev &lt;One&gt;')
    const button = slack.blocks[3].elements[0]
    expect(button).toMatchObject({ type: 'button', text: { type: 'plain_text' } })
    expect(button.url).toMatch(/^https:\/\/patrol\.acme\.example\/admin\/incidents\/\d+$/)

    // Teams Workflows: a `message` with one Adaptive Card attachment.
    const teams = json(to('/teams')[0]!)
    expect(teams.type).toBe('message')
    expect(teams.attachments).toHaveLength(1)
    const card = teams.attachments[0]
    expect(card.contentType).toBe('application/vnd.microsoft.card.adaptive')
    expect(card.content).toMatchObject({ type: 'AdaptiveCard', version: '1.4' })
    expect(card.content.body.map((b: { type: string }) => b.type)).toEqual(['TextBlock', 'FactSet'])
    const facts = card.content.body[1].facts as { title: string; value: string }[]
    expect(facts.map((f) => f.title)).toEqual(
      expect.arrayContaining(['What', 'Status', 'What patrol did', 'Where', 'Commit']),
    )
    expect(card.content.actions[0]).toMatchObject({ type: 'Action.OpenUrl', title: 'Open the incident' })

    // The webhook: the documented IncidentEvent, signed over "<timestamp>.<body>".
    const siem = to('/siem')[0]!
    const body = IncidentEvent.parse(json(siem))
    expect(body).toMatchObject({
      version: 1,
      event: 'incident.new',
      events: ['incident.new', 'needs_attention'],
      followUp: false,
      channel: 'webhook',
      incident: { kind: 'github-classic-pat', status: 'revocation_requested', mayBeLive: true, occurrences: 1 },
      response: { outcome: 'requested' },
    })
    expect(body.locations[0]).toMatchObject({ repository: expect.stringMatching(/^acme\/api-/), commit: head, line: 2 })
    expect(siem.headers['x-patrol-event']).toBe('incident.new')
    expect(siem.headers['x-patrol-delivery']).toBe(body.delivery)
    const timestamp = String(siem.headers['x-patrol-timestamp'])
    expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(300)
    const expected = `sha256=${createHmac('sha256', WEBHOOK_SECRET).update(`${timestamp}.${siem.raw}`).digest('hex')}`
    const got = String(siem.headers['x-patrol-signature-256'])
    expect(timingSafeEqual(Buffer.from(got), Buffer.from(expected))).toBe(true)
    // A body changed in transit no longer verifies.
    const forged = `sha256=${createHmac('sha256', WEBHOOK_SECRET)
      .update(`${timestamp}.${siem.raw.replace('"version":1', '"version":2')}`)
      .digest('hex')}`
    expect(forged).not.toBe(got)

    // One row per channel, each sent once.
    const rows = await p!.db.select().from(channelMessages).orderBy(asc(channelMessages.id))
    expect(rows.map((r) => [r.channel, r.status, r.event])).toEqual([
      ['slack', 'sent', 'incident.new'],
      ['teams', 'sent', 'incident.new'],
      ['webhook', 'sent', 'incident.new'],
    ])
  })

  it('retries a receiver’s 5xx in the call and as a job with backoff, and sends exactly one message; a 4xx ends failed without the URL', async () => {
    await setup()
    // One refusal more than one job attempt's short in-call retries (remote-error.ts CALL_RETRY).
    const refusals = Array.from({ length: CALL_RETRY.tries + 1 }, (_, i) => (i === 1 ? 502 : 503))
    rx.answerNext('/slack/services/T000/B000/secretpart', ...refusals)
    rx.answerNext('/teams', 400)
    await leak()
    await p!.settle()
    // All tries refused in the first job attempt, one more refused and the next accepted in the second: one message.
    const rows = await p!.db.select().from(channelMessages)
    expect(rows.find((r) => r.channel === 'slack')).toMatchObject({ status: 'sent', attempts: 2, error: null })
    expect(to('/slack')).toHaveLength(CALL_RETRY.tries + 2)
    expect(rows.find((r) => r.channel === 'teams')).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: 'teams: HTTP 400',
    })
    expect(JSON.stringify(await p!.db.select().from(channelMessages))).not.toContain('secretpart')
    expect(JSON.stringify(p!.log.lines)).not.toContain('secretpart')
  })

  it('sends a follow-up when the outcome changes: a failed revocation, then a retry GitHub accepts', async () => {
    await setup({ PATROL_SLACK_EVENTS: 'response.failed', PATROL_TEAMS_EVENTS: 'revocation.confirmed' })
    credentials.answerNext({ status: 422, body: { message: 'Validation Failed' } })
    await leak()
    await p!.settle()
    const [incident] = await p!.db.select().from(incidents)
    expect(incident?.status).toBe('revoke_failed')
    // Slack subscribes to failures only; Teams to confirmed revocations, which this is not.
    expect(to('/slack')).toHaveLength(1)
    expect(json(to('/slack')[0]!).blocks[0].text.text).toMatch(/: revoke failed$/)
    expect(to('/teams')).toHaveLength(0)
    expect(IncidentEvent.parse(json(to('/siem')[0]!))).toMatchObject({
      event: 'incident.new',
      events: ['incident.new', 'response.failed'],
    })

    const done = await applyAdminAction(p!.db, {
      incidentId: incident!.id,
      action: 'retry_response',
      actor: 'admin:test',
      now: p!.clock.now,
    })
    expect(done).toMatchObject({ to: 'responding' })
    await p!.settle()
    const follow = to('/siem').map((r) => IncidentEvent.parse(json(r)))
    expect(follow).toHaveLength(2)
    expect(follow[1]).toMatchObject({
      event: 'needs_attention',
      followUp: true,
      incident: { status: 'revocation_requested', statusLabel: 'revocation requested' },
    })
    expect(follow[1]!.delivery).not.toBe(follow[0]!.delivery)
    // Slack had no failure this time, so nothing new; the retry's accepted revocation is not a confirmed death.
    expect(to('/slack')).toHaveLength(1)
    expect(to('/teams')).toHaveLength(0)
  })
})

describe('a response stuck in retries', () => {
  it('tells each channel that takes needs_attention once per stuck episode: what patrol waits for, the last error, the next try', async () => {
    await setup({ PATROL_TEAMS_EVENTS: 'revocation.confirmed' })
    // GitHub keeps answering 503 with a Retry-After of 4 minutes: each job attempt fails once and waits.
    credentials.answerNext(...Array.from({ length: 7 }, () => ({ status: 503, headers: { 'retry-after': '240' } })))
    await leak()
    const sweep = housekeeping({
      config: p!.config,
      db: p!.db,
      keys: p!.keys,
      log: p!.log,
      now: () => p!.clock.now,
      mailer: { send: async () => ({}) },
    })
    // Twenty minutes, the sweep running at least once a minute as the runner's idle hook does.
    const start = p!.clock.now
    while (p!.clock.now - start < 20 * 60_000) {
      await p!.drain()
      await sweep()
      await p!.drain()
      const [next] = await p!.db.select().from(jobs).where(eq(jobs.state, 'queued')).orderBy(asc(jobs.runAt)).limit(1)
      p!.clock.now = Math.min(next?.runAt ?? Number.POSITIVE_INFINITY, p!.clock.now + 60_000)
    }
    const [incident] = await p!.db.select().from(incidents)
    expect(incident?.status).toBe('responding')
    const [batch] = await p!.jobsOf('revoke-github-batch')
    expect(batch?.failingSince).toBeLessThanOrEqual(p!.clock.now - 10 * 60_000)

    // Exactly one alert on each channel that takes the event; Teams takes only confirmed revocations.
    expect(to('/teams')).toHaveLength(0)
    expect(to('/slack')).toHaveLength(1)
    const siem = to('/siem').map((r) => IncidentEvent.parse(json(r)))
    expect(siem).toHaveLength(1)
    const alert = siem[0]!
    expect(alert).toMatchObject({
      event: 'needs_attention',
      incident: { id: incident!.id, status: 'responding', mayBeLive: true },
      waiting: {
        for: expect.stringContaining('GitHub to accept the revocation'),
        reason: expect.stringMatching(/503/),
      },
    })
    expect(alert.incident.url).toBe(`https://patrol.acme.example/admin/incidents/${incident!.id}`)
    expect(Date.parse(alert.waiting!.since)).toBe(batch!.failingSince)
    expect(Date.parse(alert.waiting!.nextAttemptAt!)).toBeGreaterThan(Date.parse(alert.waiting!.since) + 10 * 60_000)
    const slack = json(to('/slack')[0]!)
    expect(slack.blocks[0].text.text).toMatch(/: responding, stuck in retries$/)
    expect(slack.blocks[1].text.text).toMatch(/\*Waiting for:\* GitHub to accept the revocation.*HTTP 503.*next try/)

    // GitHub accepts at last: the outcome follows on the channels, and the alert is not sent again.
    await p!.settle()
    const after = to('/siem').map((r) => IncidentEvent.parse(json(r)))
    expect(after.map((e) => [e.event, e.followUp, e.incident.status])).toEqual([
      ['needs_attention', false, 'responding'],
      ['incident.new', true, 'revocation_requested'],
    ])
    expect(to('/slack')).toHaveLength(2)
    for (const r of rx.requests) expect(r.raw).not.toContain('secretpart')
  })
})
