/**
 * Retention on D1: a backlog of more than 100 expired pushes is deleted (the ids are chosen inside the delete, never
 * bound: D1 takes at most 100 bound parameters per statement), at most `maxRounds` rounds of 500 per sweep, the rest
 * left for the next one; pending scans stay.
 */
import { env } from 'cloudflare:workers'
import { count, eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { openD1Database } from '../../src/adapter/workers/d1.js'
import { deliveries, pushes } from '../../src/db/schema.js'
import { pruneExpired } from '../../src/incidents/retention.js'

const DAY = 86_400_000
const db = openD1Database(env.DB)

/** `n` deliveries with their pushes, received `at`, in D1 batches (each statement binds far fewer than 100 values). */
async function received(n: number, at: number, scanStatus: 'scanned' | 'pending', prefix: string) {
  for (let i = 0; i < n; i++) {
    const [d] = await db
      .insert(deliveries)
      .values({
        provider: 'github',
        deliveryId: `${prefix}-${i}`,
        event: 'push',
        receivedAt: at,
        status: 'queued',
        bodyBytes: 10,
      })
      .returning({ id: deliveries.id })
    await db.insert(pushes).values({
      deliveryId: d!.id,
      provider: 'github',
      repository: 'acme/app',
      ref: 'refs/heads/main',
      event: '',
      receivedAt: at,
      scanStatus,
    })
  }
}

const left = async () => {
  const [p] = await db.select({ n: count() }).from(pushes)
  const [d] = await db.select({ n: count() }).from(deliveries)
  return { pushes: p!.n, deliveries: d!.n }
}

describe('retention on D1', () => {
  it('deletes a backlog of 1100 expired pushes in rounds of 500, at most the given rounds per sweep', async () => {
    const now = 400 * DAY
    await received(1100, now - 120 * DAY, 'scanned', 'old')
    await received(3, now - 120 * DAY, 'pending', 'waiting')
    await received(2, now - DAY, 'scanned', 'new')

    expect(await pruneExpired({ db, now: () => now, retainDays: 90, maxRounds: 2 })).toEqual({
      pushes: 1000,
      deliveries: 1000,
      more: true,
    })
    expect(await pruneExpired({ db, now: () => now, retainDays: 90, maxRounds: 2 })).toEqual({
      pushes: 100,
      deliveries: 100,
      more: false,
    })
    expect(await left()).toEqual({ pushes: 5, deliveries: 5 })
    expect(await db.select({ n: count() }).from(pushes).where(eq(pushes.scanStatus, 'pending'))).toEqual([{ n: 3 }])
  })
})
