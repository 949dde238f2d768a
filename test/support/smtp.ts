/**
 * A real SMTP server on loopback (smtp-server) that keeps every message it accepts, raw and parsed with mailparser,
 * with its envelope. Replies can be scripted per stage (e.g. 451 then success, or 550) to test the mailer's
 * retry classification.
 *
 * @example
 * const smtp = await startSmtpServer({ user: 'patrol', pass: 'secret' })
 * const mailer = new SmtpMailer({ url: smtp.url })
 * await mailer.send(message)
 * const [mail] = smtp.messages // { envelope, raw, parsed }
 * await smtp.close()
 */

import type { AddressInfo } from 'node:net'
import { type ParsedMail, simpleParser } from 'mailparser'
import { SMTPServer } from 'smtp-server'

export interface ReceivedMail {
  envelope: { from: string; to: string[] }
  /** The message as received, headers and body, line ends as sent. */
  raw: string
  parsed: ParsedMail
  /** The name the client greeted with (EHLO/HELO). */
  greeting: string
}

export type SmtpStage = 'mail' | 'rcpt' | 'data'

export interface SmtpStandIn {
  /** `smtp://user:pass@127.0.0.1:{port}` (or smtps:// with `secure`, accepting the built-in certificate). */
  url: string
  port: number
  messages: ReceivedMail[]
  /** The next command at `stage` gets this reply instead of success. */
  replyNext(stage: SmtpStage, code: number, text?: string): void
  /** Refuse these recipients (550) at RCPT TO. */
  refuseRecipient(address: string): void
  close(): Promise<void>
}

export async function startSmtpServer(
  options: { user?: string; pass?: string; secure?: boolean } = {},
): Promise<SmtpStandIn> {
  const user = options.user ?? 'patrol'
  const pass = options.pass ?? 'smtp-pass'
  const messages: ReceivedMail[] = []
  const scripted: Record<SmtpStage, { code: number; text: string }[]> = { mail: [], rcpt: [], data: [] }
  const refused = new Set<string>()
  const reply = (stage: SmtpStage): Error | null => {
    const next = scripted[stage].shift()
    if (!next) return null
    return Object.assign(new Error(next.text), { responseCode: next.code })
  }

  const server = new SMTPServer({
    secure: options.secure ?? false,
    // Plain loopback: no STARTTLS (its built-in certificate would fail verification), so auth must be allowed without
    // TLS.
    disabledCommands: options.secure ? [] : ['STARTTLS'],
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === user && auth.password === pass) return callback(null, { user: auth.username })
      callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }))
    },
    onMailFrom(_address, _session, callback) {
      callback(reply('mail'))
    },
    onRcptTo(address, _session, callback) {
      if (refused.has(address.address.toLowerCase()))
        return callback(Object.assign(new Error('Mailbox unavailable'), { responseCode: 550 }))
      callback(reply('rcpt'))
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (chunk: Buffer) => chunks.push(chunk))
      stream.on('end', () => {
        const failure = reply('data')
        if (failure) return callback(failure)
        const raw = Buffer.concat(chunks).toString('utf8')
        simpleParser(raw)
          .then((parsed) => {
            const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : ''
            messages.push({
              envelope: { from, to: session.envelope.rcptTo.map((r) => r.address) },
              raw,
              parsed,
              greeting: session.hostNameAppearsAs,
            })
            callback(null)
          })
          .catch((error: Error) => callback(error))
      })
    },
  })

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const { port } = server.server.address() as AddressInfo
  const scheme = options.secure ? 'smtps' : 'smtp'
  return {
    url: `${scheme}://${encodeURIComponent(user)}:${encodeURIComponent(pass)}@127.0.0.1:${port}${options.secure ? '?tls.rejectUnauthorized=false' : ''}`,
    port,
    messages,
    replyNext: (stage, code, text = code >= 500 ? 'Permanent failure' : 'Try again later') =>
      void scripted[stage].push({ code, text }),
    refuseRecipient: (address) => void refused.add(address.toLowerCase()),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
