/**
 * The mailer used when no SMTP server is configured: each message becomes an RFC 822 `.eml` file in
 * `<dataDir>/outbox/`, so that nothing is silently dropped and an operator can open or forward it. Node-only.
 *
 * nodemailer's stream transport builds the message exactly as SMTP would send it. File names sort by time
 * (`20260514T101502123Z-000001-<random>.eml`) and are unique; files are written under a temporary name and
 * renamed, so a reader never sees half a message.
 *
 * @example
 * const mailer = new OutboxMailer({ dir: join(dataDir, 'outbox') })
 * await mailer.send({ from, to: ['owner@example.com'], subject, text, html })
 * // → data/outbox/20260514T101502123Z-000001-3f9c2a1b.eml
 */

import { randomBytes } from 'node:crypto'
import { mkdir, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Transporter } from 'nodemailer'
import nodemailer from 'nodemailer'
import type { StreamSentMessageInfo, StreamTransportOptions } from 'nodemailer/lib/stream-transport'
import { type Mailer, type MailMessage, type MailSent, nodemailerFields } from '../../notify/mailer.js'

export interface OutboxMailerOptions {
  /** The folder, usually `<dataDir>/outbox`; created when missing. */
  dir: string
}

let sequence = 0

export class OutboxMailer implements Mailer {
  readonly dir: string
  readonly #transport: Transporter<StreamSentMessageInfo, StreamTransportOptions>

  constructor(options: OutboxMailerOptions) {
    this.dir = options.dir
    // CRLF line ends: the .eml is byte for byte what an SMTP server would have received.
    this.#transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' })
  }

  async send(message: MailMessage): Promise<MailSent & { file: string }> {
    const info = await this.#transport.sendMail(nodemailerFields(message))
    const raw = info.message
    if (!Buffer.isBuffer(raw)) throw new Error('outbox: the stream transport did not buffer the message')
    await mkdir(this.dir, { recursive: true, mode: 0o700 })
    const name = outboxFileName(new Date())
    const file = join(this.dir, name)
    const temporary = join(this.dir, `.${name}.tmp`)
    await writeFile(temporary, raw, { flag: 'wx', mode: 0o600 })
    await rename(temporary, file)
    return { messageId: info.messageId, file }
  }
}

/** `20260514T101502123Z-000001-3f9c2a1b.eml`: time first so names sort, then a per-process sequence and randomness. */
export function outboxFileName(at: Date): string {
  const stamp = at.toISOString().replace(/[-:.]/g, '')
  sequence = (sequence + 1) % 1_000_000
  return `${stamp}-${String(sequence).padStart(6, '0')}-${randomBytes(4).toString('hex')}.eml`
}
