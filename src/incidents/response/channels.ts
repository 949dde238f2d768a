/**
 * Chat and webhook messages about an incident (Slack, Teams, the signed webhook: src/notify/notifier.ts).
 * `enqueueChannelMessages` is called wherever an incident's outcome is settled (next to the emails); it writes one
 * `channel_messages` row per channel and outcome (unique, so a repeat adds nothing) when the channel subscribes to
 * the event, and queues a `channel-notify` job for it. A changed outcome is a new row: the follow-up. The job sends
 * it with retries and backoff from the queue; after the last attempt the row ends `failed`, visibly.
 *
 * @example
 * await enqueueChannelMessages(deps, incidentId)   // after the response's outcome, from enqueueNotifications
 * handlers[CHANNEL_NOTIFY_JOB] = channelNotifyJob(deps)
 */
import { and, asc, count, desc, eq, ne } from 'drizzle-orm'
import { channelMessages, incidents, occurrences, revocations } from '../../db/schema.js'
import { sendFailure } from '../../jobs/give-up.js'
import { enqueue } from '../../jobs/queue.js'
import type { JobHandler } from '../../jobs/runner.js'
import { labelOf } from '../../kinds/index.js'
import { IncidentEvent } from '../../notify/channel-event.js'
import { eventOfStatus, type NotifyEvent } from '../../notify/events.js'
import { safeUrl } from '../../notify/message.js'
import type { Notifier } from '../../notify/notifier.js'
import { pushedText } from '../../notify/pushed-text.js'
import { mayBeLive, statusLabel } from '../../notify/status-labels.js'
import { locationLinks } from '../../platforms/index.js'
import type { ResponseDeps } from './steps.js'

export const CHANNEL_NOTIFY_JOB = 'channel-notify'

/** One row (and job) per configured channel that subscribes to the incident's current outcome. */
export async function enqueueChannelMessages(deps: ResponseDeps, incidentId: number): Promise<void> {
  const notifiers = deps.notifiers ?? []
  if (notifiers.length === 0) return
  const [incident] = await deps.db.select().from(incidents).where(eq(incidents.id, incidentId))
  const outcomeEvent = incident && eventOfStatus(incident.status)
  if (!incident || !outcomeEvent) return
  const now = deps.now()
  for (const n of notifiers) {
    const [earlier] = await deps.db
      .select({ id: channelMessages.id })
      .from(channelMessages)
      .where(and(eq(channelMessages.incidentId, incidentId), eq(channelMessages.channel, n.channel)))
      .limit(1)
    const events: NotifyEvent[] = earlier ? [outcomeEvent] : ['incident.new', outcomeEvent]
    const event = events.find((e) => n.events.includes(e))
    if (!event) continue
    const [row] = await deps.db
      .insert(channelMessages)
      .values({
        incidentId,
        channel: n.channel,
        outcome: incident.status,
        event,
        followUp: Boolean(earlier),
        status: 'pending',
        createdAt: now,
      })
      .onConflictDoNothing()
      .returning({ id: channelMessages.id })
    if (row)
      await enqueue(
        deps.db,
        { kind: CHANNEL_NOTIFY_JOB, payload: { messageId: row.id }, key: `${CHANNEL_NOTIFY_JOB}:${row.id}` },
        now,
      )
  }
}

export function channelNotifyJob(deps: ResponseDeps): JobHandler {
  return async (_job, payload, attempt) => {
    const { messageId } = payload as { messageId: number }
    const [m] = await deps.db.select().from(channelMessages).where(eq(channelMessages.id, messageId))
    if (m?.status !== 'pending') return
    const notifier = (deps.notifiers ?? []).find((n) => n.channel === m.channel)
    if (!notifier) {
      await deps.db
        .update(channelMessages)
        .set({ status: 'failed', error: `${m.channel} is no longer configured` })
        .where(eq(channelMessages.id, m.id))
      return
    }
    const body = await describeIncident(deps, m, notifier)
    await deps.db
      .update(channelMessages)
      .set({ attempts: m.attempts + 1 })
      .where(eq(channelMessages.id, m.id))
    try {
      if (body) await notifier.send(body)
      await deps.db
        .update(channelMessages)
        .set(body ? { status: 'sent', sentAt: deps.now(), error: null } : { status: 'failed', error: 'incident gone' })
        .where(eq(channelMessages.id, m.id))
      deps.log.info('channel.sent', { incident: m.incidentId, channel: m.channel, event: m.event })
    } catch (error) {
      await deps.db.update(channelMessages).set(sendFailure(error, attempt)).where(eq(channelMessages.id, m.id))
      throw error
    }
  }
}

/** The event body from what patrol recorded: the outcome the row reports, the latest attempt, five places. */
async function describeIncident(
  deps: ResponseDeps,
  m: typeof channelMessages.$inferSelect,
  n: Notifier,
): Promise<IncidentEvent | undefined> {
  const [incident] = await deps.db.select().from(incidents).where(eq(incidents.id, m.incidentId))
  if (!incident) return undefined
  const places = await deps.db
    .select()
    .from(occurrences)
    .where(eq(occurrences.incidentId, incident.id))
    .orderBy(asc(occurrences.id))
    .limit(5)
  const [counted] = await deps.db
    .select({ places: count() })
    .from(occurrences)
    .where(eq(occurrences.incidentId, incident.id))
  const [latest] = await deps.db
    .select()
    .from(revocations)
    .where(and(eq(revocations.incidentId, incident.id), ne(revocations.outcome, 'error')))
    .orderBy(desc(revocations.id))
    .limit(1)
  const base = deps.mail.publicUrl.replace(/\/+$/, '')
  const outcomeEvent = eventOfStatus(m.outcome)
  const events = [...new Set([m.event, ...(outcomeEvent ? [outcomeEvent] : [])])]
  const owner = incident.ownerName ?? incident.ownerEmail ?? undefined
  const body: IncidentEvent = {
    version: 1,
    delivery: `${incident.id}:${m.outcome}:${m.channel}`,
    event: m.event,
    events: events.filter((e) => e === m.event || n.events.includes(e)),
    followUp: m.followUp,
    channel: m.channel,
    sentAt: new Date(deps.now()).toISOString(),
    incident: {
      id: incident.id,
      ...(safeUrl(base) ? { url: `${base}/admin/incidents/${incident.id}` } : {}),
      kind: incident.kind,
      kindLabel: labelOf(incident.kind),
      preview: incident.preview,
      issuer: incident.issuer,
      // The outcome the row was written for: a message reports what patrol knew when it was decided.
      status: m.outcome,
      statusLabel: statusLabel(m.outcome),
      mayBeLive: mayBeLive(m.outcome),
      firstSeenAt: new Date(incident.firstSeenAt).toISOString(),
      publishedExample: incident.publishedExample,
      ...(owner ? { owner: pushedText(owner, 200) } : {}),
      occurrences: counted?.places ?? places.length,
    },
    response: latest ? { outcome: latest.outcome, detail: pushedText(latest.detail ?? '', 500) || undefined } : {},
    locations: places.map((o) => {
      const place = {
        repository: pushedText(o.repository),
        branch: o.ref ? pushedText(o.ref.replace(/^refs\/heads\//, '')) : undefined,
        commit: o.commitSha || undefined,
        path: pushedText(o.path),
        line: o.line || undefined,
      }
      const links = locationLinks(deps.config, o.provider, {
        repository: o.repository,
        branch: o.ref ?? undefined,
        commit: o.commitSha || undefined,
        path: o.path,
        line: o.line,
      })
      const author = o.authorName ?? o.authorEmail
      return {
        ...place,
        ...(author ? { author: pushedText(author, 200) } : {}),
        links: 'error' in links ? {} : { repository: links.repository, commit: links.commit, file: links.file },
      }
    }),
  }
  // The documented shape is the contract: a body that does not match it is a bug, not something to send.
  return IncidentEvent.parse(body)
}
