/**
 * Retention (PATROL_RETAIN_DAYS) on a real SQLite file: pushes and deliveries older than the setting are deleted once
 * their scan is over, incidents and occurrences stay, a push still waiting for its scan stays whatever its age, and
 * the job runner prunes when it finds nothing due (its idle time), at most once an hour.
 */
import { eq } from 'drizzle-orm'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { deliveries, incidents, jobs, occurrences, pushes } from '../../src/db/schema.js'
import { type IncomingDelivery, storeDelivery } from '../../src/incidents/ingest/deliveries.js'
import { pruneExpired, retentionSweep } from '../../src/incidents/retention.js'
import { importKeys, type TokenKeys } from '../../src/incidents/sealing.js'
import { createRunner } from '../../src/jobs/runner.js'
import { createLogger } from '../../src/log.js'
import type { PushEvent } from '../../src/platforms/types.js'
import { tempDatabase } from '../support/db.js'

const DAY = 86_400_000
let t: ReturnType<typeof tempDatabase>
let keys: TokenKeys
beforeEach(async () => {
  t = tempDatabase()
  keys = await importKeys({ sealingKey: new Uint8Array(32).fill(1), fingerprintKey: new Uint8Array(32).fill(2) })
})
afterEach(() => t.cleanup())

function delivery(id: string): IncomingDelivery {
  const push: PushEvent = {
    provider: 'github',
    repository: { id: '1', fullName: 'acme/app' },
    refUpdates: [{ ref: 'refs/heads/main', before: 'a'.repeat(40), after: afterOf(id) }],
    pusher: { name: 'p' },
    commits: [],
  }
  return { provider: 'github', deliveryId: id, event: 'push', bodyBytes: 10, push }
}

const afterOf = (id: string) => Buffer.from(id).toString('hex').padEnd(40, '0')

/** A delivery received `daysAgo` before `now`, its scan over unless `pending`. */
async function received(id: string, at: number, scanned = true) {
  await storeDelivery(t.db, keys, delivery(id), at)
  if (scanned)
    await t.db
      .update(pushes)
      .set({ scanStatus: 'scanned', event: '' })
      .where(eq(pushes.contentKey, `github acme/app refs/heads/main:${'a'.repeat(40)}..${afterOf(id)}`))
}

async function anIncidentSeenIn(pushId: number, at: number) {
  const [incident] = await t.db
    .insert(incidents)
    .values({
      fingerprint: `fp-${pushId}`,
      kind: 'github-classic-pat',
      issuer: 'github',
      preview: 'ghp_…abcd',
      status: 'revoked',
      statusChangedAt: at,
      firstSeenAt: at,
      lastSeenAt: at,
      firstPushedAt: at,
      createdAt: at,
      updatedAt: at,
    })
    .returning()
  await t.db.insert(occurrences).values({
    incidentId: incident!.id,
    pushId,
    provider: 'github',
    repository: 'acme/app',
    path: 'a.env',
    line: 1,
    encoding: 'plain',
    seenAt: at,
  })
}

const ids = async () => (await t.db.select().from(deliveries)).map((d) => d.deliveryId).sort()

describe('retention', () => {
  it('deletes pushes and deliveries older than the setting once scanned, keeping recent ones, pending ones, incidents and occurrences', async () => {
    const now = 400 * DAY
    await received('a1', now - 100 * DAY)
    await received('a2', now - 91 * DAY)
    await received('b1', now - 89 * DAY)
    await received('c1', now - 200 * DAY, false)
    const [old] = await t.db.select().from(pushes).limit(1)
    await anIncidentSeenIn(old!.id, now - 100 * DAY)

    expect(await pruneExpired({ db: t.db, now: () => now, retainDays: 90 })).toEqual({
      pushes: 2,
      deliveries: 2,
      more: false,
    })
    expect(await ids()).toEqual(['b1', 'c1'])
    expect((await t.db.select().from(pushes)).map((p) => p.scanStatus).sort()).toEqual(['pending', 'scanned'])
    expect(await t.db.select().from(incidents)).toHaveLength(1)
    expect(await t.db.select().from(occurrences)).toHaveLength(1)
    // The scan jobs are the queue's (done jobs keep their idempotency keys): retention leaves them alone.
    expect(await t.db.select().from(jobs)).toHaveLength(4)
  })

  it('prunes in rounds until nothing old is left', async () => {
    const now = 400 * DAY
    for (let i = 0; i < 501; i++) await received(`r${i}`, now - 120 * DAY)
    await received('new', now)
    expect(await pruneExpired({ db: t.db, now: () => now, retainDays: 90 })).toEqual({
      pushes: 501,
      deliveries: 501,
      more: false,
    })
    expect(await ids()).toEqual(['new'])
  })

  it('stops at its round limit and says more are left; the next idle sweep carries on without waiting an hour', async () => {
    const now = 400 * DAY
    for (let i = 0; i < 1001; i++) await received(`r${i}`, now - 120 * DAY)
    const lines: string[] = []
    const sweep = retentionSweep({
      db: t.db,
      log: createLogger({ write: (l) => lines.push(l) }),
      now: () => now,
      retainDays: 90,
      maxRounds: 1,
    })
    const pruned = () => lines.filter((l) => l.includes('retention.pruned')).map((l) => JSON.parse(l).pushes)
    await sweep()
    expect(pruned()).toEqual([500])
    await sweep()
    await sweep()
    expect(pruned()).toEqual([500, 500, 1])
    expect(await ids()).toEqual([])
    // Caught up: the next sweep waits its hour.
    await received('late', now - 120 * DAY)
    await sweep()
    expect(await ids()).toEqual(['late'])
  })

  it('runs from the job runner when nothing is due, at most once an hour', async () => {
    let now = 400 * DAY
    const lines: string[] = []
    const log = createLogger({ write: (l) => lines.push(l) })
    const runner = (idle?: () => Promise<void>) =>
      createRunner({ db: t.db, worker: 'w', handlers: { 'scan-push': async () => {} }, log, now: () => now, idle })
    const withSweep = runner(retentionSweep({ db: t.db, log, now: () => now, retainDays: 30 }))

    await received('old-1', now - 31 * DAY)
    await runner().drain()
    expect(await ids()).toEqual(['old-1'])
    await withSweep.drain()
    expect(await ids()).toEqual([])
    expect(lines.filter((l) => l.includes('retention.pruned'))).toHaveLength(1)

    await received('old-2', now - 31 * DAY)
    now += 30 * 60_000
    await withSweep.drain()
    expect(await ids()).toEqual(['old-2'])
    now += 31 * 60_000
    await withSweep.drain()
    expect(await ids()).toEqual([])
  })
})
