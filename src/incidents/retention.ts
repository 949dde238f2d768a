/**
 * Retention: pushes and deliveries older than `PATROL_RETAIN_DAYS` are deleted; incidents, occurrences, revocations,
 * notifications and the audit trail are kept (they are the record of what leaked and what patrol did). A push whose
 * scan has not ended yet is never deleted, whatever its age. Deletes go in bounded rounds so that one sweep stays
 * short on D1 and SQLite alike; the runner calls `retentionSweep` when it finds no job due (idle time on Node, the
 * cron sweep on Workers), at most once per `everyMs`.
 *
 * @example
 * const idle = retentionSweep({ db, log, now: Date.now, retainDays: config.retainDays })
 * const runner = createRunner({ db, worker, handlers, log, idle })
 */
import { and, inArray, lt, ne } from 'drizzle-orm'
import { deliveries, pushes } from '../db/schema.js'
import { atomically, type DB } from '../db/types.js'
import type { Logger } from '../log.js'

const DAY_MS = 86_400_000
/** Rows deleted per round: a few thousand keep a D1 statement well inside its limits. */
const ROUND = 500

export interface RetentionOptions {
  db: DB
  now(): number
  retainDays: number
}

/** Deletes pushes (their scan over) and deliveries received more than `retainDays` ago; returns how many of each. */
export async function pruneExpired(o: RetentionOptions): Promise<{ pushes: number; deliveries: number }> {
  const cutoff = o.now() - o.retainDays * DAY_MS
  const pruned = { pushes: 0, deliveries: 0 }
  for (;;) {
    const old = await o.db
      .select({ id: pushes.id, deliveryId: pushes.deliveryId })
      .from(pushes)
      .where(and(lt(pushes.receivedAt, cutoff), ne(pushes.scanStatus, 'pending')))
      .limit(ROUND)
    if (old.length === 0) break
    const results = await atomically(o.db, [
      o.db.delete(pushes).where(
        inArray(
          pushes.id,
          old.map((p) => p.id),
        ),
      ),
      o.db.delete(deliveries).where(
        inArray(
          deliveries.id,
          old.map((p) => p.deliveryId),
        ),
      ),
    ])
    pruned.pushes += old.length
    pruned.deliveries += changes(results[1])
    if (old.length < ROUND) break
  }
  return pruned
}

/** The runner's idle hook: prunes at most once per `everyMs` (default an hour), logging what went. */
export function retentionSweep(o: RetentionOptions & { log: Logger; everyMs?: number }): () => Promise<void> {
  let last = Number.NEGATIVE_INFINITY
  return async () => {
    if (o.now() - last < (o.everyMs ?? 3_600_000)) return
    last = o.now()
    try {
      const pruned = await pruneExpired(o)
      if (pruned.pushes || pruned.deliveries) o.log.info('retention.pruned', { ...pruned, retainDays: o.retainDays })
    } catch (error) {
      o.log.error('retention.failed', { error: error instanceof Error ? error.message : String(error) })
    }
  }
}

/** Rows changed by a delete, as better-sqlite3 (`changes`) or D1 (`meta.changes`) reports it. */
function changes(result: unknown): number {
  const r = result as { changes?: number; meta?: { changes?: number } } | undefined
  return r?.changes ?? r?.meta?.changes ?? 0
}
