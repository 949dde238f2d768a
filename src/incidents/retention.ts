/**
 * Retention: pushes and deliveries older than `PATROL_RETAIN_DAYS` are deleted; incidents, occurrences, revocations,
 * notifications and the audit trail are kept (they are the record of what leaked and what patrol did). A push whose
 * scan has not ended yet is never deleted, whatever its age. Deletes go in bounded rounds, a bounded number per
 * sweep, so that one sweep stays short on D1 and SQLite alike; the runner calls `retentionSweep` when it finds no job
 * due (idle time on Node, the cron sweep on Workers), at most once per `everyMs`.
 *
 * @example
 * const idle = retentionSweep({ db, log, now: Date.now, retainDays: config.retainDays })
 * const runner = createRunner({ db, worker, handlers, log, idle })
 */
import { and, asc, inArray, lt, ne } from 'drizzle-orm'
import { deliveries, pushes } from '../db/schema.js'
import { atomically, type DB } from '../db/types.js'
import { periodic } from '../jobs/periodic.js'
import type { Logger } from '../log.js'

const DAY_MS = 86_400_000
/**
 * Pushes deleted per round. The ids are chosen by a subquery in the delete itself, never bound as parameters: D1
 * allows 100 bound parameters per statement.
 */
const ROUND = 500
/** Rounds per sweep: two statements each, so a sweep stays far inside a Workers invocation's statement budget. */
const MAX_ROUNDS = 4

export interface RetentionOptions {
  db: DB
  now(): number
  retainDays: number
  /** Rounds of at most 500 pushes this call may delete (default 4); what is left waits for the next sweep. */
  maxRounds?: number
}

/**
 * Deletes pushes (their scan over) and their deliveries received more than `retainDays` ago, in rounds; returns how
 * many of each went and whether old ones are left (the round limit was reached).
 */
export async function pruneExpired(
  o: RetentionOptions,
): Promise<{ pushes: number; deliveries: number; more: boolean }> {
  const cutoff = o.now() - o.retainDays * DAY_MS
  const expired = and(lt(pushes.receivedAt, cutoff), ne(pushes.scanStatus, 'pending'))
  const round = (column: typeof pushes.id | typeof pushes.deliveryId) =>
    o.db.select({ id: column }).from(pushes).where(expired).orderBy(asc(pushes.id)).limit(ROUND)
  const pruned = { pushes: 0, deliveries: 0, more: false }
  for (let i = 0; i < (o.maxRounds ?? MAX_ROUNDS); i++) {
    // One transaction (a D1 batch): the deliveries of the round's pushes, then those pushes, chosen alike.
    const results = await atomically(o.db, [
      o.db.delete(deliveries).where(inArray(deliveries.id, round(pushes.deliveryId))),
      o.db.delete(pushes).where(inArray(pushes.id, round(pushes.id))),
    ])
    const deleted = changes(results[1])
    pruned.deliveries += changes(results[0])
    pruned.pushes += deleted
    if (deleted < ROUND) return pruned
  }
  pruned.more = true
  return pruned
}

/**
 * The runner's idle hook: prunes at most once per `everyMs` (default an hour), logging what went; a sweep that left
 * old pushes behind (a large backlog) lets the next idle call carry on.
 */
export function retentionSweep(o: RetentionOptions & { log: Logger; everyMs?: number }): () => Promise<void> {
  return periodic({ everyMs: o.everyMs ?? 3_600_000, now: o.now, log: o.log, failed: 'retention.failed' }, async () => {
    const { more, ...pruned } = await pruneExpired(o)
    if (pruned.pushes || pruned.deliveries)
      o.log.info('retention.pruned', { ...pruned, retainDays: o.retainDays, more })
    return { more }
  })
}

/** Rows changed by a delete, as better-sqlite3 (`changes`) or D1 (`meta.changes`) reports it. */
function changes(result: unknown): number {
  const r = result as { changes?: number; meta?: { changes?: number } } | undefined
  return r?.changes ?? r?.meta?.changes ?? 0
}
