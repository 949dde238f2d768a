/**
 * The transition rules both runtimes must keep (src/incidents/transitions.ts), as one table of cases run against a
 * database: test/response/transitions.test.ts (SQLite through better-sqlite3) and test/workers/transitions.test.ts
 * (D1 in workerd), where the move and its audit event go as one batch.
 *
 * @example
 * for (const c of TRANSITION_CASES) it(c.name, () => c.run(db))
 */
import { and, asc, eq } from 'drizzle-orm'
import { auditEvents, incidents } from '../../src/db/schema.js'
import type { DB } from '../../src/db/types.js'
import { transition } from '../../src/incidents/transitions.js'

/** A fresh incident in `status`, holding a sealed token. */
export async function incidentIn(db: DB, status: 'new' | 'responding', fingerprint: string): Promise<number> {
  const [row] = await db
    .insert(incidents)
    .values({
      fingerprint,
      kind: 'github-classic-pat',
      issuer: 'github',
      preview: 'ghp_…',
      status,
      statusChangedAt: 1,
      sealedToken: 'sealed',
      firstSeenAt: 1,
      lastSeenAt: 1,
      firstPushedAt: 1,
      createdAt: 1,
      updatedAt: 1,
    })
    .returning({ id: incidents.id })
  return row!.id
}

const auditOf = (db: DB, id: number) =>
  db
    .select({ action: auditEvents.action, actor: auditEvents.actor, detail: auditEvents.detail, at: auditEvents.at })
    .from(auditEvents)
    .where(and(eq(auditEvents.subjectType, 'incident'), eq(auditEvents.subjectId, id)))
    .orderBy(asc(auditEvents.id))

export interface TransitionCase {
  name: string
  run(db: DB, expect: (actual: unknown) => { toEqual(v: unknown): void; toBe(v: unknown): void }): Promise<void>
}

export const TRANSITION_CASES: TransitionCase[] = [
  {
    name: 'a move sets the status and writes one audit event with its detail',
    async run(db, expect) {
      const id = await incidentIn(db, 'new', 'fp-move')
      const moved = await transition(db, {
        incidentId: id,
        from: 'new',
        to: 'responding',
        actor: 'patrol',
        now: 1000,
        detail: { why: 'test' },
      })
      expect(moved).toBe(true)
      const [row] = await db.select().from(incidents).where(eq(incidents.id, id))
      expect([row!.status, row!.statusChangedAt, row!.sealedToken]).toEqual(['responding', 1000, 'sealed'])
      expect(await auditOf(db, id)).toEqual([
        {
          action: 'status.responding',
          actor: 'patrol',
          detail: JSON.stringify({ from: 'new', to: 'responding', why: 'test' }),
          at: 1000,
        },
      ])
    },
  },
  {
    name: 'a move that lost the race changes nothing and writes no audit event',
    async run(db, expect) {
      const id = await incidentIn(db, 'new', 'fp-race')
      const first = await transition(db, { incidentId: id, from: 'new', to: 'responding', actor: 'a', now: 2000 })
      // The same move again at the same instant: the status is no longer `new`.
      const second = await transition(db, { incidentId: id, from: 'new', to: 'responding', actor: 'b', now: 2000 })
      expect([first, second]).toEqual([true, false])
      expect((await auditOf(db, id)).map((e) => e.actor)).toEqual(['a'])
    },
  },
  {
    name: 'two moves of one incident write two events; a move of another incident writes none for this one',
    async run(db, expect) {
      const id = await incidentIn(db, 'responding', 'fp-two')
      const other = await incidentIn(db, 'responding', 'fp-other')
      await transition(db, { incidentId: other, from: 'responding', to: 'revoked', actor: 'patrol', now: 3000 })
      await transition(db, {
        incidentId: id,
        from: 'responding',
        to: 'revocation_requested',
        actor: 'patrol',
        now: 3000,
      })
      await transition(db, { incidentId: id, from: 'revocation_requested', to: 'revoked', actor: 'patrol', now: 3001 })
      expect((await auditOf(db, id)).map((e) => e.action)).toEqual(['status.revocation_requested', 'status.revoked'])
      const [row] = await db.select().from(incidents).where(eq(incidents.id, id))
      // Entering `revoked` erases the sealed token in the same statement (invariant 1).
      expect([row!.status, row!.sealedToken]).toEqual(['revoked', null])
    },
  },
  {
    name: 'a move the state machine forbids throws and changes nothing',
    async run(db, expect) {
      const id = await incidentIn(db, 'new', 'fp-forbidden')
      const error = await transition(db, {
        incidentId: id,
        from: 'new',
        to: 'revoked',
        actor: 'patrol',
        now: 4000,
      }).then(
        () => undefined,
        (e: Error) => e.message,
      )
      expect(error).toBe(`incident ${id}: no transition new → revoked`)
      expect(await auditOf(db, id)).toEqual([])
    },
  },
]
