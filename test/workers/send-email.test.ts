/**
 * The `Mailer` over Cloudflare's `send_email` binding, against miniflare's binding: a message is accepted with the
 * sender split into name and address and the binding's message id returned; a recipient the binding refuses is a
 * permanent failure (the job queue gives up instead of retrying); Email Service's error codes map to retry or not.
 */
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { parseAddress, SendEmailMailer, sendEmailError } from '../../src/adapter/workers/send-email.js'
import { RemoteError } from '../../src/platforms/remote-error.js'

const message = {
  from: 'patrol <patrol@acme.example>',
  to: ['allowed@acme.example'],
  cc: ['security@acme.example'],
  subject: 'Token revoked',
  text: 'A token was revoked.',
  html: '<p>A token was revoked.</p>',
  headers: { 'X-Patrol-Incident': '7' },
}

describe('SendEmailMailer', () => {
  it('hands the message to the binding and returns the id it assigned', async () => {
    const sent = await new SendEmailMailer(env.EMAIL).send(message)
    expect(sent.messageId).toMatch(/@acme\.example>?$/)
  })

  it('passes every field in the binding’s builder form', async () => {
    const seen: unknown[] = []
    const binding = {
      send: async (m: unknown) => {
        seen.push(m)
        return env.EMAIL.send(m as Parameters<SendEmail['send']>[0])
      },
    }
    await new SendEmailMailer(binding).send(message)
    expect(seen).toEqual([
      {
        from: { name: 'patrol', email: 'patrol@acme.example' },
        to: ['allowed@acme.example'],
        cc: ['security@acme.example'],
        subject: 'Token revoked',
        text: 'A token was revoked.',
        html: '<p>A token was revoked.</p>',
        headers: { 'X-Patrol-Incident': '7' },
      },
    ])
  })

  it('fails permanently for a recipient the binding does not allow', async () => {
    const mailer = new SendEmailMailer(env.RESTRICTED_EMAIL)
    await expect(mailer.send(message)).resolves.toMatchObject({ messageId: expect.any(String) })
    const error = await mailer.send({ ...message, to: ['stranger@elsewhere.example'] }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RemoteError)
    expect(error).toMatchObject({ failure: 'permanent', retryable: false })
    expect((error as Error).message).toMatch(/^send_email: .*not allowed/)
  })
})

describe('sendEmailError', () => {
  const coded = (code: string) => Object.assign(new Error(`${code} happened`), { code })

  it('retries quotas and outages, honouring a daily limit with a long wait', () => {
    expect(sendEmailError(coded('E_RATE_LIMIT_EXCEEDED'))).toMatchObject({ failure: 'rate_limited', retryable: true })
    expect(sendEmailError(coded('E_DAILY_LIMIT_EXCEEDED'))).toMatchObject({
      failure: 'rate_limited',
      retryAfterMs: 3_600_000,
    })
    expect(sendEmailError(coded('E_INTERNAL_SERVER_ERROR'))).toMatchObject({ failure: 'transient', retryable: true })
    expect(sendEmailError(coded('E_DELIVERY_FAILED'))).toMatchObject({ failure: 'transient' })
    expect(sendEmailError(new Error('network connection lost'))).toMatchObject({ failure: 'transient' })
  })

  it('gives up on what would fail the same way again, keeping the code in the message', () => {
    for (const code of [
      'E_SENDER_NOT_VERIFIED',
      'E_RECIPIENT_NOT_ALLOWED',
      'E_RECIPIENT_SUPPRESSED',
      'E_VALIDATION_ERROR',
      'E_HEADER_NOT_ALLOWED',
    ]) {
      const error = sendEmailError(coded(code))
      expect(error).toMatchObject({ failure: 'permanent', retryable: false })
      expect(error.message).toBe(`send_email ${code}: ${code} happened`)
    }
  })
})

describe('parseAddress', () => {
  it('splits a display name from the address, and leaves a bare address alone', () => {
    expect(parseAddress('patrol <patrol@acme.example>')).toEqual({ name: 'patrol', email: 'patrol@acme.example' })
    expect(parseAddress('"Patrol Bot" <bot@acme.example>')).toEqual({ name: 'Patrol Bot', email: 'bot@acme.example' })
    expect(parseAddress('<bot@acme.example>')).toBe('bot@acme.example')
    expect(parseAddress(' bot@acme.example ')).toBe('bot@acme.example')
  })
})
