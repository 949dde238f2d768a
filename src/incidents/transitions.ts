/**
 * Moving an incident between states: a compare-and-set on the status column, checked against the state machine,
 * and its audit event, in one transaction (a D1 batch: one round trip). A transition that lost a race (the status
 * was no longer `from`) changes nothing and returns false. Entering a state that no longer needs the token
 * (states.ts `holdsToken`) erases the sealed token in the same statement (invariant 1). A closed incident that still
 * holds its token (closed while it may have worked) loses it when a check finds the token dead (`eraseDeadToken`).
 *
 * @example
 * await transition(db, { incidentId: 7, from: 'new', to: 'responding', actor: 'patrol', now })
 */
import { and, eq, inArray, isNotNull, sql } from 'drizzle-orm'
import { auditEvents, incidents } from '../db/schema.js'
import { atomically, type DB } from '../db/types.js'
import { canTransition, holdsToken, type IncidentStatus } from './states.js'

export interface Transition {
  incidentId: number
  from: IncidentStatus
  to: IncidentStatus
  /** `patrol`, or `admin:<token name>`. */
  actor: string
  now: number
  detail?: Record<string, unknown>
  /** Other incident columns to set in the same statement (owner, revokedAt). */
  set?: Partial<typeof incidents.$inferInsert>
  /** Admin moves are checked by the admin rules, not the response's state machine. */
  unchecked?: boolean
}

export async function transition(db: DB, t: Transition): Promise<boolean> {
  const [moved] = await atomically(db, transitionStatements(db, t))
  return moved.length > 0
}

/**
 * The move and its audit event, as statements to run together (`atomically`, with others before them): the move
 * returns the incident's id when it happened, nothing when it lost the race. The audit event is written only if this
 * move happened: the incident is now in `to`, changed at `now`, and no such event was written at `now`.
 */
export function transitionStatements(db: DB, t: Transition) {
  if (!t.unchecked && !canTransition(t.from, t.to))
    throw new Error(`incident ${t.incidentId}: no transition ${t.from} → ${t.to}`)
  const action = `status.${t.to}`
  const detail = JSON.stringify({ from: t.from, to: t.to, ...t.detail })
  return [
    db
      .update(incidents)
      .set({
        ...t.set,
        status: t.to,
        statusChangedAt: t.now,
        updatedAt: t.now,
        ...(holdsToken(t.to, t.from) ? {} : { sealedToken: null }),
      })
      .where(and(eq(incidents.id, t.incidentId), eq(incidents.status, t.from)))
      .returning({ id: incidents.id }),
    // Every audit_events column, in the table's order.
    db.insert(auditEvents).select(
      sql`select null, ${t.actor}, ${action}, 'incident', ${t.incidentId}, ${detail}, ${t.now}
        where exists (select 1 from ${incidents} where ${incidents.id} = ${t.incidentId}
          and ${incidents.status} = ${t.to} and ${incidents.statusChangedAt} = ${t.now})
        and not exists (select 1 from ${auditEvents} where ${auditEvents.subjectType} = 'incident'
          and ${auditEvents.subjectId} = ${t.incidentId} and ${auditEvents.action} = ${action} and ${auditEvents.at} = ${t.now})`,
    ),
  ] as const
}

/**
 * A check (the issuer's `isActive`) found the token of a closed incident dead: erase the sealed token it was kept
 * with, record when, and say so in the audit trail. Returns false when there was nothing to erase (not closed, or
 * no token held). Other states reach `revoked` through `transition`, which erases it.
 */
export async function eraseDeadToken(db: DB, e: { incidentId: number; actor: string; now: number }): Promise<boolean> {
  const rows = await db
    .update(incidents)
    .set({ sealedToken: null, confirmedDeadAt: e.now, updatedAt: e.now })
    .where(
      and(
        eq(incidents.id, e.incidentId),
        inArray(incidents.status, ['resolved', 'false_positive']),
        isNotNull(incidents.sealedToken),
      ),
    )
    .returning({ id: incidents.id })
  if (rows.length === 0) return false
  await db.insert(auditEvents).values({
    actor: e.actor,
    action: 'incident.token_dead',
    subjectType: 'incident',
    subjectId: e.incidentId,
    detail: JSON.stringify({ erased: 'sealed token' }),
    at: e.now,
  })
  return true
}
