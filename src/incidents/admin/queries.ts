/**
 * What admins read: the incident list (filters, keyset pagination that stays stable while new incidents arrive),
 * one incident as a timeline, and the numbers of the dashboard. Read-only, and written once for SQLite and D1.
 *
 * @example
 * const page = await listIncidents(db, { status: 'revoke_failed', limit: 50 })
 * const next = await listIncidents(db, { status: 'revoke_failed', limit: 50, cursor: page.nextCursor })
 */
import { and, asc, desc, eq, gte, inArray, isNotNull, type like, lt, or, type SQL, sql } from 'drizzle-orm'
import { auditEvents, type Incident, incidents, notifications, occurrences, revocations } from '../../db/schema.js'
import type { DB } from '../../db/types.js'
import type { PlatformId } from '../../platforms/ids.js'
import type { RevocationCandidate } from '../../platforms/types.js'
import { type IncidentStatus, STATUSES } from '../states.js'

export interface IncidentFilter {
  status?: IncidentStatus
  kind?: string
  issuer?: PlatformId
  repository?: string
  /** First seen at or after (ms). */
  since?: number
  /** First seen before (ms). */
  until?: number
  /** Free text: preview, owner, repository or path. */
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

export async function listIncidents(
  db: DB,
  f: IncidentFilter,
): Promise<{ items: IncidentSummary[]; nextCursor: string | null }> {
  const where: SQL[] = []
  if (f.status) where.push(eq(incidents.status, f.status))
  if (f.kind) where.push(eq(incidents.kind, f.kind))
  if (f.issuer) where.push(eq(incidents.issuer, f.issuer))
  if (f.since !== undefined) where.push(gte(incidents.firstSeenAt, f.since))
  if (f.until !== undefined) where.push(lt(incidents.firstSeenAt, f.until))
  if (f.repository)
    where.push(
      inArray(
        incidents.id,
        db.select({ id: occurrences.incidentId }).from(occurrences).where(eq(occurrences.repository, f.repository)),
      ),
    )
  if (f.q) {
    const pattern = `%${f.q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`
    const text = (column: Parameters<typeof like>[0]) => sql`${column} like ${pattern} escape '\\'`
    where.push(
      or(
        text(incidents.preview),
        text(incidents.ownerEmail),
        text(incidents.ownerName),
        inArray(
          incidents.id,
          db
            .select({ id: occurrences.incidentId })
            .from(occurrences)
            .where(or(text(occurrences.repository), text(occurrences.path))),
        ),
      )!,
    )
  }
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
  const [places, attempts, emails, audit] = await Promise.all([
    db.select().from(occurrences).where(eq(occurrences.incidentId, id)).orderBy(asc(occurrences.id)),
    db.select().from(revocations).where(eq(revocations.incidentId, id)).orderBy(asc(revocations.id)),
    db.select().from(notifications).where(eq(notifications.incidentId, id)).orderBy(asc(notifications.id)),
    db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.subjectType, 'incident'), eq(auditEvents.subjectId, id)))
      .orderBy(asc(auditEvents.id)),
  ])
  const iso = (ms: number) => new Date(ms).toISOString()
  const timeline: TimelineEntry[] = [
    ...places.map((o) => ({
      at: iso(o.seenAt),
      type: 'occurrence' as const,
      summary: `seen in ${o.repository} ${o.path}:${o.line}${o.encoding === 'plain' ? '' : ` (${o.encoding})`}`,
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
      summary: `${r.issuer}: ${r.outcome}`,
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
    ...audit.map((e) => ({
      at: iso(e.at),
      type: 'audit' as const,
      summary: `${e.actor}: ${e.action}`,
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
    occurrencesList: places,
    revocations: attempts,
    notifications: emails,
    auditEvents: audit,
    timeline,
  }
}

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
