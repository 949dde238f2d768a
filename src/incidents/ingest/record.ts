/**
 * Turns high-confidence findings into incidents and occurrences. One incident per token, keyed on its fingerprint,
 * whatever the repository, push or delivery (invariant 3): the first sighting creates the incident (sealed token,
 * status `new`) and enqueues its `respond` job; every sighting adds an occurrence unless that place is already
 * recorded. A finding matched by a suppression is recorded as `suppressed` and gets no response, but holds its sealed
 * token so that an admin can send it back to response (admin/actions.ts `unsuppress`); a later sighting that no
 * suppression covers takes the incident back to `new` and starts its response.
 *
 * @example
 * const result = await recordFinding(db, keys, { kind, issuer, secret }, place, { now, pushedAt })
 * result // { incidentId: 7, isNew: true, suppressed: false }
 */
import { and, eq, gt, isNull, or, sql } from 'drizzle-orm'
import picomatch from 'picomatch/posix.js'
import { auditEvents, incidents, occurrences, type Suppression, suppressions } from '../../db/schema.js'
import { atomically, type DB } from '../../db/types.js'
import { enqueue } from '../../jobs/queue.js'
import { kindOf } from '../../kinds/index.js'
import type { OccurrenceSource } from '../../platforms/content-event.js'
import type { PlatformId } from '../../platforms/ids.js'
import { redact } from '../../scan/redact.js'
import type { FindingTag, Issuer, TokenKind } from '../../scan/types.js'
import { fingerprint, seal, type TokenKeys } from '../sealing.js'
import { transition } from '../transitions.js'

/** Where a token was seen; mirrors the `occurrences` columns. */
export interface Place {
  provider: PlatformId
  repository: string
  repositoryUrl?: string
  ref?: string
  commitSha?: string
  path: string
  line: number
  column?: number
  encoding: string
  authorName?: string
  authorEmail?: string
  pusherName?: string
  pusherEmail?: string
  committedAt?: number
  pushId?: number
  /** Default `push`. */
  source?: OccurrenceSource
  /** The page it was seen on (a comment, an issue, a work item, an alert). */
  url?: string
}

export interface TokenSighting {
  kind: TokenKind
  issuer: Issuer
  /** The raw token: sealed and fingerprinted here, never stored in clear. */
  secret: string
  /** The scanner's tags; `published-example` is recorded on the incident. */
  tags?: FindingTag[]
  /** Respond by notifying only, for this reason (a history finding under `PATROL_HISTORY_RESPONSE=notify`). */
  notifyOnlyReason?: string
}

export interface Recorded {
  incidentId: number
  isNew: boolean
  suppressed: boolean
  /** False when this exact place was already recorded (a re-scan, a redelivery). */
  newOccurrence: boolean
}

export const RESPOND_JOB = 'respond'

export async function recordFinding(
  db: DB,
  keys: TokenKeys,
  token: TokenSighting,
  place: Place,
  /** `deferRespond`: the caller starts the response itself (a push scan, once the whole push is recorded). */
  at: { now: number; pushedAt: number; massLeakPushId?: number; deferRespond?: boolean },
): Promise<Recorded> {
  const fp = await fingerprint(keys, token.secret)
  const suppression = await matchingSuppression(db, fp, place, at.now)
  const sealedToken = await seal(keys, token.secret)
  // The incident, its first audit event and this occurrence in one transaction (a D1 batch: one round trip). The
  // incident's id is chosen by fingerprint inside each statement; the audit event is written only by the sighting that
  // created the incident (created now, and no such event yet).
  const incidentOf = sql`(select ${incidents.id} from ${incidents} where ${incidents.fingerprint} = ${fp})`
  const action = suppression ? 'incident.suppressed' : 'incident.created'
  const detail = JSON.stringify(
    suppression ? { suppressionId: suppression.id, reason: suppression.reason } : { kind: token.kind },
  )
  const [inserted, , occurrence] = await atomically(db, [
    db
      .insert(incidents)
      .values({
        fingerprint: fp,
        kind: token.kind,
        issuer: token.issuer,
        preview: redact(token.secret, kindOf(token.kind).redaction),
        status: suppression ? 'suppressed' : 'new',
        statusChangedAt: at.now,
        sealedToken,
        firstSeenAt: at.now,
        lastSeenAt: at.now,
        firstPushedAt: at.pushedAt,
        suppressionId: suppression?.id ?? null,
        publishedExample: token.tags?.includes('published-example') ?? false,
        notifyOnlyReason: token.notifyOnlyReason ?? null,
        massLeakPushId: at.massLeakPushId ?? null,
        createdAt: at.now,
        updatedAt: at.now,
      })
      .onConflictDoNothing({ target: incidents.fingerprint })
      .returning({ id: incidents.id }),
    // Every audit_events column, in the table's order.
    db.insert(auditEvents).select(
      sql`select null, 'patrol', ${action}, 'incident', ${incidentOf}, ${detail}, ${at.now}
        where (select ${incidents.createdAt} from ${incidents} where ${incidents.fingerprint} = ${fp}) = ${at.now}
        and not exists (select 1 from ${auditEvents} where ${auditEvents.subjectType} = 'incident'
          and ${auditEvents.subjectId} = ${incidentOf} and ${auditEvents.action} in ('incident.created', 'incident.suppressed'))`,
    ),
    db
      .insert(occurrences)
      .values({
        incidentId: incidentOf,
        pushId: place.pushId ?? null,
        provider: place.provider,
        repository: place.repository,
        repositoryUrl: place.repositoryUrl ?? null,
        ref: place.ref ?? null,
        // '' rather than null: SQLite treats nulls as distinct in unique indexes, and the place must stay unique.
        commitSha: place.commitSha ?? '',
        path: place.path,
        line: place.line,
        column: place.column ?? null,
        encoding: place.encoding,
        authorName: place.authorName ?? null,
        authorEmail: place.authorEmail ?? null,
        pusherName: place.pusherName ?? null,
        pusherEmail: place.pusherEmail ?? null,
        committedAt: place.committedAt ?? null,
        seenAt: at.now,
        source: place.source ?? 'push',
        url: place.url ?? null,
      })
      .onConflictDoNothing()
      .returning({ id: occurrences.id }),
  ])

  let incidentId: number
  let suppressed = suppression !== undefined
  const isNew = inserted.length === 1
  if (isNew) {
    incidentId = inserted[0]!.id
    if (!suppression && !at.deferRespond)
      await enqueue(db, { kind: RESPOND_JOB, payload: { incidentId }, key: `${RESPOND_JOB}:${incidentId}` }, at.now)
  } else {
    const [existing] = await db
      .update(incidents)
      .set({ lastSeenAt: sql`max(${incidents.lastSeenAt}, ${at.now})`, updatedAt: at.now })
      .where(eq(incidents.fingerprint, fp))
      .returning({ id: incidents.id, status: incidents.status })
    incidentId = existing!.id
    suppressed = existing!.status === 'suppressed'
    // Suppressed because of another place (a fixtures folder, say), but no suppression covers this one: respond.
    if (suppressed && !suppression && (await resumeSuppressed(db, keys, incidentId, token.secret, place, at.now)))
      suppressed = false
  }

  return { incidentId, isNew, suppressed, newOccurrence: occurrence.length === 1 }
}

/**
 * Takes a suppressed incident back into the response (`suppressed → new`, sealing the token again, as one suppressed
 * before patrol kept it holds none, and enqueueing its `respond` job). One compare-and-set: of two scans seeing it at
 * once, one resumes it.
 */
async function resumeSuppressed(
  db: DB,
  keys: TokenKeys,
  incidentId: number,
  secret: string,
  place: Place,
  now: number,
): Promise<boolean> {
  const resumed = await transition(db, {
    incidentId,
    from: 'suppressed',
    to: 'new',
    actor: 'patrol',
    now,
    detail: { reason: 'seen where no suppression applies', repository: place.repository, path: place.path },
    set: { sealedToken: await seal(keys, secret), suppressionId: null },
  })
  if (resumed)
    await enqueue(db, { kind: RESPOND_JOB, payload: { incidentId }, key: `${RESPOND_JOB}:${incidentId}` }, now)
  return resumed
}

/** The first live suppression that covers this token or this place. */
export async function matchingSuppression(
  db: DB,
  fp: string,
  place: Pick<Place, 'repository' | 'path'>,
  now: number,
): Promise<Suppression | undefined> {
  const live = await db
    .select()
    .from(suppressions)
    .where(
      and(
        isNull(suppressions.deletedAt),
        or(isNull(suppressions.expiresAt), gt(suppressions.expiresAt, now)),
        or(eq(suppressions.fingerprint, fp), eq(suppressions.repository, place.repository)),
      ),
    )
  return live.find((s) => {
    if (s.fingerprint) return s.fingerprint === fp
    return s.repository === place.repository && (!s.pathGlob || picomatch(s.pathGlob, { dot: true })(place.path))
  })
}
