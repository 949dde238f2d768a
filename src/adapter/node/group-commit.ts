/**
 * Delivery storage for Node: group commit. Deliveries that arrive together are written in one SQLite transaction
 * (flushed on the next turn of the event loop), each still answered only after that transaction committed
 * (invariant 2). One commit per burst instead of one per delivery: the commit and its WAL page writes were most of
 * a webhook's cost. The statements are prepared once. Same rows as `storeDelivery` (deliveryRows), same outcome.
 *
 * @example
 * const store = groupCommitDeliveries(db, keys)
 * await store({ provider: 'github', deliveryId, event: 'push', bodyBytes, push }, Date.now()) // 'stored' | 'duplicate'
 */
import { eq, sql } from 'drizzle-orm'
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3'
import type * as schema from '../../db/schema.js'
import { deliveries, jobs, pushes } from '../../db/schema.js'
import { type DeliveryStore, deliveryRows, type IncomingDelivery } from '../../incidents/ingest/deliveries.js'
import { seal, type TokenKeys } from '../../incidents/sealing.js'

type Rows = ReturnType<typeof deliveryRows>
interface Pending {
  rows: Rows
  resolve(result: 'stored' | 'duplicate'): void
  reject(error: unknown): void
}

const p = (name: string) => sql.placeholder(name)

export function groupCommitDeliveries(db: BetterSQLite3Database<typeof schema>, keys: TokenKeys): DeliveryStore {
  const insertDelivery = db
    .insert(deliveries)
    .values({
      provider: p('provider'),
      deliveryId: p('deliveryId'),
      event: p('event'),
      receivedAt: p('receivedAt'),
      status: p('status'),
      bodyBytes: p('bodyBytes'),
    })
    .onConflictDoNothing()
    .returning({ id: deliveries.id })
    .prepare()
  const insertPush = db
    .insert(pushes)
    .values({
      deliveryId: p('deliveryId'),
      provider: p('provider'),
      repository: p('repository'),
      ref: p('ref'),
      event: p('event'),
      receivedAt: p('receivedAt'),
      contentKey: p('contentKey'),
    })
    .prepare()
  const samePush = db
    .select({ id: pushes.id })
    .from(pushes)
    .where(eq(pushes.contentKey, p('contentKey')))
    .limit(1)
    .prepare()
  const insertJob = db
    .insert(jobs)
    .values({
      kind: p('kind'),
      payload: p('payload'),
      idempotencyKey: p('idempotencyKey'),
      state: p('state'),
      maxAttempts: p('maxAttempts'),
      runAt: p('runAt'),
      createdAt: p('createdAt'),
      updatedAt: p('updatedAt'),
    })
    .onConflictDoNothing()
    .prepare()

  let queue: Pending[] = []

  const writeOne = (rows: Rows): 'stored' | 'duplicate' => {
    // The same push under a new delivery id (a replay): checked first, so no delivery row is written for it.
    if (samePush.get({ contentKey: rows.push.contentKey })) return 'duplicate'
    const [delivery] = insertDelivery.all(rows.delivery)
    if (!delivery) return 'duplicate'
    insertPush.run({ ...rows.push, deliveryId: delivery.id })
    insertJob.run(rows.job)
    return 'stored'
  }

  const flush = () => {
    const batch = queue
    queue = []
    try {
      const results = db.transaction(() => batch.map((item) => writeOne(item.rows)))
      for (const [i, item] of batch.entries()) item.resolve(results[i]!)
    } catch (error) {
      if (batch.length === 1) return batch[0]!.reject(error)
      // One bad delivery must not fail its neighbours: write each alone, so only it is refused.
      for (const item of batch) {
        try {
          item.resolve(db.transaction(() => writeOne(item.rows)))
        } catch (single) {
          item.reject(single)
        }
      }
    }
  }

  return async (d: IncomingDelivery, now: number) => {
    const rows = deliveryRows(d, await seal(keys, JSON.stringify(d.push)), now)
    return new Promise((resolve, reject) => {
      if (queue.push({ rows, resolve, reject }) === 1) setImmediate(flush)
    })
  }
}
