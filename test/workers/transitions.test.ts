/** The transition rules (test/support/transition-cases.ts) on D1 in workerd: the move and its audit event are one batch. */
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { countStatements, openD1Database } from '../../src/adapter/workers/d1.js'
import { transition } from '../../src/incidents/transitions.js'
import { incidentIn, TRANSITION_CASES } from '../support/transition-cases.js'

describe('incident transitions on D1', () => {
  const db = openD1Database(env.DB)
  for (const c of TRANSITION_CASES) it(c.name, () => c.run(db, expect))

  it('a move is two statements sent as one batch', async () => {
    let batches = 0
    const spied = new Proxy(env.DB, {
      get(target, key) {
        if (key === 'batch')
          return (s: Parameters<typeof target.batch>[0]) => {
            batches++
            return target.batch(s)
          }
        const value = Reflect.get(target, key, target)
        return typeof value === 'function' ? value.bind(target) : value
      },
    })
    const { binding, statements } = countStatements(spied)
    const counted = openD1Database(binding)
    const id = await incidentIn(db, 'new', 'fp-batch')
    expect(await transition(counted, { incidentId: id, from: 'new', to: 'responding', actor: 'patrol', now: 5 })).toBe(
      true,
    )
    expect([statements.count, batches]).toEqual([2, 1])
  })
})
