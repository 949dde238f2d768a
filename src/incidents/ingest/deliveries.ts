/**
 * Storing a webhook delivery before answering it (invariant 2): the delivery row, its push, and the `scan-push`
 * job are written all-or-nothing, so a crash after the 2xx loses nothing and a crash before it leaves nothing
 * half-done.
 * A repeated delivery id hits the unique index and changes nothing; so does the same push (repository, refs, before and
 * after: `pushContentKey`) replayed under a new delivery id, so a captured delivery cannot be scanned twice. The push
 * event is stored sealed: its commit
 * messages are content that may hold the very token being reported (invariant 1).
 *
 * @example
 * const stored = await storeDelivery(db, keys, { provider: 'github', deliveryId, event: 'push', bodyBytes, push }, now)
 * if (stored === 'duplicate') return c.json({ duplicate: true }, 200)
 */
import { and, eq, sql } from 'drizzle-orm'
import { deliveries, jobs, pushes } from '../../db/schema.js'
import { atomically, type DB } from '../../db/types.js'
import { DEFAULT_MAX_ATTEMPTS } from '../../jobs/queue.js'
import type { Provider, PushEvent } from '../../platforms/types.js'
import { seal, type TokenKeys, unseal } from '../sealing.js'

export const SCAN_PUSH_JOB = 'scan-push'
/** `pushes.event` once the push is scanned completely: the sealed event is erased, as nothing after it reads it. */
export const ERASED_EVENT = ''

export interface IncomingDelivery {
  provider: Provider
  deliveryId: string
  event: string
  bodyBytes: number
  push: PushEvent
}

export interface ScanPushPayload {
  provider: Provider
  deliveryId: string
}

/**
 * What a push changed, independent of its delivery: the same push delivered twice has the same key. Not secret
 * (names and commit ids), so kept in clear to be unique-indexed.
 */
export function pushContentKey(push: PushEvent): string {
  const refs = push.refUpdates.map((u) => `${u.ref}:${u.before}..${u.after}`).join(' ')
  return `${push.provider} ${push.repository.fullName} ${refs}`
}

/**
 * Stores a delivery: `stored`, or `duplicate` when its id, or its push's content, was seen before. Runtimes choose how
 * (group commit on Node).
 */
export type DeliveryStore = (d: IncomingDelivery, now: number) => Promise<'stored' | 'duplicate'>

/** The three rows of a delivery; the push row's `deliveryId` is filled in by the writer. */
export function deliveryRows(d: IncomingDelivery, sealedEvent: string, now: number) {
  const payload: ScanPushPayload = { provider: d.provider, deliveryId: d.deliveryId }
  return {
    delivery: {
      provider: d.provider,
      deliveryId: d.deliveryId,
      event: d.event,
      receivedAt: now,
      status: 'queued' as const,
      bodyBytes: d.bodyBytes,
    },
    push: {
      provider: d.provider,
      repository: d.push.repository.fullName,
      ref: d.push.refUpdates[0]?.ref ?? '',
      event: sealedEvent,
      receivedAt: now,
      contentKey: pushContentKey(d.push),
    },
    job: {
      kind: SCAN_PUSH_JOB,
      payload: JSON.stringify(payload),
      idempotencyKey: `${SCAN_PUSH_JOB}:${d.provider}:${d.deliveryId}`,
      state: 'queued',
      maxAttempts: DEFAULT_MAX_ATTEMPTS,
      runAt: now,
      createdAt: now,
      updatedAt: now,
    },
  }
}

/** One delivery, one all-or-nothing batch: works on D1 and better-sqlite3 alike. */
export async function storeDelivery(
  db: DB,
  keys: TokenKeys,
  d: IncomingDelivery,
  now: number,
): Promise<'stored' | 'duplicate'> {
  const rows = deliveryRows(d, await seal(keys, JSON.stringify(d.push)), now)
  const deliveryRow = sql`(select ${deliveries.id} from ${deliveries} where ${deliveries.provider} = ${d.provider} and ${deliveries.deliveryId} = ${d.deliveryId})`
  try {
    await atomically(db, [
      db.insert(deliveries).values(rows.delivery),
      db.insert(pushes).values({ ...rows.push, deliveryId: deliveryRow }),
      db.insert(jobs).values(rows.job),
    ])
    return 'stored'
  } catch (error) {
    if (isUniqueViolation(error)) return 'duplicate'
    throw error
  }
}

/** The push event stored for a delivery, unsealed. */
export async function openPushEvent(keys: TokenKeys, sealedEvent: string): Promise<PushEvent> {
  return JSON.parse(await unseal(keys, sealedEvent)) as PushEvent
}

/** The push stored for a delivery. */
export async function pushForDelivery(db: DB, p: ScanPushPayload) {
  const [row] = await db
    .select({ push: pushes })
    .from(pushes)
    .innerJoin(deliveries, eq(pushes.deliveryId, deliveries.id))
    .where(and(eq(deliveries.provider, p.provider), eq(deliveries.deliveryId, p.deliveryId)))
    .limit(1)
  return row?.push
}

function isUniqueViolation(error: unknown): boolean {
  for (let e: unknown = error; e; e = (e as { cause?: unknown }).cause) {
    if (/UNIQUE constraint failed/i.test(String((e as Error).message ?? e))) return true
  }
  return false
}
