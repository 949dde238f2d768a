/**
 * What admins read: the incident list (filters, keyset pagination that stays stable while new incidents arrive),
 * one incident as a timeline, and the numbers of the dashboard. Read-only, and written once for SQLite and D1.
 *
 * @example
 * const page = await listIncidents(db, { status: 'revoke_failed', limit: 50 })
 * const next = await listIncidents(db, { status: 'revoke_failed', limit: 50, cursor: page.nextCursor })
 */
import { and, asc, count, desc, eq, gte, inArray, isNotNull, lt, or, type SQL, sql } from 'drizzle-orm'
import {
  auditEvents,
  channelMessages,
  type Incident,
  incidents,
  jobs,
  notifications,
  occurrences,
  revocations,
} from '../../db/schema.js'
import { type DB, slices } from '../../db/types.js'
import { stuckLists, UNSCANNED_ALARM_MS } from '../../jobs/stuck.js'
import { mayBeLive, riskRank, statusLabel } from '../../notify/status-labels.js'
import { type OccurrenceSource, SOURCE_LABELS } from '../../platforms/content-event.js'
import { PLATFORM_LABELS, type PlatformId } from '../../platforms/ids.js'
import type { RevocationCandidate } from '../../platforms/types.js'
import { type IncidentStatus, STATUSES } from '../states.js'

export interface IncidentFilter {
  /** One status or several (any of them). */
  status?: IncidentStatus | readonly IncidentStatus[]
  /** Only incidents whose token may still be live (status-labels.ts `mayBeLive`), suppressed ones left out. */
  attention?: boolean
  kind?: string
  issuer?: PlatformId
  repository?: string
  /** Seen at least once from this source (`push`, `comment`, `work_item`, `alert`, `cli`…). */
  source?: OccurrenceSource
  /** First seen at or after (ms). */
  since?: number
  /** First seen before (ms). */
  until?: number
  /** Incidents this suppression matched. */
  suppressionId?: number
  /** Incidents seen in this push (a commit with 45 tokens is one push). */
  pushId?: number
  /** Free text: preview, owner, repository, path, commit, author or pusher. */
  q?: string
  limit: number
  cursor?: string
}

export interface IncidentSummary {
  id: number
  status: IncidentStatus
  kind: string
  issuer: PlatformId
  preview: string
  firstSeenAt: string
  lastSeenAt: string
  occurrences: number
  repositories: string[]
  owner: { name: string | null; email: string | null; login: string | null }
  /** "Requested after": from the push that first carried the token to the issuer accepting its revocation request. */
  timeToRevocationRequestMs: number | null
  /** "Confirmed dead after": from that push to patrol seeing the token stop authenticating (state `revoked`). */
  timeToRevokeMs: number | null
}

/** The position after the last item of a page: newest first, by (first seen, id). Opaque to clients. */
interface Cursor {
  t: number
  id: number
}

export function encodeCursor(c: Cursor): string {
  return btoa(JSON.stringify(c)).replace(/=+$/, '')
}

/** The cursor, or undefined when it is not one patrol made. */
export function decodeCursor(text: string): Cursor | undefined {
  try {
    const c = JSON.parse(atob(text)) as Cursor
    return Number.isInteger(c.t) && Number.isInteger(c.id) ? c : undefined
  } catch {
    return undefined
  }
}

/** The conditions of a filter (without its cursor), shared by the API's list, the page's list and the CSV. */
function filterConditions(db: DB, f: Omit<IncidentFilter, 'limit' | 'cursor'>): SQL[] {
  const where: SQL[] = []
  const statuses = typeof f.status === 'string' ? [f.status] : (f.status ?? [])
  if (statuses.length) where.push(inArray(incidents.status, [...statuses]))
  if (f.attention) where.push(inArray(incidents.status, ATTENTION_STATUSES))
  if (f.kind) where.push(eq(incidents.kind, f.kind))
  if (f.source)
    where.push(
      inArray(
        incidents.id,
        db.select({ id: occurrences.incidentId }).from(occurrences).where(eq(occurrences.source, f.source)),
      ),
    )
  if (f.suppressionId !== undefined) where.push(eq(incidents.suppressionId, f.suppressionId))
  if (f.pushId !== undefined)
    where.push(
      inArray(
        incidents.id,
        db.select({ id: occurrences.incidentId }).from(occurrences).where(eq(occurrences.pushId, f.pushId)),
      ),
    )
  if (f.issuer) where.push(eq(incidents.issuer, f.issuer))
  if (f.since !== undefined) where.push(gte(incidents.firstSeenAt, f.since))
  if (f.until !== undefined) where.push(lt(incidents.firstSeenAt, f.until))
  const like = (column: Parameters<typeof sql>[1], value: string) =>
    sql`${column} like ${`%${value.replace(/[\\%_]/g, (m) => `\\${m}`)}%`} escape '\\'`
  const inOccurrences = (cond: SQL | undefined) =>
    inArray(incidents.id, db.select({ id: occurrences.incidentId }).from(occurrences).where(cond))
  // A part of the name, any case (SQLite's LIKE folds ASCII case, as D1's does).
  if (f.repository) where.push(inOccurrences(like(occurrences.repository, f.repository)))
  if (f.q) {
    const text = (column: Parameters<typeof sql>[1]) => like(column, f.q!)
    where.push(
      or(
        text(incidents.preview),
        text(incidents.ownerEmail),
        text(incidents.ownerName),
        inOccurrences(
          or(
            text(occurrences.repository),
            text(occurrences.path),
            text(occurrences.commitSha),
            text(occurrences.authorName),
            text(occurrences.authorEmail),
            text(occurrences.pusherName),
            text(occurrences.pusherEmail),
          ),
        ),
      )!,
    )
  }
  return where
}

/** Statuses in which the token may still be live and nobody decided to leave it: the "needs attention" view. */
export const ATTENTION_STATUSES: IncidentStatus[] = STATUSES.filter((s) => mayBeLive(s) && s !== 'suppressed')

export async function listIncidents(
  db: DB,
  f: IncidentFilter,
): Promise<{ items: IncidentSummary[]; nextCursor: string | null }> {
  const where = filterConditions(db, f)
  if (f.cursor) {
    const c = decodeCursor(f.cursor)
    if (c) where.push(or(lt(incidents.firstSeenAt, c.t), and(eq(incidents.firstSeenAt, c.t), lt(incidents.id, c.id)))!)
  }
  const rows = await db
    .select({
      incident: incidents,
      // Written out: drizzle leaves column names unqualified inside sql``, and both tables have an "id".
      occurrences: sql<number>`(select count(*) from "occurrences" o where o."incident_id" = "incidents"."id")`,
      repositories: sql<
        string | null
      >`(select group_concat(distinct o."repository") from "occurrences" o where o."incident_id" = "incidents"."id")`,
    })
    .from(incidents)
    .where(and(...where))
    .orderBy(desc(incidents.firstSeenAt), desc(incidents.id))
    .limit(f.limit + 1)
  const page = rows.slice(0, f.limit)
  const last = page.at(-1)
  return {
    items: page.map((r) => summarize(r.incident, r.occurrences, r.repositories)),
    nextCursor:
      rows.length > f.limit && last ? encodeCursor({ t: last.incident.firstSeenAt, id: last.incident.id }) : null,
  }
}

function summarize(i: Incident, occurrenceCount: number, repositories: string | null): IncidentSummary {
  return {
    id: i.id,
    status: i.status,
    kind: i.kind,
    issuer: i.issuer,
    preview: i.preview,
    firstSeenAt: new Date(i.firstSeenAt).toISOString(),
    lastSeenAt: new Date(i.lastSeenAt).toISOString(),
    occurrences: occurrenceCount,
    repositories: repositories ? repositories.split(',').sort() : [],
    owner: { name: i.ownerName, email: i.ownerEmail, login: i.ownerLogin },
    timeToRevocationRequestMs: i.revokedAt ? i.revokedAt - i.firstPushedAt : null,
    timeToRevokeMs: i.confirmedDeadAt ? i.confirmedDeadAt - i.firstPushedAt : null,
  }
}

export interface TimelineEntry {
  at: string
  type: 'occurrence' | 'revocation' | 'notification' | 'audit'
  summary: string
  detail: Record<string, unknown>
}

export async function getIncident(db: DB, id: number) {
  const [incident] = await db.select().from(incidents).where(eq(incidents.id, id))
  if (!incident) return undefined
  const [places, attempts, emails, audit, messages] = await Promise.all([
    db.select().from(occurrences).where(eq(occurrences.incidentId, id)).orderBy(asc(occurrences.id)),
    db.select().from(revocations).where(eq(revocations.incidentId, id)).orderBy(asc(revocations.id)),
    db.select().from(notifications).where(eq(notifications.incidentId, id)).orderBy(asc(notifications.id)),
    db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.subjectType, 'incident'), eq(auditEvents.subjectId, id)))
      .orderBy(asc(auditEvents.id)),
    db.select().from(channelMessages).where(eq(channelMessages.incidentId, id)).orderBy(asc(channelMessages.id)),
  ])
  const iso = (ms: number) => new Date(ms).toISOString()
  const timeline: TimelineEntry[] = [
    ...places.map((o) => ({
      at: iso(o.seenAt),
      type: 'occurrence' as const,
      summary: `${o.source === 'push' ? '' : `${SOURCE_LABELS[o.source]}: `}seen in ${o.repository} ${o.path}:${o.line}${o.encoding === 'plain' ? '' : ` (${o.encoding})`}`,
      detail: {
        id: o.id,
        provider: o.provider,
        repository: o.repository,
        ref: o.ref,
        commit: o.commitSha || null,
        path: o.path,
        line: o.line,
        encoding: o.encoding,
      },
    })),
    ...attempts.map((r) => ({
      at: iso(r.at),
      type: 'revocation' as const,
      summary: `${PLATFORM_LABELS[r.issuer as PlatformId] ?? r.issuer}: ${ATTEMPT_WORDS[r.outcome] ?? r.outcome}`,
      detail: {
        id: r.id,
        issuer: r.issuer,
        outcome: r.outcome,
        detail: r.detail,
        ...(r.candidates ? { candidates: JSON.parse(r.candidates) as unknown } : {}),
      },
    })),
    ...emails.map((n) => ({
      at: iso(n.sentAt ?? n.createdAt),
      type: 'notification' as const,
      summary: `email to ${n.recipient} (${n.reason}): ${n.status}`,
      detail: { id: n.id, recipient: n.recipient, reason: n.reason, status: n.status, error: n.error },
    })),
    ...messages.map((m) => ({
      at: iso(m.sentAt ?? m.createdAt),
      type: 'notification' as const,
      summary: `${CHANNEL_NAMES[m.channel]} message${m.followUp ? ' (follow-up)' : ''} about “${statusLabel(m.outcome)}”: ${m.status}${m.attempts > 1 ? ` after ${m.attempts} attempts` : ''}`,
      detail: { id: m.id, channel: m.channel, event: m.event, status: m.status, error: m.error },
    })),
    ...audit.map((e) => ({
      at: iso(e.at),
      type: 'audit' as const,
      summary: `${e.actor === 'patrol' ? 'patrol' : e.actor.replace(/^admin:/, 'admin ')}: ${
        e.action.startsWith('status.')
          ? `now ${statusLabel(e.action.slice('status.'.length))}`
          : e.action.replace(/[._]/g, ' ')
      }`,
      detail: {
        id: e.id,
        actor: e.actor,
        action: e.action,
        ...(e.detail ? (JSON.parse(e.detail) as Record<string, unknown>) : {}),
      },
    })),
  ].sort((a, b) => a.at.localeCompare(b.at))
  const repositories = [...new Set(places.map((o) => o.repository))].sort()
  return {
    ...summarize(incident, places.length, repositories.join(',') || null),
    revocationRequestedAt: incident.revokedAt ? iso(incident.revokedAt) : null,
    /** Only when confirmed dead: a requested revocation is not a revoked token. */
    revokedAt: incident.confirmedDeadAt ? iso(incident.confirmedDeadAt) : null,
    /** Every authorization patrol had revoked for this incident, and why each was a candidate. */
    revokedAuthorizations: attempts.flatMap((r) =>
      r.candidates && r.outcome === 'requested' ? (JSON.parse(r.candidates) as RevocationCandidate[]) : [],
    ),
    /** patrol still holds the sealed token, so a retry can revoke it. */
    holdsSealedToken: incident.sealedToken !== null,
    waiting: mayBeLive(incident.status) ? (await waitingFor(db, [incident])).get(incident.id) : undefined,
    occurrencesList: places,
    revocations: attempts,
    notifications: emails,
    auditEvents: audit,
    timeline,
  }
}

const ATTEMPT_WORDS: Record<string, string> = {
  revoked: 'revoked (confirmed dead)',
  requested: 'revocation requested',
  inactive: 'the token was already inactive',
  not_revocable: 'cannot be revoked through the API',
  skipped: 'not revoked (revocation is off)',
  failed: 'revocation failed',
  error: 'attempt failed, will retry',
}

const CHANNEL_NAMES: Record<string, string> = { slack: 'Slack', teams: 'Teams', webhook: 'Webhook' }

export interface Stats {
  since: string | null
  byStatus: Record<string, number>
  byKind: Record<string, number>
  byRepository: Record<string, number>
  /** Push to the issuer accepting the revocation request. */
  pushToRequest: Latency
  /** Push to the token confirmed dead. */
  pushToRevoke: Latency
}

export interface Latency {
  count: number
  medianMs: number | null
  p90Ms: number | null
  maxMs: number | null
}

export async function incidentStats(db: DB, since?: number): Promise<Stats> {
  const window = since !== undefined ? gte(incidents.firstSeenAt, since) : undefined
  const count = sql<number>`count(*)`
  const latency = (column: typeof incidents.revokedAt | typeof incidents.confirmedDeadAt) =>
    db
      .select({ ms: sql<number>`${column} - ${incidents.firstPushedAt}` })
      .from(incidents)
      .where(and(isNotNull(column), window))
      .orderBy(sql`1`)
  const [statuses, kinds, repositories, requested, dead] = await Promise.all([
    db.select({ key: incidents.status, n: count }).from(incidents).where(window).groupBy(incidents.status),
    db.select({ key: incidents.kind, n: count }).from(incidents).where(window).groupBy(incidents.kind),
    db
      .select({ key: occurrences.repository, n: sql<number>`count(distinct ${occurrences.incidentId})` })
      .from(occurrences)
      .innerJoin(incidents, eq(incidents.id, occurrences.incidentId))
      .where(window)
      .groupBy(occurrences.repository),
    latency(incidents.revokedAt),
    latency(incidents.confirmedDeadAt),
  ])
  const summary = (rows: { ms: number }[]): Latency => {
    const ms = rows.map((l) => l.ms)
    const rank = (p: number) => (ms.length ? ms[Math.min(ms.length - 1, Math.ceil(p * ms.length) - 1)]! : null)
    return { count: ms.length, medianMs: rank(0.5), p90Ms: rank(0.9), maxMs: ms.length ? ms[ms.length - 1]! : null }
  }
  const asRecord = (rows: { key: string; n: number }[]) => Object.fromEntries(rows.map((r) => [r.key, r.n]))
  return {
    since: since !== undefined ? new Date(since).toISOString() : null,
    byStatus: asRecord(statuses),
    byKind: asRecord(kinds),
    byRepository: asRecord(repositories),
    pushToRequest: summary(requested),
    pushToRevoke: summary(dead),
  }
}

/** The status an incident had before it was resolved or dismissed, from its audit trail. */
export async function statusBefore(db: DB, incidentId: number): Promise<IncidentStatus | undefined> {
  const [last] = await db
    .select({ detail: auditEvents.detail })
    .from(auditEvents)
    .where(
      and(
        eq(auditEvents.subjectType, 'incident'),
        eq(auditEvents.subjectId, incidentId),
        inArray(auditEvents.action, ['status.resolved', 'status.false_positive']),
      ),
    )
    .orderBy(desc(auditEvents.id))
    .limit(1)
  const from = last?.detail ? (JSON.parse(last.detail) as { from?: unknown }).from : undefined
  return STATUSES.find((s) => s === from)
}

export const SORTS = ['risk', 'first_seen', 'last_seen', 'places', 'id'] as const
export type Sort = (typeof SORTS)[number]

export interface PageFilter extends Omit<IncidentFilter, 'cursor'> {
  sort: Sort
  /** `asc` or `desc`; risk ascending means the most urgent first. */
  dir: 'asc' | 'desc'
  /** 1-based. */
  page: number
}

/** What patrol is waiting for on a live incident, and when it acts next. */
export interface Waiting {
  /** The job patrol will run next for it, if any: its kind, when, and the attempts so far. */
  next?: { kind: string; runAt: string; attempts: number; maxAttempts: number; state: string }
  /** The latest failed attempt's reason. */
  lastError?: { at: string; detail: string }
}

export interface ListedIncident extends IncidentSummary {
  waiting?: Waiting
}

/** The urgency of a status as SQL, from `riskRank`: the same order on SQLite and D1. */
const riskOrder = sql.raw(
  `case "incidents"."status" ${STATUSES.map((s) => `when '${s}' then ${riskRank(s)}`).join(' ')} else 1 end`,
)

/**
 * One numbered page of the list for the admin page and the CSV: any sort, a total count, previous and next. Live
 * incidents carry what patrol waits for (their next job and the last failed attempt).
 */
export async function listIncidentPage(
  db: DB,
  f: PageFilter,
): Promise<{ items: ListedIncident[]; total: number; page: number; pages: number }> {
  const where = and(...filterConditions(db, f))
  const places = sql<number>`(select count(*) from "occurrences" o where o."incident_id" = "incidents"."id")`
  const by = { asc, desc }[f.dir]
  const order =
    f.sort === 'risk'
      ? [by(riskOrder), asc(incidents.firstSeenAt)]
      : f.sort === 'first_seen'
        ? [by(incidents.firstSeenAt)]
        : f.sort === 'last_seen'
          ? [by(incidents.lastSeenAt)]
          : f.sort === 'places'
            ? [by(places)]
            : []
  const [counted] = await db.select({ n: count() }).from(incidents).where(where)
  const total = counted?.n ?? 0
  const pages = Math.max(1, Math.ceil(total / f.limit))
  const pageNo = Math.min(Math.max(1, f.page), pages)
  const rows = await db
    .select({
      incident: incidents,
      occurrences: places,
      repositories: sql<
        string | null
      >`(select group_concat(distinct o."repository") from "occurrences" o where o."incident_id" = "incidents"."id")`,
    })
    .from(incidents)
    .where(where)
    .orderBy(...order, by(incidents.id))
    .limit(f.limit)
    .offset((pageNo - 1) * f.limit)
  const items: ListedIncident[] = rows.map((r) => summarize(r.incident, r.occurrences, r.repositories))
  const live = rows.filter((r) => mayBeLive(r.incident.status)).map((r) => r.incident)
  if (live.length) {
    const waiting = await waitingFor(db, live)
    for (const item of items) item.waiting = waiting.get(item.id)
  }
  return { items, total, page: pageNo, pages }
}

/** Incidents per query of {@link waitingFor}: ids and batch buckets bound twice over stay under D1's 100 parameters. */
const WAITING_SLICE = 40

/** What each live incident waits for (its next job) and its last failure; in slices, for D1's bound-parameter limit. */
async function waitingFor(db: DB, live: Incident[]): Promise<Map<number, Waiting>> {
  const out = new Map<number, Waiting>()
  for (const slice of slices(live, WAITING_SLICE))
    for (const [id, waiting] of await waitingForSlice(db, slice)) out.set(id, waiting)
  return out
}

async function waitingForSlice(db: DB, live: Incident[]): Promise<Map<number, Waiting>> {
  const ids = live.map((i) => i.id)
  const buckets = live.map((i) => i.revocationBatch).filter((b): b is string => Boolean(b))
  const [pending, failures] = await Promise.all([
    db
      .select()
      .from(jobs)
      .where(
        and(
          inArray(jobs.state, ['queued', 'running']),
          or(
            inArray(sql`json_extract(${jobs.payload}, '$.incidentId')`, ids),
            buckets.length ? inArray(sql`json_extract(${jobs.payload}, '$.bucket')`, buckets) : undefined,
          ),
        ),
      )
      .orderBy(asc(jobs.runAt)),
    db
      .select()
      .from(revocations)
      .where(and(inArray(revocations.incidentId, ids), inArray(revocations.outcome, ['error', 'failed'])))
      .orderBy(desc(revocations.id)),
  ])
  const out = new Map<number, Waiting>()
  for (const i of live) {
    const job = pending.find((j) => {
      const payload = JSON.parse(j.payload) as { incidentId?: number; bucket?: string }
      return payload.incidentId === i.id || (i.revocationBatch !== null && payload.bucket === i.revocationBatch)
    })
    const failed = failures.find((r) => r.incidentId === i.id)
    out.set(i.id, {
      ...(job
        ? {
            next: {
              kind: job.kind,
              runAt: new Date(job.runAt).toISOString(),
              attempts: job.attempts,
              maxAttempts: job.maxAttempts,
              state: job.state,
            },
          }
        : {}),
      ...(failed
        ? { lastError: { at: new Date(failed.at).toISOString(), detail: failed.detail ?? failed.outcome } }
        : {}),
    })
  }
  return out
}

/** Pushes patrol has not fully read, and jobs it gave up on: what else needs a person, beside live tokens. */
export interface Trouble {
  /** Pushes whose scan failed, or is still pending after UNSCANNED_ALARM_MS (jobs/stuck.ts). */
  unscannedPushes: { id: number; repository: string; status: string; receivedAt: string; reasons: string | null }[]
  deadJobs: { id: number; kind: string; attempts: number; lastError: string | null; updatedAt: string | null }[]
}

/** The lists of jobs/stuck.ts (the same `/healthz` reports), shaped for the page. */
export async function pipelineTrouble(db: DB, now: number): Promise<Trouble> {
  const stuck = await stuckLists(db, 20)
  return {
    unscannedPushes: stuck.pushes
      .filter((p) => p.status !== 'pending' || p.receivedAt < now - UNSCANNED_ALARM_MS)
      .map((p) => ({
        id: p.id,
        repository: p.repository,
        status: p.status,
        receivedAt: new Date(p.receivedAt).toISOString(),
        reasons: p.reasons.join('; ') || null,
      })),
    deadJobs: stuck.deadJobs.map((j) => ({
      id: j.id,
      kind: j.kind,
      attempts: j.attempts,
      lastError: j.lastError,
      updatedAt: j.finishedAt !== null ? new Date(j.finishedAt).toISOString() : null,
    })),
  }
}
