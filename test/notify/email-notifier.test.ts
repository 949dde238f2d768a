/**
 * Email as one of the notifiers (src/notify/email.ts): whom it addresses (the owner, else the author or the pusher,
 * and the security team; a person outside PATROL_NOTIFY_DOMAINS withheld with the reason), and what `send` hands the
 * transport: one message to the one addressee, with the Message-ID it was given (so a retry repeats it), the
 * content message.ts composes from the recorded facts, and never the token.
 */
import { describe, expect, it } from 'vitest'
import type { Incident, Occurrence, Revocation } from '../../src/db/schema.js'
import { emailNotifier } from '../../src/notify/email.js'
import type { MailMessage, MailSent } from '../../src/notify/mailer.js'
import type { IncidentFacts } from '../../src/notify/notifier.js'
import { github } from '../../src/platforms/github/index.js'
import { fakeGithubToken } from './incident-input.js'

const mail = {
  from: 'patrol <patrol@acme.example>',
  securityEmails: ['security@acme.example'],
  publicUrl: 'https://patrol.acme.example',
  notifyDomains: ['acme.example'],
}

function recordingMailer(answer: MailSent = {}) {
  const sent: MailMessage[] = []
  const send = async (m: MailMessage) => {
    sent.push(m)
    return answer
  }
  return { sent, mailer: { send } }
}

function facts(token: string): IncidentFacts {
  const at = Date.parse('2026-12-01T12:00:00Z')
  const incident = {
    id: 7,
    kind: 'github-classic-pat',
    issuer: 'github',
    preview: `ghp_…${token.slice(-4)}`,
    status: 'revocation_requested',
    firstSeenAt: at,
    publishedExample: false,
  } as Incident
  const place = {
    repository: 'acme/api',
    ref: 'refs/heads/main',
    commitSha: 'a'.repeat(40),
    path: 'config/app.env',
    line: 2,
    source: 'push',
    url: null,
    links: { repository: 'https://github.com/acme/api' },
  } as unknown as Occurrence
  const latest = { outcome: 'requested', detail: 'GitHub accepted the revocation (HTTP 202)', candidates: null }
  return { incident, places: [place], occurrences: 1, latest: latest as Revocation, advice: github.advice }
}

describe('the email notifier', () => {
  it('addresses the owner and the security team, and withholds an address outside the notify domains', () => {
    const { mailer } = recordingMailer()
    const email = emailNotifier(mailer, mail)
    expect(email.channel).toBe('email')
    expect(email.events).toEqual(['incident.new'])
    expect(email.addressees?.({ ownerEmail: 'owner@acme.example', authorEmail: 'dev@acme.example' })).toEqual([
      { address: 'owner@acme.example', reason: 'owner' },
      { address: 'security@acme.example', reason: 'security' },
    ])
    const outside = email.addressees?.({ authorEmail: 'dev@elsewhere.example' }) ?? []
    expect(outside[0]).toMatchObject({
      address: 'dev@elsewhere.example',
      withheld: 'outside PATROL_NOTIFY_DOMAINS (acme.example)',
    })
    expect(outside.at(-1)).toEqual({ address: 'security@acme.example', reason: 'security' })
    expect(email.addressees?.({ ownerEmail: 'owner@acme.example', securityOnly: true })).toEqual([
      { address: 'security@acme.example', reason: 'security' },
    ])
  })

  it('sends one message to its addressee with the Message-ID it was given and the recorded facts, never the token', async () => {
    const token = fakeGithubToken()
    const { mailer, sent } = recordingMailer({ messageId: '<given-by-the-server@mail.acme.example>' })
    const email = emailNotifier(mailer, mail)
    const id = '<3f9c@patrol.acme.example>'
    const answer = await email.send({
      event: undefined as never,
      facts: facts(token),
      id,
      to: { address: 'owner@acme.example', reason: 'owner' },
    })
    // The transport's own id, when it chose another, is what the record keeps.
    expect(answer).toEqual({ id: '<given-by-the-server@mail.acme.example>' })
    expect(sent).toHaveLength(1)
    const m = sent[0]!
    expect(m).toMatchObject({ from: mail.from, to: ['owner@acme.example'], messageId: id })
    expect(m.headers).toEqual({ 'X-Patrol-Incident': '7' })
    expect(m.subject).toMatch(/leaked in acme\/api: revocation requested/)
    expect(m.text).toContain('https://patrol.acme.example/admin/incidents/7')
    expect(m.text).toContain('config/app.env')
    expect(JSON.stringify(m)).not.toContain(token)
  })
})
