/**
 * `GET /metrics`: Prometheus text format, behind the admin bearer token (Prometheus sends it with
 * `authorization: { credentials: … }` in the scrape config). Besides patrol's counters, what is stuck: unscanned
 * pushes, the oldest one's age, and jobs running past their stale limit (dead jobs are `patrol_jobs_dead`).
 *
 * @example
 * // curl -H "Authorization: Bearer $TOKEN" localhost:8787/metrics
 * // patrol_pushes_unscanned 0
 */
import { Hono } from 'hono'
import { type Family, render, renderMetrics } from '../../incidents/admin/metrics.js'
import { type StuckWork, stuckWork } from '../../jobs/stuck.js'
import { requireAdmin } from '../admin-auth.js'
import type { AppEnv } from '../deps.js'

export const metrics = new Hono<AppEnv>().get('/metrics', requireAdmin, async (c) => {
  const { db, now, config } = c.get('deps')
  const at = now()
  const stuck = await stuckWork(db, at, { staleMs: config.jobs.staleMs })
  const text = `${await renderMetrics(db, at)}${stuckFamilies(stuck).map(render).join('\n')}\n`
  return c.text(text, 200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' })
})

function stuckFamilies(s: StuckWork): Family[] {
  const gauge = (name: string, help: string, value: number): Family => ({
    name,
    help,
    type: 'gauge',
    samples: [{ value }],
  })
  return [
    gauge('patrol_pushes_unscanned', 'Pushes whose scan has not ended.', s.unscannedPushes),
    gauge(
      'patrol_pushes_unscanned_overdue',
      'Pushes unscanned for more than 10 minutes (health is degraded).',
      s.overdueUnscannedPushes,
    ),
    gauge(
      'patrol_oldest_unscanned_push_age_seconds',
      'Age of the oldest unscanned push; 0 when none.',
      s.oldestUnscannedAgeMs / 1000,
    ),
    gauge('patrol_jobs_stale_running', 'Jobs running past PATROL_JOB_STALE_MS.', s.staleRunningJobs),
  ]
}
