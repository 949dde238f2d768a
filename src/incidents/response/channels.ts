/**
 * Where every notifier's messages are written: `enqueueMessages` runs wherever an incident's outcome is settled
 * (from `enqueueNotifications`, steps.ts) and `enqueueNeedsAttention` when a response has been stuck in retries
 * (stuck-alerts.ts). For each configured notifier (notify/notifier.ts: email, Slack, Teams, the webhook) that
 * subscribes to the event, and for each of its addressees (email: each person; the others: their one place), it
 * writes one record in the notifier's ledger (unique, so a repeat adds nothing) and queues the job that sends it
 * (messages.ts). A changed outcome is a new record on a posted channel: the follow-up. Email's ledger is
 * `notifications` (notify.ts); the posted channels' is `channel_messages`, here.
 *
 * @example
 * await enqueueMessages(deps, incidentId)   // after the response's outcome
 * handlers[CHANNEL_NOTIFY_JOB] = channelNotifyJob(deps)
 */
import { and, asc, eq } from 'drizzle-orm'
import { channelMessages, incidents, type Job, occurrences } from '../../db/schema.js'
import { atomically } from '../../db/types.js'
import { enqueue } from '../../jobs/queue.js'
import type { JobHandler } from '../../jobs/runner.js'
import { eventOfStatus, type NotifyEvent } from '../../notify/events.js'
import { newMessageId } from '../../notify/message-id.js'
import type { Notifier } from '../../notify/notifier.js'
import { type Attention, type MessageLedger, messageJob, type NewMessage } from './messages.js'
import { emailLedger } from './notify.js'
import type { QueuedNotice, ResponseDeps } from './steps.js'

export const CHANNEL_NOTIFY_JOB = 'channel-notify'

/** A stuck response's alert reports `<status>:stuck:<since>`: one record per stuck episode. */
const STUCK = ':stuck:'

export const channelLedger: MessageLedger = {
  job: 'channel-notify',
  keepsIds: false,
  async earlier(db, incidentId, channel) {
    const rows = await db
      .select({ outcome: channelMessages.outcome })
      .from(channelMessages)
      .where(and(eq(channelMessages.incidentId, incidentId), eq(channelMessages.channel, channel)))
    return { any: rows.length > 0, outcome: rows.some((r) => !r.outcome.includes(STUCK)) }
  },
  async write(db, m, now) {
    const [row] = await db
      .insert(channelMessages)
      .values({
        incidentId: m.incidentId,
        channel: m.channel,
        outcome: m.outcome,
        event: m.event,
        followUp: m.followUp,
        status: 'pending',
        createdAt: now,
        attention: m.attention ? JSON.stringify(m.attention) : null,
      })
      .onConflictDoNothing()
      .returning({ id: channelMessages.id })
    return row ? { id: row.id, payload: { messageId: row.id } } : undefined
  },
  async read(deps, payload) {
    const { messageId } = payload as { messageId: number }
    const [m] = await deps.db.select().from(channelMessages).where(eq(channelMessages.id, messageId))
    if (!m) return undefined
    return {
      id: m.id,
      incidentId: m.incidentId,
      channel: m.channel,
      outcome: m.outcome,
      event: m.event,
      followUp: m.followUp,
      status: m.status,
      attempts: m.attempts,
      ...(m.attention ? { attention: JSON.parse(m.attention) as Attention } : {}),
    }
  },
  async update(db, id, set) {
    const { messageId: _kept, ...columns } = set
    await db.update(channelMessages).set(columns).where(eq(channelMessages.id, id))
  },
  async bury(db, payload, reason) {
    const { messageId } = payload as { messageId: number }
    await db
      .update(channelMessages)
      .set({ status: 'failed', error: reason })
      .where(and(eq(channelMessages.id, messageId), eq(channelMessages.status, 'pending')))
  },
}

export function channelNotifyJob(deps: ResponseDeps): JobHandler {
  return messageJob(deps, channelLedger)
}

/** A notifier's ledger: per person (email) or per channel. */
function ledgerOf(n: Notifier): MessageLedger {
  return n.addressees ? emailLedger : channelLedger
}

/**
 * The messages of the incident's current outcome, one per notifier (and addressee) that subscribes to its event:
 * `incident.new` for a channel's first, then the outcome's event (the follow-up). `notice`: the "revocation queued"
 * message to the people instead (email only; the posted channels hear of the outcome). `securityOnly`: no owner,
 * author or pusher is addressed.
 */
export async function enqueueMessages(
  deps: ResponseDeps,
  incidentId: number,
  o: { securityOnly?: boolean; notice?: QueuedNotice } = {},
): Promise<void> {
  const [[incident], [first]] = await atomically(deps.db, [
    deps.db
      .select({ status: incidents.status, ownerEmail: incidents.ownerEmail, massLeakPushId: incidents.massLeakPushId })
      .from(incidents)
      .where(eq(incidents.id, incidentId)),
    deps.db
      .select({ authorEmail: occurrences.authorEmail, pusherEmail: occurrences.pusherEmail })
      .from(occurrences)
      .where(eq(occurrences.incidentId, incidentId))
      .orderBy(asc(occurrences.id))
      .limit(1),
  ])
  if (!incident) return
  const outcomeEvent = eventOfStatus(incident.status)
  const people = {
    ownerEmail: incident.ownerEmail ?? undefined,
    authorEmail: first?.authorEmail ?? undefined,
    pusherEmail: first?.pusherEmail ?? undefined,
    securityOnly: o.securityOnly,
  }
  for (const n of deps.notifiers ?? []) {
    if (o.notice && !n.addressees) continue
    // A status no message is about (an admin closed the incident while patrol responded): the channels hear nothing
    // of it, but the people named still get their one message about what patrol did.
    if (!o.notice && !outcomeEvent && !n.addressees) continue
    // Part of a mass leak: its people get the push's one alert (ingest/mass-leak.ts), not a message per token.
    if (n.addressees && incident.massLeakPushId != null) continue
    const addressees = n.addressees?.(people)
    if (addressees && !o.notice && !addressees.some((r) => !r.withheld))
      deps.log.warn('notify.no_recipient', { incident: incidentId, channel: n.channel })
    for (const to of addressees ?? [undefined]) {
      const ledger = ledgerOf(n)
      const earlier = await ledger.earlier(deps.db, incidentId, n.channel, to)
      const events: NotifyEvent[] = [
        ...(o.notice || !earlier.outcome ? (['incident.new'] as const) : []),
        ...(outcomeEvent ? [outcomeEvent] : []),
      ]
      const event = events.find((e) => n.events.includes(e))
      if (!event) continue
      await write(deps, ledger, {
        incidentId,
        channel: n.channel,
        outcome: incident.status,
        event,
        followUp: earlier.any,
        ...(to ? { to } : {}),
        ...(o.notice ? { notice: o.notice } : {}),
      })
    }
  }
}

/**
 * One `needs_attention` message per stuck episode (its start, `attention.since`, is in the record's key) to each
 * posted channel that subscribes: a response that keeps failing and retrying. People are not mailed about it: they
 * get the outcome once it is settled.
 */
export async function enqueueNeedsAttention(
  deps: ResponseDeps,
  incident: { id: number; status: string },
  a: Attention,
): Promise<number> {
  let written = 0
  for (const n of deps.notifiers ?? []) {
    if (n.addressees || !n.events.includes('needs_attention')) continue
    const earlier = await channelLedger.earlier(deps.db, incident.id, n.channel)
    const wrote = await write(deps, channelLedger, {
      incidentId: incident.id,
      channel: n.channel,
      outcome: `${incident.status}${STUCK}${a.since}`,
      event: 'needs_attention',
      followUp: earlier.any,
      attention: a,
    })
    if (wrote) written++
  }
  return written
}

/** Writes one record and queues its job; false when the record existed (or is withheld). */
async function write(deps: ResponseDeps, ledger: MessageLedger, m: NewMessage): Promise<boolean> {
  const now = deps.now()
  const written = await ledger.write(
    deps.db,
    ledger.keepsIds ? { ...m, messageId: newMessageId(deps.mail.publicUrl) } : m,
    now,
  )
  if (written)
    await enqueue(deps.db, { kind: ledger.job, payload: written.payload, key: `${ledger.job}:${written.id}` }, now)
  return Boolean(written)
}

/** The end of a message job the Workers dead-letter queue buried (jobs/dead-end.ts): its record `failed`. */
export async function buryMessage(deps: ResponseDeps, job: Job, reason: string): Promise<void> {
  const ledger = [emailLedger, channelLedger].find((l) => l.job === job.kind)
  await ledger?.bury(deps.db, JSON.parse(job.payload), reason)
}
