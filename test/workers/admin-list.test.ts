/**
 * The admin list on D1 with a full page of live incidents: what each waits for is read in slices, so no statement
 * binds more than D1's 100 parameters (a page of 200, or the CSV export's 10,000, would otherwise fail).
 */
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { openD1Database } from '../../src/adapter/workers/d1.js'
import { incidents, jobs } from '../../src/db/schema.js'
import { listIncidentPage } from '../../src/incidents/admin/queries.js'

const db = openD1Database(env.DB)

describe('the admin list on D1', () => {
  it('says what each of 150 live incidents waits for, in one page', async () => {
    const now = Date.now()
    for (let i = 0; i < 150; i++) {
      const [incident] = await db
        .insert(incidents)
        .values({
          fingerprint: `live-${i}-`.padEnd(64, 'x'),
          kind: 'github-classic-pat',
          issuer: 'github',
          preview: 'ghp_…abcd',
          status: 'responding',
          statusChangedAt: now,
          firstSeenAt: now - i,
          lastSeenAt: now,
          firstPushedAt: now,
          createdAt: now,
          updatedAt: now,
        })
        .returning({ id: incidents.id })
      await db.insert(jobs).values({
        kind: 'respond',
        payload: JSON.stringify({ incidentId: incident!.id }),
        state: 'queued',
        maxAttempts: 1000,
        runAt: now + i * 1000,
        createdAt: now,
        updatedAt: now,
      })
    }
    const page = await listIncidentPage(db, { limit: 200, page: 1, sort: 'risk', dir: 'asc', attention: true })
    expect(page.total).toBe(150)
    expect(page.items).toHaveLength(150)
    expect(page.items.every((item) => item.waiting?.next?.kind === 'respond')).toBe(true)
  })
})
