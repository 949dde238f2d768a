/**
 * `GET /healthz`: 200 when the database answers, with the queue's depth and the age of its oldest due job, so that a
 * load balancer or an uptime check can see a stuck queue; 503 when the database does not answer.
 *
 * @example
 * // GET /healthz → 200 {"status":"ok","database":"ok","queue":{"depth":0,"oldestDueAgeMs":0,"dead":0}}
 */

import { sql } from 'drizzle-orm'
import { Hono } from 'hono'
import { queueStats } from '../../jobs/queue.js'
import type { AppEnv } from '../deps.js'

export const health = new Hono<AppEnv>().get('/healthz', async (c) => {
  const { db, now } = c.get('deps')
  try {
    await db.run(sql`select 1`)
    const queue = await queueStats(db, now())
    return c.json({ status: 'ok', database: 'ok', queue })
  } catch (error) {
    c.get('log').error('health.database_failed', { error: error instanceof Error ? error.message : String(error) })
    return c.json({ status: 'unavailable', database: 'unreachable', requestId: c.get('requestId') }, 503)
  }
})
