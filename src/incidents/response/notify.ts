/**
 * Email's ledger: the `notifications` table, one row per incident, person and purpose (unique, so retries and
 * repeated sightings never send a second one), and the `notify` job that sends a row through the one message path
 * (messages.ts) and the email notifier (notify/email.ts). Purposes: `outcome` (the first message, `incident.new`);
 * `revocation_queued`, a notice sent before it that says when the revocation is planned, never that it happened;
 * `mass_leak`, the one alert about a push of many tokens (ingest/mass-leak.ts). A person not to be mailed
 * (PATROL_NOTIFY_DOMAINS) is a `withheld` row with the reason, so the incident shows who was not told.
 *
 * @example
 * handlers[NOTIFY_JOB] = notifyJob(deps)
 */
import { and, asc, count, eq } from 'drizzle-orm'
import { incidents, notifications, occurrences, pushes } from '../../db/schema.js'
import type { JobPayloads } from '../../jobs/kinds.js'
import type { JobHandler } from '../../jobs/runner.js'
import { isTokenKind, kindOf } from '../../kinds/index.js'
import type { MassLeakEmailInput } from '../../notify/message.js'
import { type MessageLedger, messageJob } from './messages.js'
import type { ResponseDeps } from './steps.js'

export const emailLedger: MessageLedger = {
  job: 'notify',
  keepsIds: true,
  async earlier(db, incidentId, _channel, to) {
    const [row] = await db
      .select({ id: notifications.id })
      .from(notifications)
      .where(
        and(
          eq(notifications.incidentId, incidentId),
          eq(notifications.recipient, to?.address ?? ''),
          eq(notifications.purpose, 'outcome'),
        ),
      )
      .limit(1)
    return { any: Boolean(row), outcome: Boolean(row) }
  },
  async write(db, m, now) {
    if (!m.to) return undefined
    const [row] = await db
      .insert(notifications)
      .values({
        incidentId: m.incidentId,
        recipient: m.to.address,
        reason: m.to.reason,
        status: m.to.withheld ? 'withheld' : 'pending',
        error: m.to.withheld,
        createdAt: now,
        purpose: m.notice?.purpose ?? 'outcome',
        messageId: m.to.withheld ? null : (m.messageId ?? null),
      })
      .onConflictDoNothing()
      .returning({ id: notifications.id })
    if (!row || m.to.withheld) return undefined
    return { id: row.id, payload: { notificationId: row.id, ...(m.notice ? { plannedAt: m.notice.plannedAt } : {}) } }
  },
  async read(deps, payload) {
    const { notificationId, plannedAt, pushId } = payload as JobPayloads['notify']
    const [n] = await deps.db.select().from(notifications).where(eq(notifications.id, notificationId))
    if (!n) return undefined
    const notice =
      n.purpose === 'revocation_queued' && plannedAt !== undefined
        ? { purpose: 'revocation_queued' as const, plannedAt }
        : n.purpose === 'mass_leak' && pushId !== undefined
          ? { purpose: 'mass_leak' as const, alert: await massLeakAlert(deps, pushId) }
          : undefined
    return {
      id: n.id,
      incidentId: n.incidentId,
      channel: 'email',
      event: 'incident.new',
      followUp: false,
      status: n.status,
      attempts: n.attempts,
      to: { address: n.recipient, reason: n.reason },
      ...(n.messageId ? { messageId: n.messageId } : {}),
      ...(notice ? { notice } : {}),
    }
  },
  async update(db, id, set) {
    await db.update(notifications).set(set).where(eq(notifications.id, id))
  },
  async bury(db, payload, reason) {
    const { notificationId } = payload as JobPayloads['notify']
    await db
      .update(notifications)
      .set({ status: 'failed', error: reason })
      .where(and(eq(notifications.id, notificationId), eq(notifications.status, 'pending')))
  },
}

export function notifyJob(deps: ResponseDeps): JobHandler {
  return messageJob(deps, emailLedger)
}

/** The mass-leak alert about push `pushId`: its tokens counted by kind (ingest/mass-leak.ts). */
async function massLeakAlert(deps: ResponseDeps, pushId: number): Promise<MassLeakEmailInput> {
  const [push] = await deps.db.select().from(pushes).where(eq(pushes.id, pushId))
  const [first] = await deps.db
    .select()
    .from(occurrences)
    .where(eq(occurrences.pushId, pushId))
    .orderBy(asc(occurrences.id))
    .limit(1)
  const rows = await deps.db
    .select({ kind: incidents.kind, n: count() })
    .from(incidents)
    .where(eq(incidents.massLeakPushId, pushId))
    .groupBy(incidents.kind)
  const kinds = Object.fromEntries(rows.map((r) => [isTokenKind(r.kind) ? kindOf(r.kind).label : r.kind, r.n]))
  return {
    repository: push?.repository ?? first?.repository ?? 'an unknown repository',
    ref: push?.ref ?? first?.ref ?? undefined,
    pusher: first?.pusherName ?? first?.pusherEmail ?? undefined,
    kinds,
    publicUrl: deps.mail.publicUrl,
  }
}
