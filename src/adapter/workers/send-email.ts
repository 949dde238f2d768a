/**
 * Mail through Cloudflare's `send_email` binding (Email Service), behind the same `Mailer` interface as SMTP on Node.
 * Workers only: the binding exists nowhere else, and nothing here imports a Node module.
 *
 * The binding throws errors with string codes (`E_RATE_LIMIT_EXCEEDED`, `E_RECIPIENT_NOT_ALLOWED`, …; Cloudflare's
 * Workers API error table). They become `RemoteError`s so that the job queue retries quotas and outages and gives up
 * on what would fail the same way again. Codes patrol does not know are treated as transient: a retry at worst sends a
 * notification twice, while giving up would leave an owner uninformed.
 *
 * Message-ID is not passed as a header: Email Service reserves some headers (E_HEADER_NOT_ALLOWED,
 * E_HEADER_USE_API_FIELD)
 * and it is not documented whether Message-ID is one of them; the binding assigns its own and returns it.
 *
 * @example
 * const mailer = new SendEmailMailer(env.EMAIL)
 * const { messageId } = await mailer.send({ from: 'patrol <patrol@acme.example>', to: ['owner@acme.example'], subject,
 * text, html })
 */

import type { Mailer, MailMessage, MailSent } from '../../notify/mailer.js'
import { RemoteError } from '../../platforms/remote-error.js'

/** The part of the `send_email` binding patrol uses (workers-types' `SendEmail`, builder form). */
export interface SendEmailBinding {
  send(message: {
    from: string | { name: string; email: string }
    to: string | string[]
    subject: string
    cc?: string | string[]
    headers?: Record<string, string>
    text?: string
    html?: string
  }): Promise<{ messageId: string }>
}

/** Codes that say the message itself or the account's setup is wrong: retrying sends nothing. */
const PERMANENT_CODES = new Set([
  'E_VALIDATION_ERROR',
  'E_FIELD_MISSING',
  'E_TOO_MANY_RECIPIENTS',
  'E_TOO_MANY_ATTACHMENTS',
  'E_SENDER_NOT_VERIFIED',
  'E_SENDER_DOMAIN_NOT_AVAILABLE',
  'E_RECIPIENT_NOT_ALLOWED',
  'E_RECIPIENT_SUPPRESSED',
  'E_CONTENT_TOO_LARGE',
  'E_HEADER_NOT_ALLOWED',
  'E_HEADER_USE_API_FIELD',
  'E_HEADER_VALUE_INVALID',
  'E_HEADER_VALUE_TOO_LONG',
  'E_HEADER_NAME_INVALID',
  'E_HEADERS_TOO_LARGE',
  'E_HEADERS_TOO_MANY',
])

/** A daily quota resets within a day; an hour is a polite first wait that the backoff then stretches. */
const DAILY_LIMIT_RETRY_MS = 60 * 60_000

export class SendEmailMailer implements Mailer {
  readonly #binding: SendEmailBinding

  constructor(binding: SendEmailBinding) {
    this.#binding = binding
  }

  async send(message: MailMessage): Promise<MailSent> {
    try {
      const sent = await this.#binding.send({
        from: parseAddress(message.from),
        to: message.to,
        ...(message.cc?.length ? { cc: message.cc } : {}),
        subject: message.subject,
        text: message.text,
        html: message.html,
        ...(message.headers && Object.keys(message.headers).length ? { headers: message.headers } : {}),
      })
      return { messageId: sent.messageId }
    } catch (error) {
      throw sendEmailError(error)
    }
  }
}

/** `Name <user@host>` → `{ name, email }`; a bare address stays a string. */
export function parseAddress(from: string): string | { name: string; email: string } {
  const match = /^\s*"?([^"<]*?)"?\s*<([^<>\s]+@[^<>\s]+)>\s*$/.exec(from)
  if (!match) return from.trim()
  const name = match[1]!.trim()
  return name ? { name, email: match[2]! } : match[2]!
}

/** A binding failure → RemoteError, by its `code`; the message keeps the code and the first line of the reason. */
export function sendEmailError(error: unknown): RemoteError {
  const err = (error ?? {}) as { code?: unknown; message?: unknown }
  const code = typeof err.code === 'string' ? err.code : undefined
  const reason = typeof err.message === 'string' ? err.message.split(/\r?\n/)[0]!.slice(0, 200) : 'failed'
  const text = `send_email${code ? ` ${code}` : ''}: ${reason}`
  if (code === 'E_RATE_LIMIT_EXCEEDED') return new RemoteError('rate_limited', text, { cause: error })
  if (code === 'E_DAILY_LIMIT_EXCEEDED')
    return new RemoteError('rate_limited', text, { retryAfterMs: DAILY_LIMIT_RETRY_MS, cause: error })
  if (code && PERMANENT_CODES.has(code)) return new RemoteError('permanent', text, { cause: error })
  // Local dev (miniflare) throws plain Errors for a binding's allow-lists: as permanent as the codes above.
  if (!code && /\bnot allowed\b/.test(reason)) return new RemoteError('permanent', text, { cause: error })
  return new RemoteError('transient', text, { cause: error })
}
