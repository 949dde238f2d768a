/**
 * `GET /healthz`: 200 when the database answers, with the queue's depth and the age of its oldest due job, and
 * `"status":"degraded"` with the reasons when work is stuck (a push unscanned for more than 10 minutes, a dead job, a
 * job running past its stale limit; src/jobs/stuck.ts). Degraded is still 200, so that a load balancer keeps routing
 * webhooks to a process that can take them; an uptime check reads `status`. 503 when the database does not answer.
 *
 * @example
 * // GET /healthz → 200 {"status":"ok","database":"ok","queue":{…},"stuck":{…},"reasons":[]}
 * // GET /healthz → 200 {"status":"degraded",…,"reasons":["2 dead jobs: patrol gave up on them; …"]}
 */

import { sql } from 'drizzle-orm'
import { Hono } from 'hono'
import { queueStats } from '../../jobs/queue.js'
import { degradedReasons, stuckWork } from '../../jobs/stuck.js'
import type { AppEnv } from '../deps.js'

export const health = new Hono<AppEnv>().get('/healthz', async (c) => {
  const { db, now, config } = c.get('deps')
  try {
    await db.run(sql`select 1`)
    const at = now()
    const queue = await queueStats(db, at)
    const stuck = await stuckWork(db, at, { staleMs: config.jobs.staleMs })
    const reasons = degradedReasons(stuck)
    return c.json({ status: reasons.length ? 'degraded' : 'ok', database: 'ok', queue, stuck, reasons })
  } catch (error) {
    c.get('log').error('health.database_failed', { error: error instanceof Error ? error.message : String(error) })
    return c.json({ status: 'unavailable', database: 'unreachable', requestId: c.get('requestId') }, 503)
  }
})
