/**
 * Admin API routes for stuck work: `GET /api/stuck` lists the unscanned pushes and the dead jobs (what makes
 * /healthz `degraded`), `POST /api/jobs/{id}/retry` puts a dead job back in the queue, and
 * `POST /api/pushes/{id}/rescan` scans a push again from the start. Both actions are audited with the admin's name.
 * Registered on the admin API (routes/api.ts), so they share its bearer check, its 400s and its OpenAPI document.
 *
 * @example
 * // GET /api/stuck → { "pushes": [ { "id": 3, "status": "failed", "reasons": ["scan failed: … check GITHUB_TOKEN"] }
 * ],
 * //                    "deadJobs": [ { "id": 9, "kind": "notify", "attempts": 41, "lastError": "SMTP …" } ] }
 * // POST /api/jobs/9/retry → { "id": 9, "queued": true }
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi'
import { rescanPush, retryDeadJob, stuckLists } from '../../jobs/stuck.js'
import type { AppEnv } from '../deps.js'

const ErrorBody = z.object({ error: z.string(), requestId: z.string().optional() })
const Id = z.object({
  id: z.coerce
    .number()
    .int()
    .positive()
    .openapi({ param: { name: 'id', in: 'path' } }),
})
const security = [{ adminToken: [] }]
const errorResponses = {
  400: { description: 'Bad input; `error` names the field', content: { 'application/json': { schema: ErrorBody } } },
  401: { description: 'No valid admin token', content: { 'application/json': { schema: ErrorBody } } },
}
const Done = z.object({ id: z.number().int(), queued: z.literal(true) })

const Stuck = z
  .object({
    pushes: z.array(
      z.object({
        id: z.number().int(),
        provider: z.string(),
        repository: z.string(),
        ref: z.string(),
        status: z.enum(['pending', 'failed']),
        receivedAt: z.string().openapi({ format: 'date-time' }),
        reasons: z.array(z.string()),
      }),
    ),
    deadJobs: z.array(
      z.object({
        id: z.number().int(),
        kind: z.string(),
        attempts: z.number().int(),
        lastError: z.string().nullable(),
        finishedAt: z.string().nullable().openapi({ format: 'date-time' }),
      }),
    ),
  })
  .openapi('StuckWork')

export function addStuckWorkRoutes(api: OpenAPIHono<AppEnv>): void {
  api.openapi(
    createRoute({
      method: 'get',
      path: '/api/stuck',
      summary: 'Unscanned pushes and dead jobs, oldest first (at most 100 of each)',
      security,
      responses: {
        200: { description: 'The lists', content: { 'application/json': { schema: Stuck } } },
        ...errorResponses,
      },
    }),
    async (c) => {
      const lists = await stuckLists(c.get('deps').db)
      const iso = (ms: number) => new Date(ms).toISOString()
      return c.json(
        {
          pushes: lists.pushes.map((p) => ({ ...p, receivedAt: iso(p.receivedAt) })),
          deadJobs: lists.deadJobs.map((j) => ({ ...j, finishedAt: j.finishedAt === null ? null : iso(j.finishedAt) })),
        },
        200,
      )
    },
  )

  for (const [path, summary, act, missing] of [
    ['/api/jobs/{id}/retry', 'Put a dead job back in the queue, due now', retryDeadJob, 'no dead job with this id'],
    ['/api/pushes/{id}/rescan', 'Scan a push again from the start', rescanPush, 'no push with this id'],
  ] as const)
    api.openapi(
      createRoute({
        method: 'post',
        path,
        summary,
        security,
        request: { params: Id },
        responses: {
          200: { description: 'Queued', content: { 'application/json': { schema: Done } } },
          404: { description: missing, content: { 'application/json': { schema: ErrorBody } } },
          ...errorResponses,
        },
      }),
      async (c) => {
        const { id } = c.req.valid('param')
        const { db, now, jobsEnqueued } = c.get('deps')
        if (!(await act(db, id, `admin:${c.get('admin')}`, now())))
          return c.json({ error: missing, requestId: c.get('requestId') }, 404)
        jobsEnqueued()
        return c.json({ id, queued: true as const }, 200)
      },
    )
}
