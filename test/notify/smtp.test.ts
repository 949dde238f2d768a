import { createServer } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { parseSmtpUrl, SmtpMailer } from '../../src/adapter/node/smtp.js'
import type { MailMessage } from '../../src/notify/mailer.js'
import { composeIncidentEmail } from '../../src/notify/message.js'
import { chooseRecipients } from '../../src/notify/recipients.js'
import { rejection } from '../support/remote-rejection.js'
import { type SmtpStandIn, startSmtpServer } from '../support/smtp.js'
import { incidentInput } from './incident-input.js'

const servers: SmtpStandIn[] = []
const mailers: SmtpMailer[] = []
afterEach(async () => {
  for (const mailer of mailers.splice(0)) mailer.close()
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

async function smtpPair(options: Parameters<typeof startSmtpServer>[0] = {}) {
  const smtp = await startSmtpServer(options)
  servers.push(smtp)
  const mailer = new SmtpMailer({ url: smtp.url, timeoutMs: 5_000 })
  mailers.push(mailer)
  return { smtp, mailer }
}

function simpleMessage(over: Partial<MailMessage> = {}): MailMessage {
  return {
    from: 'patrol@contoso.example',
    to: ['owner@contoso.example'],
    subject: 'hello',
    text: 'text',
    html: '<p>html</p>',
    ...over,
  }
}

describe('SmtpMailer against a real SMTP server', () => {
  it('delivers the incident email to the chosen recipients, with links and without the token anywhere', async () => {
    const { smtp, mailer } = await smtpPair()
    const { token, input } = incidentInput()
    const recipients = chooseRecipients({
      authorEmail: 'dev@contoso.example',
      securityEmails: ['security@contoso.example'],
    })
    const email = composeIncidentEmail({ ...input, recipientReason: 'commit-author' })
    const sent = await mailer.send({
      from: 'patrol <patrol@contoso.example>',
      to: recipients.filter((r) => r.reason !== 'security').map((r) => r.address),
      cc: recipients.filter((r) => r.reason === 'security').map((r) => r.address),
      ...email,
      headers: { 'X-Patrol-Incident': '42' },
      messageId: '<incident-42.dev@patrol.contoso.example>',
    })
    expect(sent.messageId).toBe('<incident-42.dev@patrol.contoso.example>')
    expect(smtp.messages).toHaveLength(1)
    const mail = smtp.messages[0]!
    expect(mail.envelope).toEqual({
      from: 'patrol@contoso.example',
      to: ['dev@contoso.example', 'security@contoso.example'],
    })
    expect(mail.parsed.subject).toBe(email.subject)
    expect(mail.parsed.messageId).toBe('<incident-42.dev@patrol.contoso.example>')
    expect(mail.parsed.headers.get('x-patrol-incident')).toBe('42')
    const to = Array.isArray(mail.parsed.to) ? mail.parsed.to : [mail.parsed.to]
    expect(to.flatMap((a) => a?.value.map((v) => v.address))).toEqual(['dev@contoso.example'])
    const cc = Array.isArray(mail.parsed.cc) ? mail.parsed.cc : [mail.parsed.cc]
    expect(cc.flatMap((a) => a?.value.map((v) => v.address))).toEqual(['security@contoso.example'])
    expect(mail.parsed.text).toContain('https://patrol.contoso.example/admin/incidents/42')
    expect(mail.parsed.html).toContain('href="https://patrol.contoso.example/admin/incidents/42"')
    expect(mail.parsed.html).toContain(`href="https://github.com/contoso/api/commit/${'a'.repeat(40)}"`)
    // The raw message holds every header and part (quoted-printable or base64), so check it decoded and raw.
    for (const part of [
      mail.raw,
      mail.parsed.text ?? '',
      String(mail.parsed.html),
      JSON.stringify([...mail.parsed.headers]),
    ])
      expect(part).not.toContain(token)
  })

  it('speaks smtps:// (TLS from the first byte)', async () => {
    const { smtp, mailer } = await smtpPair({ secure: true })
    expect(parseSmtpUrl(smtp.url).protocol).toBe('smtps:')
    await mailer.send(simpleMessage())
    expect(smtp.messages).toHaveLength(1)
  })

  it('maps a 4xx reply to a transient error and then delivers on the retry', async () => {
    const { smtp } = await smtpPair()
    // One try per send here: retries inside a send are smtp-retry.test.ts's.
    const mailer = new SmtpMailer({ url: smtp.url, timeoutMs: 5_000, retry: false })
    mailers.push(mailer)
    smtp.replyNext('rcpt', 451, 'Greylisted, try again')
    const error = await rejection(mailer.send(simpleMessage()))
    expect(error.failure).toBe('transient')
    expect(error.retryable).toBe(true)
    expect(error.status).toBe(451)
    await mailer.send(simpleMessage())
    expect(smtp.messages).toHaveLength(1)
  })

  it('maps a 5xx reply to a permanent error', async () => {
    const { smtp, mailer } = await smtpPair()
    smtp.replyNext('data', 554, 'Message rejected')
    const error = await rejection(mailer.send(simpleMessage()))
    expect(error.failure).toBe('permanent')
    expect(error.retryable).toBe(false)
    expect(error.status).toBe(554)
    expect(smtp.messages).toHaveLength(0)
  })

  it('maps bad credentials to auth, without the password in the message', async () => {
    const { smtp } = await smtpPair({ pass: 'right-password' })
    const wrong = new SmtpMailer({ url: smtp.url.replace('right-password', 'wrong-password'), timeoutMs: 5_000 })
    mailers.push(wrong)
    const error = await rejection(wrong.send(simpleMessage()))
    expect(error.failure).toBe('auth')
    expect(error.message).not.toContain('wrong-password')
    expect(error.message).toContain('535')
  })

  it('maps connection refused to a transient error', async () => {
    // A port that was just free: bind, note, close.
    const probe = createServer()
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
    const port = (probe.address() as { port: number }).port
    await new Promise<void>((resolve) => probe.close(() => resolve()))
    const mailer = new SmtpMailer({ url: `smtp://u:p@127.0.0.1:${port}`, timeoutMs: 2_000 })
    mailers.push(mailer)
    const error = await rejection(mailer.send(simpleMessage()))
    expect(error.failure).toBe('transient')
  })

  it('reports recipients refused while others were accepted', async () => {
    const { smtp, mailer } = await smtpPair()
    smtp.refuseRecipient('gone@contoso.example')
    const sent = await mailer.send(simpleMessage({ to: ['owner@contoso.example', 'gone@contoso.example'] }))
    expect(sent.rejected).toEqual(['gone@contoso.example'])
    expect(smtp.messages[0]!.envelope.to).toEqual(['owner@contoso.example'])
  })

  it('refuses SMTP_URL values it cannot use, naming the variable', () => {
    expect(() => parseSmtpUrl('http://mail.example')).toThrow(/SMTP_URL/)
    expect(() => parseSmtpUrl('mail.example:25')).toThrow(/SMTP_URL/)
    expect(() => new SmtpMailer({ url: 'nonsense' })).toThrow(/SMTP_URL/)
  })
})
