/**
 * Moving an incident between states: a compare-and-set on the status column (one statement, so it is atomic on
 * better-sqlite3 and D1), checked against the state machine, followed by its audit event. A transition that lost a
 * race (the status was no longer `from`) changes nothing and returns false. Entering a state that no longer needs the
 * token (states.ts `holdsToken`) erases the sealed token in the same statement (invariant 1).
 *
 * @example
 * await transition(db, { incidentId: 7, from: 'new', to: 'responding', actor: 'patrol', now })
 */
import { and, eq } from 'drizzle-orm'
import { auditEvents, incidents } from '../db/schema.js'
import type { DB } from '../db/types.js'
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
  if (!t.unchecked && !canTransition(t.from, t.to))
    throw new Error(`incident ${t.incidentId}: no transition ${t.from} → ${t.to}`)
  const rows = await db
    .update(incidents)
    .set({
      ...t.set,
      status: t.to,
      statusChangedAt: t.now,
      updatedAt: t.now,
      ...(holdsToken(t.to) ? {} : { sealedToken: null }),
    })
    .where(and(eq(incidents.id, t.incidentId), eq(incidents.status, t.from)))
    .returning({ id: incidents.id })
  if (rows.length === 0) return false
  await db.insert(auditEvents).values({
    actor: t.actor,
    action: `status.${t.to}`,
    subjectType: 'incident',
    subjectId: t.incidentId,
    detail: JSON.stringify({ from: t.from, to: t.to, ...t.detail }),
    at: t.now,
  })
  return true
}
