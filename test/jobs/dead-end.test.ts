/**
 * A dead-lettered job's subject gets the end a give-up gives it (src/jobs/dead-end.ts): its incident ends
 * `revoke_failed` with the reason and its emails are queued; its message (email, chat, webhook) is marked `failed`. (The scan case runs
 * in workerd: test/workers/queue.test.ts.)
 */
import { eq } from 'drizzle-orm'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { OutboxMailer } from '../../src/adapter/node/outbox.js'
import { parseConfig } from '../../src/config.js'
import { channelMessages, incidents, type Job, jobs, notifications, revocations } from '../../src/db/schema.js'
import { importKeys } from '../../src/incidents/sealing.js'
import { deadEnds } from '../../src/jobs/dead-end.js'
import { createLogger } from '../../src/log.js'
import { tempDatabase } from '../support/db.js'
import { testEnv } from '../support/env.js'

const NOW = Date.parse('2026-12-01T12:00:00Z')
const REASON = 'respond job 1: its queue message was never handled (dead-letter queue)'
let t: ReturnType<typeof tempDatabase>
let end: (job: Job, reason: string) => Promise<void>

beforeEach(async () => {
  t = tempDatabase()
  const config = parseConfig(testEnv(t.dir, { PATROL_SECURITY_EMAILS: 'security@acme.example' }))
  end = deadEnds({
    config,
    db: t.db,
    keys: await importKeys(config.secrets),
    log: createLogger({ level: 'error', write: () => {} }),
    now: () => NOW,
    mailer: new OutboxMailer({ dir: t.dir }),
  })
})
afterEach(() => t.cleanup())

async function incident(status: 'new' | 'responding' | 'revocation_requested' | 'revoked') {
  const [row] = await t.db
    .insert(incidents)
    .values({
      fingerprint: `fp-${status}`,
      kind: 'github-classic-pat',
      issuer: 'github',
      preview: 'ghp_…abcd',
      status,
      statusChangedAt: NOW,
      sealedToken: status === 'revoked' ? null : 'v1.sealed.token',
      firstSeenAt: NOW,
      lastSeenAt: NOW,
      firstPushedAt: NOW,
      createdAt: NOW,
      updatedAt: NOW,
    })
    .returning()
  return row!
}

async function job(kind: string, payload: unknown): Promise<Job> {
  const [row] = await t.db
    .insert(jobs)
    .values({
      kind,
      payload: JSON.stringify(payload),
      state: 'dead',
      maxAttempts: 1,
      runAt: NOW,
      createdAt: NOW,
      updatedAt: NOW,
    })
    .returning()
  return row!
}

describe('the end of a dead-lettered job', () => {
  it('ends its incident revoke_failed with the reason, records the failed attempt and queues the emails', async () => {
    for (const status of ['new', 'responding'] as const) {
      const i = await incident(status)
      await end(await job('respond', { incidentId: i.id }), REASON)
      const [after] = await t.db.select().from(incidents).where(eq(incidents.id, i.id))
      expect(after!.status).toBe('revoke_failed')
      const attempts = await t.db.select().from(revocations).where(eq(revocations.incidentId, i.id))
      expect(attempts).toMatchObject([{ outcome: 'failed', detail: REASON }])
      const mail = await t.db.select().from(notifications).where(eq(notifications.incidentId, i.id))
      expect(mail).toMatchObject([{ recipient: 'security@acme.example', status: 'pending' }])
    }
  })

  it('ends an incident whose confirmation died revoke_unconfirmed, the revocation having been accepted', async () => {
    const i = await incident('revocation_requested')
    await end(await job('github-confirm-revocation', { incidentId: i.id, check: 0 }), REASON)
    const [after] = await t.db.select().from(incidents).where(eq(incidents.id, i.id))
    expect(after!.status).toBe('revoke_unconfirmed')
    expect(await t.db.select().from(revocations)).toMatchObject([
      { outcome: 'failed', detail: `unconfirmed: ${REASON}` },
    ])
  })

  it('leaves an incident that already ended as it was', async () => {
    const i = await incident('revoked')
    await end(await job('confirm-revocation', { incidentId: i.id, check: 0 }), REASON)
    const [after] = await t.db.select().from(incidents).where(eq(incidents.id, i.id))
    expect(after!.status).toBe('revoked')
    expect(await t.db.select().from(revocations)).toEqual([])
  })

  it('marks its pending notification failed with the reason, and a sent one not', async () => {
    const i = await incident('revoked')
    const [pending, sent] = await t.db
      .insert(notifications)
      .values([
        { incidentId: i.id, recipient: 'a@acme.example', reason: 'commit-author', status: 'pending', createdAt: NOW },
        { incidentId: i.id, recipient: 'b@acme.example', reason: 'security', status: 'sent', createdAt: NOW },
      ])
      .returning()
    await end(await job('notify', { notificationId: pending!.id }), REASON)
    await end(await job('notify', { notificationId: sent!.id }), REASON)
    const rows = await t.db.select().from(notifications).orderBy(notifications.id)
    expect(rows.map((n) => [n.status, n.error])).toEqual([
      ['failed', REASON],
      ['sent', null],
    ])
  })

  it('marks its pending chat or webhook message failed with the reason, as an email', async () => {
    const i = await incident('revoked')
    const [pending] = await t.db
      .insert(channelMessages)
      .values({
        incidentId: i.id,
        channel: 'slack',
        outcome: 'revoked',
        event: 'incident.new',
        status: 'pending',
        createdAt: NOW,
      })
      .returning()
    await end(await job('channel-notify', { messageId: pending!.id }), REASON)
    const [row] = await t.db.select().from(channelMessages)
    expect([row!.status, row!.error]).toEqual(['failed', REASON])
  })
})
