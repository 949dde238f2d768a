import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { groupCommitDeliveries } from '../../src/adapter/node/group-commit.js'
import { deliveries, jobs, pushes } from '../../src/db/schema.js'
import { type IncomingDelivery, openPushEvent } from '../../src/incidents/ingest/deliveries.js'
import { importKeys, type TokenKeys } from '../../src/incidents/sealing.js'
import type { PushEvent } from '../../src/platforms/types.js'
import { tempDatabase } from '../support/db.js'

let t: ReturnType<typeof tempDatabase>
let keys: TokenKeys
beforeEach(async () => {
  t = tempDatabase()
  keys = await importKeys({ sealingKey: new Uint8Array(32).fill(1), fingerprintKey: new Uint8Array(32).fill(2) })
})
afterEach(() => t.cleanup())

const push: PushEvent = {
  provider: 'github',
  repository: { id: '1', fullName: 'acme/app' },
  refUpdates: [{ ref: 'refs/heads/main', before: 'a'.repeat(40), after: 'b'.repeat(40) }],
  pusher: { name: 'p' },
  commits: [{ id: 'b'.repeat(40), message: 'hello', author: {}, distinct: true }],
}
/** A delivery of its own push (a distinct `after` per id), or of `of` (the same push replayed under another id). */
const delivery = (id: string, of: PushEvent = pushAfter(id)): IncomingDelivery => ({
  provider: 'github',
  deliveryId: id,
  event: 'push',
  bodyBytes: 100,
  push: of,
})
function pushAfter(id: string): PushEvent {
  const after = Buffer.from(id).toString('hex').padEnd(40, '0').slice(0, 40)
  return { ...push, refUpdates: [{ ...push.refUpdates[0]!, after }] }
}

describe('group-committed delivery storage', () => {
  it('stores a burst of deliveries, each with its push and scan job, and tells duplicates within the burst apart', async () => {
    const store = groupCommitDeliveries(t.drizzle, keys)
    const ids = Array.from({ length: 40 }, (_, i) => `d${i}`)
    const results = await Promise.all([...ids, 'd3', 'd7'].map((id) => store(delivery(id), 1000)))
    expect(results.filter((r) => r === 'stored')).toHaveLength(40)
    expect(results.slice(40)).toEqual(['duplicate', 'duplicate'])
    expect(await t.db.select().from(deliveries)).toHaveLength(40)
    expect(await t.db.select().from(jobs)).toHaveLength(40)
    const rows = await t.db.select().from(pushes)
    expect(rows).toHaveLength(40)
    expect(await openPushEvent(keys, rows[0]!.event)).toEqual(pushAfter('d0'))
    expect(await store(delivery('d0'), 2000)).toBe('duplicate')
  })

  it('answers the same push replayed under new delivery ids, in one burst or later, as a duplicate that stores nothing', async () => {
    const store = groupCommitDeliveries(t.drizzle, keys)
    const burst = await Promise.all(['first', 'replay-1', 'replay-2'].map((id) => store(delivery(id, push), 1000)))
    expect(burst).toEqual(['stored', 'duplicate', 'duplicate'])
    expect(await store(delivery('replay-3', push), 2000)).toBe('duplicate')
    expect((await t.db.select().from(deliveries)).map((d) => d.deliveryId)).toEqual(['first'])
    expect(await t.db.select().from(pushes)).toHaveLength(1)
    expect(await t.db.select().from(jobs)).toHaveLength(1)
  })

  it('refuses only the delivery that cannot be written, all-or-nothing, and stores its neighbours in the burst', async () => {
    const store = groupCommitDeliveries(t.drizzle, keys)
    t.sqlite.exec(
      `create trigger refuse before insert on jobs when new.payload like '%"poison"%' begin select raise(abort, 'refused'); end`,
    )
    const burst = await Promise.allSettled(['ok-1', 'poison', 'ok-2'].map((id) => store(delivery(id), 1000)))
    expect(burst.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
    // The refused delivery left no row behind: its delivery and push rows went with the failed job insert.
    expect((await t.db.select().from(deliveries)).map((d) => d.deliveryId).sort()).toEqual(['ok-1', 'ok-2'])
    expect(await t.db.select().from(pushes)).toHaveLength(2)
    t.sqlite.exec('drop trigger refuse')
    expect(await store(delivery('poison'), 2000)).toBe('stored')
  })
})
