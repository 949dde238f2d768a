/**
 * Mail over SMTP with nodemailer, configured by one `SMTP_URL` (`smtp://user:pass@host:587` or
 * `smtps://user:pass@host:465`). Node-only.
 *
 * nodemailer's errors are mapped to RemoteError so that the job queue retries what can succeed later
 * (connection refused or dropped, timeouts, 4xx replies) and gives up on what cannot (5xx replies, bad credentials).
 * Error messages carry the SMTP code and the server's reply, never the URL or its password.
 *
 * A send is first retried inside the call, a few times with a short jittered backoff (as remoteFetch does for HTTP),
 * but only when the server cannot have taken the message: a 4xx reply (to any command, DATA's end included: 4xx
 * there means "not accepted"), or a connection that never reached the greeting (refused, connect or greeting
 * timeout). A connection lost mid-session may have delivered the message, so it goes up to the job queue at once.
 *
 * @example
 * const mailer = new SmtpMailer({ url: process.env.SMTP_URL! })
 * await mailer.send({ from, to: ['owner@example.com'], subject, text, html })
 */

import type { Transporter } from 'nodemailer'
import nodemailer from 'nodemailer'
import type { SMTPSentMessageInfo, SMTPTransportOptions } from 'nodemailer/lib/smtp-transport'
import { retryDelayMs } from '../../jobs/backoff.js'
import { type Mailer, type MailMessage, type MailSent, nodemailerFields } from '../../notify/mailer.js'
import { type CallRetry, RemoteError } from '../../platforms/remote-error.js'

export interface SmtpMailerOptions {
  /** SMTP_URL: `smtp://` (STARTTLS when offered) or `smtps://` (TLS from the start), auth in the userinfo. */
  url: string
  /** The name patrol greets the server with (EHLO): SMTP_NAME, by default the public URL's host. */
  name?: string
  /** Connection, greeting and socket inactivity timeout. Default 30 s. */
  timeoutMs?: number
  /** Retries inside one send of failures the server cannot have accepted; `false` for one try. Default {@link SMTP_RETRY}. */
  retry?: Pick<CallRetry, 'tries' | 'baseMs' | 'capMs'> | false
  /** How a retry waits (tests). Default: a timer. */
  sleep?: (ms: number) => Promise<void>
}

/** Tries per send, the first included, and their backoff: short, so a message waits seconds, not a job retry. */
export const SMTP_RETRY: Pick<CallRetry, 'tries' | 'baseMs' | 'capMs'> = { tries: 4, baseMs: 200, capMs: 1_000 }

/** nodemailer's timeouts of the phases before the greeting: nothing was sent yet. */
const BEFORE_SESSION_TIMEOUTS = new Set(['CONNECT_TIMEOUT', 'GREETING_TIMEOUT'])

/** nodemailer codes that say the network or the server's session failed, not the message: worth a retry. */
const TRANSIENT_CODES = new Set([
  'ECONNECTION',
  'ESOCKET',
  'ETIMEDOUT',
  'EDNS',
  'ETLS',
  'EPROTOCOL',
  'ESTREAM',
  'EMAXLIMIT',
])

/** Validates SMTP_URL; throws an error naming the variable, without echoing the password. */
export function parseSmtpUrl(value: string): URL {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new Error('SMTP_URL is not a URL (expected smtp://user:pass@host:port or smtps://…)')
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:')
    throw new Error(`SMTP_URL must start with smtp:// or smtps:// (got ${url.protocol}//)`)
  if (!url.hostname) throw new Error('SMTP_URL has no host')
  return url
}

export class SmtpMailer implements Mailer {
  readonly #transport: Transporter<SMTPSentMessageInfo, SMTPTransportOptions>
  readonly #where: string
  readonly #retry: Pick<CallRetry, 'tries' | 'baseMs' | 'capMs'>
  readonly #sleep: (ms: number) => Promise<void>

  constructor(options: SmtpMailerOptions) {
    const url = parseSmtpUrl(options.url)
    const timeout = options.timeoutMs ?? 30_000
    this.#where = `${url.hostname}:${url.port || (url.protocol === 'smtps:' ? 465 : 587)}`
    this.#retry = options.retry === false ? { ...SMTP_RETRY, tries: 1 } : (options.retry ?? SMTP_RETRY)
    this.#sleep = options.sleep ?? ((ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)))
    this.#transport = nodemailer.createTransport({
      host: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      secure: url.protocol === 'smtps:',
      ...(options.name ? { name: options.name } : {}),
      auth: url.username
        ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) }
        : undefined,
      connectionTimeout: timeout,
      // Shorter than the socket's idle timeout, so a server that never greets always fails as a greeting timeout,
      // which notAccepted() knows is safe to try again (a socket timeout may come after the message was sent).
      greetingTimeout: Math.ceil(timeout / 2),
      socketTimeout: timeout,
      // TLS options such as `?tls.rejectUnauthorized=false` stay possible through the URL's query.
      ...tlsFromQuery(url),
    })
  }

  async send(message: MailMessage): Promise<MailSent> {
    for (let attempt = 1; ; attempt++) {
      try {
        const info = await this.#transport.sendMail(nodemailerFields(message))
        const rejected = (info.rejected ?? []).map((address: unknown) =>
          typeof address === 'string' ? address : String((address as { address?: string }).address),
        )
        return { messageId: info.messageId, ...(rejected.length ? { rejected } : {}) }
      } catch (error) {
        const failure = smtpError(error, this.#where)
        if (!failure.retryable || !notAccepted(error) || attempt >= this.#retry.tries) throw failure
        await this.#sleep(retryDelayMs(attempt, this.#retry))
      }
    }
  }

  /** Releases the transport (idle connections, if any). */
  close(): void {
    this.#transport.close()
  }
}

/**
 * Whether a failed send certainly left the message undelivered, so that sending it again cannot make a second copy:
 * the server answered 4xx, or the connection failed before the server's greeting (no command was sent).
 */
export function notAccepted(error: unknown): boolean {
  const err = (error ?? {}) as { responseCode?: number; timeoutType?: string; originalCode?: string }
  if (err.responseCode && err.responseCode >= 400 && err.responseCode < 500) return true
  return BEFORE_SESSION_TIMEOUTS.has(err.timeoutType ?? '') || err.originalCode === 'ECONNREFUSED'
}

/** nodemailer error → RemoteError: 5xx replies permanent (503 excepted), 4xx and network trouble transient. */
export function smtpError(error: unknown, where: string): RemoteError {
  const err = (error ?? {}) as { code?: string; responseCode?: number; response?: string; message?: string }
  const reply = typeof err.response === 'string' ? ` "${err.response.split(/\r?\n/)[0]!.slice(0, 200)}"` : ''
  const text = `SMTP ${where}: ${err.code ?? 'error'}${err.responseCode ? ` ${err.responseCode}` : ''}${reply}`
  const code = err.responseCode
  if (code && code >= 500 && code !== 503) {
    return new RemoteError(err.code === 'EAUTH' ? 'auth' : 'permanent', text, { status: code, cause: error })
  }
  if (code && code >= 400) return new RemoteError('transient', text, { status: code, cause: error })
  if (err.code === 'EAUTH' || err.code === 'ENOAUTH') return new RemoteError('auth', text, { cause: error })
  if (err.code && TRANSIENT_CODES.has(err.code)) return new RemoteError('transient', text, { cause: error })
  // Unknown failures (configuration, message building) would fail again the same way.
  return new RemoteError(
    'permanent',
    `${text}${err.message ? `: ${err.message.split(/\r?\n/)[0]!.slice(0, 200)}` : ''}`,
    { cause: error },
  )
}

function tlsFromQuery(url: URL): { tls?: { rejectUnauthorized?: boolean; servername?: string } } {
  const reject = url.searchParams.get('tls.rejectUnauthorized')
  const servername = url.searchParams.get('tls.servername')
  if (reject === null && servername === null) return {}
  return {
    tls: {
      ...(reject !== null ? { rejectUnauthorized: reject !== 'false' } : {}),
      ...(servername ? { servername } : {}),
    },
  }
}
