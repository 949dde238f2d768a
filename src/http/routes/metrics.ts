/**
 * `GET /metrics`: Prometheus text format, behind the admin bearer token (Prometheus sends it with
 * `authorization: { credentials: … }` in the scrape config).
 *
 * @example
 * // curl -H "Authorization: Bearer $TOKEN" localhost:8787/metrics
 */
import { Hono } from 'hono'
import { renderMetrics } from '../../incidents/admin/metrics.js'
import { requireAdmin } from '../admin-auth.js'
import type { AppEnv } from '../deps.js'

export const metrics = new Hono<AppEnv>().get('/metrics', requireAdmin, async (c) => {
  const { db, now } = c.get('deps')
  return c.text(await renderMetrics(db, now()), 200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' })
})
