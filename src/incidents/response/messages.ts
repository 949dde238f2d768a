/**
 * The one path every notifier's message takes after it is written (channels.ts writes it): its job reads the record,
 * loads what patrol recorded about the incident once (`loadFacts`), describes it (`IncidentEvent`, the documented
 * body), sends it through the notifier with the id chosen before its first attempt (email's Message-ID, chosen as
 * the record is written: a retry repeats it) and records the result with the attempt. A failure is retried by the
 * queue with backoff; after the last attempt the record ends `failed` with the reason (jobs/give-up.ts
 * `sendFailure`), and a job the Workers dead-letter queue buried gets the same end (`buryMessage`, from
 * jobs/dead-end.ts).
 *
 * A record lives in its ledger: email's in `notifications` (unique per incident, person and purpose), the posted
 * channels' in `channel_messages` (unique per incident, channel and outcome). Both give the same guarantee, exactly
 * one message per key, and the same life: `pending` → `sent` | `failed` (email also `withheld`).
 *
 * @example
 * handlers[NOTIFY_JOB] = messageJob(deps, emailLedger)
 * handlers[CHANNEL_NOTIFY_JOB] = messageJob(deps, channelLedger)
 */
import { and, asc, count, desc, eq, ne } from 'drizzle-orm'
import { incidents, occurrences, revocations } from '../../db/schema.js'
import { atomically, type DB } from '../../db/types.js'
import { sendFailure } from '../../jobs/give-up.js'
import type { JobHandler } from '../../jobs/runner.js'
import { labelOf } from '../../kinds/index.js'
import { IncidentEvent } from '../../notify/channel-event.js'
import { type ChannelId, eventOfStatus, type NotifyEvent } from '../../notify/events.js'
import { safeUrl } from '../../notify/message.js'
import { newMessageId } from '../../notify/message-id.js'
import type { IncidentFacts, Notifier } from '../../notify/notifier.js'
import { pushedText } from '../../notify/pushed-text.js'
import type { Recipient } from '../../notify/recipients.js'
import { mayBeLive, statusLabel } from '../../notify/status-labels.js'
import { isPlatformId, locationLinks, platform } from '../../platforms/index.js'
import type { OwnerAdvice } from '../../platforms/platform.js'
import type { ResponseDeps } from './steps.js'

/** A response stuck in retries, as patrol saw it when it wrote the `needs_attention` message. */
export interface Attention {
  waitingFor: string
  reason?: string
  since: number
  nextAttemptAt?: number
}

/** One message as its ledger holds it. */
export interface MessageRecord {
  id: number
  incidentId: number
  channel: ChannelId
  /** The status the message reports; absent: the incident's status when it is sent (email). */
  outcome?: string
  event: NotifyEvent
  followUp: boolean
  status: string
  attempts: number
  /** For a notifier with addressees (email): who, and why. */
  to?: Recipient
  /** Chosen before the first attempt (ledgers with `keepsIds`). */
  messageId?: string
  attention?: Attention
  notice?: IncidentFacts['notice']
}

/** What channels.ts writes; the ledger keeps it once per its unique key. */
export interface NewMessage {
  incidentId: number
  channel: ChannelId
  outcome: string
  event: NotifyEvent
  followUp: boolean
  to?: Recipient
  /** Email's notice before the outcome (steps.ts QueuedNotice). */
  notice?: { purpose: 'revocation_queued'; plannedAt: number }
  attention?: Attention
  /** The id every attempt sends (ledgers with `keepsIds`: email's Message-ID), chosen as the record is written. */
  messageId?: string
}

export interface MessageLedger {
  /** The job kind that sends one of its records. */
  job: 'notify' | 'channel-notify'
  /** Whether the id a message is sent with is stored (email's Message-ID), or is the body's `delivery`. */
  keepsIds: boolean
  /**
   * Earlier messages about the incident on this channel (to this addressee): any at all, and any that reported an
   * outcome (the first of those is `incident.new`; a stuck response's alert is not one).
   */
  earlier(db: DB, incidentId: number, channel: ChannelId, to?: Recipient): Promise<{ any: boolean; outcome: boolean }>
  /** Writes the record unless its key exists; returns its id and job payload, or undefined (a repeat, or withheld). */
  write(db: DB, m: NewMessage, now: number): Promise<{ id: number; payload: Record<string, unknown> } | undefined>
  read(deps: ResponseDeps, payload: unknown): Promise<MessageRecord | undefined>
  update(db: DB, id: number, set: MessageUpdate): Promise<void>
  /** Ends a pending record `failed` with `reason` (a job the dead-letter queue buried). */
  bury(db: DB, payload: unknown, reason: string): Promise<void>
}

export interface MessageUpdate {
  status?: 'sent' | 'failed'
  error?: string | null
  attempts?: number
  sentAt?: number
  messageId?: string
}

export function messageJob(deps: ResponseDeps, ledger: MessageLedger): JobHandler {
  return async (_job, payload, attempt) => {
    const m = await ledger.read(deps, payload)
    if (m?.status !== 'pending') return
    const notifier = (deps.notifiers ?? []).find((n) => n.channel === m.channel)
    const facts = notifier && (await loadFacts(deps, m.incidentId, m.notice))
    if (!notifier || !facts) {
      const error = notifier ? 'incident gone' : `${m.channel} is no longer configured`
      await ledger.update(deps.db, m.id, { status: 'failed', error })
      return
    }
    const event = describeIncident(deps, facts, m, notifier)
    // Chosen once, when the record was written (channels.ts): every attempt sends the same id. A record written
    // without one (before ids were chosen at writing) gets it stored before its first attempt.
    const id = ledger.keepsIds ? (m.messageId ?? newMessageId(deps.mail.publicUrl)) : event.delivery
    if (ledger.keepsIds && !m.messageId) await ledger.update(deps.db, m.id, { messageId: id })
    // The attempt is counted with its result, in the same statement.
    const attempts = m.attempts + 1
    try {
      const sent = await notifier.send({ event, facts, id, ...(m.to ? { to: m.to } : {}) })
      await ledger.update(deps.db, m.id, {
        status: 'sent',
        sentAt: deps.now(),
        error: null,
        attempts,
        ...(ledger.keepsIds ? { messageId: sent?.id ?? id } : {}),
      })
      deps.log.info('notify.sent', { incident: m.incidentId, channel: m.channel, event: m.event, record: m.id })
    } catch (error) {
      await ledger.update(deps.db, m.id, { ...sendFailure(error, attempt), attempts })
      throw error
    }
  }
}

/** What patrol recorded about the incident: the row, its first five places with links, the latest attempt. */
export async function loadFacts(
  deps: ResponseDeps,
  incidentId: number,
  notice?: IncidentFacts['notice'],
): Promise<IncidentFacts | undefined> {
  // One round trip instead of four (docs/architecture.md "Runtimes").
  const [[incident], places, [counted], [latest]] = await atomically(deps.db, [
    deps.db.select().from(incidents).where(eq(incidents.id, incidentId)),
    deps.db
      .select()
      .from(occurrences)
      .where(eq(occurrences.incidentId, incidentId))
      .orderBy(asc(occurrences.id))
      .limit(5),
    deps.db.select({ places: count() }).from(occurrences).where(eq(occurrences.incidentId, incidentId)),
    deps.db
      .select()
      .from(revocations)
      .where(and(eq(revocations.incidentId, incidentId), ne(revocations.outcome, 'error')))
      .orderBy(desc(revocations.id))
      .limit(1),
  ])
  if (!incident) return undefined
  return {
    incident,
    places: places.map((o) => {
      // Links from the configured hosts; an occurrence of a platform patrol does not know gets none.
      const links = locationLinks(deps.config, o.provider, {
        repository: o.repository,
        branch: o.ref ?? undefined,
        commit: o.commitSha || undefined,
        path: o.path,
        line: o.line,
      })
      return { ...o, ...('error' in links ? {} : { links }) }
    }),
    occurrences: counted?.places ?? places.length,
    ...(latest ? { latest } : {}),
    advice: adviceFor(incident.issuer),
    ...(notice ? { notice } : {}),
  }
}

/** The issuer's sentences; for an issuer no platform registered, neutral ones that say so (never another's). */
function adviceFor(issuer: string): OwnerAdvice {
  if (isPlatformId(issuer)) return platform(issuer).advice
  return { auditLog: 'Check the issuer’s audit log for what the token did since the commit.' }
}

/** The status a record reports: its outcome (a stuck alert's `<status>:stuck:<since>`), else the incident's. */
export function reportedStatus(m: Pick<MessageRecord, 'outcome'>, incidentStatus: string): string {
  return m.outcome?.split(':')[0] ?? incidentStatus
}

/** The documented body (channel-event.ts): every pushed string cleaned, previews only, links patrol built. */
export function describeIncident(deps: ResponseDeps, f: IncidentFacts, m: MessageRecord, n: Notifier): IncidentEvent {
  const { incident } = f
  const status = reportedStatus(m, incident.status)
  const base = deps.mail.publicUrl.replace(/\/+$/, '')
  const outcomeEvent = eventOfStatus(status)
  const events = [...new Set([m.event, ...(outcomeEvent ? [outcomeEvent] : [])])]
  const owner = incident.ownerName ?? incident.ownerEmail ?? undefined
  const a = m.attention
  const body: IncidentEvent = {
    version: 1,
    delivery: `${incident.id}:${m.outcome ?? status}:${m.channel}${m.to ? `:${m.id}` : ''}`,
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
      status,
      statusLabel: statusLabel(status),
      mayBeLive: mayBeLive(status),
      firstSeenAt: new Date(incident.firstSeenAt).toISOString(),
      publishedExample: incident.publishedExample,
      ...(owner ? { owner: pushedText(owner, 200) } : {}),
      occurrences: f.occurrences,
    },
    ...(a
      ? {
          waiting: {
            for: a.waitingFor,
            ...(a.reason ? { reason: pushedText(a.reason, 300) } : {}),
            since: new Date(a.since).toISOString(),
            ...(a.nextAttemptAt ? { nextAttemptAt: new Date(a.nextAttemptAt).toISOString() } : {}),
          },
        }
      : {}),
    response: f.latest
      ? { outcome: f.latest.outcome, detail: pushedText(f.latest.detail ?? '', 500) || undefined }
      : {},
    locations: f.places.map((o) => {
      const author = o.authorName ?? o.authorEmail
      return {
        repository: pushedText(o.repository),
        branch: o.ref ? pushedText(o.ref.replace(/^refs\/heads\//, '')) : undefined,
        commit: o.commitSha || undefined,
        path: pushedText(o.path),
        line: o.line || undefined,
        ...(author ? { author: pushedText(author, 200) } : {}),
        links: o.links ? { repository: o.links.repository, commit: o.links.commit, file: o.links.file } : {},
      }
    }),
  }
  // The documented shape is the contract: a body that does not match it is a bug, not something to send.
  return IncidentEvent.parse(body)
}
