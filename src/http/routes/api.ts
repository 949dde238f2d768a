/**
 * The admin API under `/api`, JSON, behind `Authorization: Bearer <admin token>`. Every route is declared with the
 * zod schemas that validate its input, and `/api/openapi.json` is generated from the same declarations, so the
 * document cannot drift from what the API accepts. Bad input is a 400 naming the field; without a valid token every
 * route answers the same 401, whether or not the id exists.
 *
 * @example
 * // GET /api/incidents?status=revoke_failed&limit=50   Authorization: Bearer …
 * // → { "items": [ { "id": 7, "status": "revoke_failed", "kind": "azure-devops-pat", … } ], "nextCursor": "eyJ0Ijo…" }
 */

import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi'
import {
  applyAdminAction,
  createSuppression,
  deleteSuppression,
  listSuppressions,
  showSuppression,
} from '../../incidents/admin/actions.js'
import { CSV_COLUMNS, incidentsCsv } from '../../incidents/admin/csv.js'
import { decodeCursor, getIncident, incidentStats, listIncidents } from '../../incidents/admin/queries.js'
import { ADMIN_ACTIONS, STATUSES } from '../../incidents/states.js'
import { TOKEN_KIND_IDS } from '../../kinds/index.js'
import { IncidentEvent, WEBHOOK_HEADERS } from '../../notify/channel-event.js'
import { EVENT_MEANING, NOTIFY_EVENTS } from '../../notify/events.js'
import { OCCURRENCE_SOURCES } from '../../platforms/content-event.js'
import { PLATFORM_IDS } from '../../platforms/ids.js'
import { requireAdmin } from '../admin-auth.js'
import type { AppEnv } from '../deps.js'
import { describeFindingsRoute } from './findings.js'
import { addStuckWorkRoutes } from './stuck-work.js'

const ErrorBody = z.object({ error: z.string(), requestId: z.string().optional() }).openapi('Error')
const errors = {
  400: { description: 'Bad input; `error` names the field', content: { 'application/json': { schema: ErrorBody } } },
  401: { description: 'No valid admin token', content: { 'application/json': { schema: ErrorBody } } },
}

const isoTime = z
  .string()
  .refine((v) => Number.isFinite(Date.parse(v)), 'expects an ISO 8601 date-time')
  .transform((v) => Date.parse(v))
  .openapi({ type: 'string', format: 'date-time' })

const Owner = z.object({
  name: z.string().nullable(),
  email: z.string().nullable(),
  login: z.string().nullable().openapi({ description: 'GitHub: the login `GET /user` gave' }),
})

const Latency = z.object({
  count: z.number(),
  medianMs: z.number().nullable(),
  p90Ms: z.number().nullable(),
  maxMs: z.number().nullable(),
})

const IncidentSummary = z
  .object({
    id: z.number().int(),
    status: z.enum(STATUSES),
    kind: z.enum(TOKEN_KIND_IDS),
    issuer: z.enum(PLATFORM_IDS),
    preview: z.string().openapi({ example: 'ghp_…x9Qz' }),
    firstSeenAt: z.string().openapi({ format: 'date-time' }),
    lastSeenAt: z.string().openapi({ format: 'date-time' }),
    occurrences: z.number().int(),
    repositories: z.array(z.string()),
    owner: Owner,
    timeToRevocationRequestMs: z.number().nullable().openapi({
      description:
        '"Requested after": from the push that first carried the token to the issuer accepting its revocation',
    }),
    timeToRevokeMs: z.number().nullable().openapi({
      description: '"Confirmed dead after": from that push to patrol seeing the token stop authenticating (`revoked`)',
    }),
  })
  .openapi('IncidentSummary')

const TimelineEntry = z
  .object({
    at: z.string().openapi({ format: 'date-time' }),
    type: z.enum(['occurrence', 'revocation', 'notification', 'audit']),
    summary: z.string(),
    detail: z.record(z.string(), z.unknown()),
  })
  .openapi('TimelineEntry')

const RevokedAuthorization = z
  .object({
    authorizationId: z.string(),
    displayName: z.string().optional(),
    scope: z.string().optional(),
    createdAt: z.string().optional(),
    why: z.string(),
  })
  .openapi('RevokedAuthorization')

const IncidentDetail = IncidentSummary.extend({
  revocationRequestedAt: z
    .string()
    .nullable()
    .openapi({ description: 'When the issuer accepted the revocation request' }),
  revokedAt: z.string().nullable().openapi({ description: 'When the token was confirmed dead; null until then' }),
  revokedAuthorizations: z.array(RevokedAuthorization).openapi({
    description: 'Every authorization patrol had revoked for this incident (Azure DevOps candidates), and why',
  }),
  occurrencesList: z.array(z.record(z.string(), z.unknown())),
  revocations: z.array(z.record(z.string(), z.unknown())),
  notifications: z.array(z.record(z.string(), z.unknown())),
  auditEvents: z.array(z.record(z.string(), z.unknown())),
  timeline: z.array(TimelineEntry),
}).openapi('IncidentDetail')

const IdParam = z.object({
  id: z.coerce
    .number()
    .int()
    .positive()
    .openapi({ param: { name: 'id', in: 'path' }, example: 7 }),
})

const Suppression = z
  .object({
    id: z.number().int(),
    kind: z.enum(['token', 'path']),
    fingerprintPrefix: z
      .string()
      .nullable()
      .openapi({ description: 'First 8 characters of the keyed fingerprint; never the token' }),
    repository: z.string().nullable(),
    pathGlob: z.string().nullable(),
    reason: z.string(),
    author: z.string(),
    expiresAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi('Suppression')

export const api = new OpenAPIHono<AppEnv>({
  defaultHook: (result, c) => {
    if (!result.success) {
      const issue = result.error.issues[0]
      const field = issue?.path.length ? issue.path.join('.') : result.target
      return c.json({ error: `${field}: ${issue?.message ?? 'invalid'}`, requestId: c.get('requestId') }, 400)
    }
  },
})

api.openAPIRegistry.registerComponent('securitySchemes', 'adminToken', {
  type: 'http',
  scheme: 'bearer',
  description: 'One of PATROL_ADMIN_TOKENS',
})
api.use('/api/*', async (c, next) => (c.req.path === '/api/openapi.json' ? next() : requireAdmin(c, next)))

const security = [{ adminToken: [] }]

// What patrol POSTs to PATROL_WEBHOOK_URL (notify/webhook.ts): documented here so a SIEM can be built against it.
api.openAPIRegistry.registerWebhook({
  method: 'post',
  path: 'incidentEvent',
  summary: 'An incident event, sent to PATROL_WEBHOOK_URL',
  description: `One message per incident, channel and outcome (events: ${NOTIFY_EVENTS.map((e) => `\`${e}\` ${EVENT_MEANING[e]}`).join('; ')}). Verify \`${WEBHOOK_HEADERS.signature}\`: \`sha256=\` + hex HMAC-SHA256 keyed with PATROL_WEBHOOK_SECRET over \`<${WEBHOOK_HEADERS.timestamp}>.<raw body>\`; refuse old timestamps; drop repeats of \`${WEBHOOK_HEADERS.delivery}\`.`,
  request: {
    headers: z.object({
      [WEBHOOK_HEADERS.event]: z.enum(NOTIFY_EVENTS),
      [WEBHOOK_HEADERS.delivery]: z.string(),
      [WEBHOOK_HEADERS.timestamp]: z.string().openapi({ description: 'Unix seconds' }),
      [WEBHOOK_HEADERS.signature]: z.string().openapi({ example: 'sha256=5f1c…' }),
    }),
    body: { content: { 'application/json': { schema: IncidentEvent } } },
  },
  responses: { 200: { description: 'Any 2xx: received. 5xx and 429 are retried with backoff; other 4xx are not.' } },
})

/** `status=revoke_failed,revocation_requested`: any of several statuses. */
const Statuses = z
  .string()
  .transform((v) => v.split(',').map((x) => x.trim()))
  .pipe(z.array(z.enum(STATUSES)).min(1))
  .openapi({
    type: 'string',
    description: 'One status, or several separated by commas (any of them)',
    example: 'revoke_failed,revoke_unconfirmed',
  })

api.openapi(
  createRoute({
    method: 'get',
    path: '/api/incidents.csv',
    summary: 'The filtered incident list as CSV (RFC 4180), every match; token previews only',
    security,
    request: {
      query: z.object({
        attention: z
          .enum(['true', 'false'])
          .optional()
          .openapi({ description: '`true`: only incidents whose token may still work (the page’s Needs attention)' }),
        status: Statuses.optional(),
        kind: z.enum(TOKEN_KIND_IDS).optional(),
        issuer: z.enum(PLATFORM_IDS).optional(),
        repository: z.string().min(1).max(400).optional(),
        since: isoTime.optional(),
        until: isoTime.optional(),
        q: z.string().min(1).max(200).optional(),
      }),
    },
    responses: {
      200: {
        description: `Columns: ${CSV_COLUMNS.join(', ')}`,
        content: { 'text/csv': { schema: z.string() } },
      },
      ...errors,
    },
  }),
  async (c) => {
    const q = c.req.valid('query')
    const csv = await incidentsCsv(c.get('deps').db, {
      ...q,
      attention: q.attention === 'true',
      sort: q.attention === 'true' ? 'risk' : 'first_seen',
      dir: q.attention === 'true' ? 'asc' : 'desc',
      page: 1,
      limit: 10_000,
    })
    c.header('Content-Disposition', 'attachment; filename="patrol-incidents.csv"')
    return c.body(csv, 200, { 'Content-Type': 'text/csv; charset=utf-8' }) as never
  },
)

api.openapi(
  createRoute({
    method: 'get',
    path: '/api/incidents',
    summary: 'List incidents, newest first',
    security,
    request: {
      query: z.object({
        status: Statuses.optional(),
        kind: z.enum(TOKEN_KIND_IDS).optional(),
        issuer: z.enum(PLATFORM_IDS).optional(),
        repository: z.string().min(1).optional().openapi({ description: 'A part of a repository name, any case' }),
        source: z.enum(OCCURRENCE_SOURCES).optional(),
        since: isoTime.optional(),
        until: isoTime.optional(),
        q: z.string().min(1).max(200).optional(),
        limit: z.coerce.number().int().min(1).max(200).default(50),
        cursor: z
          .string()
          .refine((v) => decodeCursor(v) !== undefined, 'expects the nextCursor of a previous page')
          .optional(),
      }),
    },
    responses: {
      200: {
        description: 'A page of incidents; pass `nextCursor` back as `cursor` for the next one',
        content: {
          'application/json': {
            schema: z.object({ items: z.array(IncidentSummary), nextCursor: z.string().nullable() }),
          },
        },
      },
      ...errors,
    },
  }),
  async (c) => {
    const q = c.req.valid('query')
    const page = await listIncidents(c.get('deps').db, q)
    return c.json(page as never, 200)
  },
)

api.openapi(
  createRoute({
    method: 'get',
    path: '/api/incidents/{id}',
    summary: 'One incident with its occurrences, revocation attempts, emails and audit events, as one timeline',
    security,
    request: { params: IdParam },
    responses: {
      200: { description: 'The incident', content: { 'application/json': { schema: IncidentDetail } } },
      404: { description: 'No such incident', content: { 'application/json': { schema: ErrorBody } } },
      ...errors,
    },
  }),
  async (c) => {
    const { id } = c.req.valid('param')
    const incident = await getIncident(c.get('deps').db, id)
    if (!incident) return c.json({ error: `incident ${id} not found`, requestId: c.get('requestId') }, 404)
    return c.json(incident as never, 200)
  },
)

api.openapi(
  createRoute({
    method: 'post',
    path: '/api/incidents/{id}/actions',
    summary:
      'Resolve, dismiss as false positive, reopen, retry the response, send a suppressed token back to response (unsuppress), or verify the held token now',
    description:
      '`verify_now` queues a check of the token patrol still holds (GitHub `GET /user`, Azure DevOps `connectionData`) and answers with the state unchanged; the result lands in the timeline, and a dead token moves the incident to `revoked` (a revocation was requested) or `inactive`.',
    security,
    request: {
      params: IdParam,
      body: {
        required: true,
        content: {
          'application/json': {
            schema: z
              .object({ action: z.enum(ADMIN_ACTIONS), note: z.string().max(2000).optional() })
              .openapi('IncidentAction'),
          },
        },
      },
    },
    responses: {
      200: {
        description: 'Done',
        content: {
          'application/json': { schema: z.object({ id: z.number(), from: z.enum(STATUSES), to: z.enum(STATUSES) }) },
        },
      },
      404: { description: 'No such incident', content: { 'application/json': { schema: ErrorBody } } },
      409: {
        description: 'Not allowed from the current state; `error` names it',
        content: { 'application/json': { schema: ErrorBody } },
      },
      ...errors,
    },
  }),
  async (c) => {
    const { id } = c.req.valid('param')
    const { action, note } = c.req.valid('json')
    const { db, now, jobsEnqueued } = c.get('deps')
    const result = await applyAdminAction(db, {
      incidentId: id,
      action,
      note,
      actor: `admin:${c.get('admin')}`,
      now: now(),
    })
    if ('error' in result) return c.json({ error: result.error, requestId: c.get('requestId') }, result.status)
    if (action === 'retry_response' || action === 'unsuppress' || action === 'verify_now') jobsEnqueued()
    return c.json({ id, ...result }, 200)
  },
)

api.openapi(
  createRoute({
    method: 'get',
    path: '/api/suppressions',
    summary: 'Live suppressions',
    security,
    responses: {
      200: {
        description: 'Suppressions',
        content: { 'application/json': { schema: z.object({ items: z.array(Suppression) }) } },
      },
      ...errors,
    },
  }),
  async (c) => c.json({ items: (await listSuppressions(c.get('deps').db)).map(showSuppression) }, 200),
)

const NewSuppression = z
  .object({
    token: z
      .string()
      .min(20)
      .max(2000)
      .optional()
      .openapi({ description: 'The token to suppress, pasted once: patrol stores only its fingerprint' }),
    repository: z.string().min(1).max(400).optional(),
    pathGlob: z.string().min(1).max(400).optional().openapi({ example: 'test/fixtures/**' }),
    reason: z.string().min(1).max(2000),
    expiresAt: isoTime.optional(),
  })
  .refine((s) => Boolean(s.token) !== Boolean(s.repository), {
    message: 'expects either `token` or `repository` (with an optional `pathGlob`)',
    path: ['token'],
  })
  .refine((s) => !(s.token && s.pathGlob), {
    message: 'a token suppression applies everywhere; leave pathGlob out',
    path: ['pathGlob'],
  })
  .openapi('NewSuppression')

api.openapi(
  createRoute({
    method: 'post',
    path: '/api/suppressions',
    summary: 'Suppress one token (by fingerprint) or a repository path glob',
    security,
    request: { body: { required: true, content: { 'application/json': { schema: NewSuppression } } } },
    responses: { 201: { description: 'Created', content: { 'application/json': { schema: Suppression } } }, ...errors },
  }),
  async (c) => {
    const body = c.req.valid('json')
    const { db, keys, now } = c.get('deps')
    if (body.expiresAt !== undefined && body.expiresAt <= now())
      return c.json({ error: 'expiresAt: expects a time in the future', requestId: c.get('requestId') }, 400)
    const row = await createSuppression(db, keys, { ...body, author: c.get('admin') }, now())
    return c.json(showSuppression(row), 201)
  },
)

api.openapi(
  createRoute({
    method: 'delete',
    path: '/api/suppressions/{id}',
    summary: 'Remove a suppression (kept in the audit trail)',
    security,
    request: { params: IdParam },
    responses: {
      204: { description: 'Removed' },
      404: { description: 'No such live suppression', content: { 'application/json': { schema: ErrorBody } } },
      ...errors,
    },
  }),
  async (c) => {
    const { id } = c.req.valid('param')
    const { db, now } = c.get('deps')
    if (!(await deleteSuppression(db, id, `admin:${c.get('admin')}`, now())))
      return c.json({ error: `suppression ${id} not found`, requestId: c.get('requestId') }, 404)
    return c.body(null, 204)
  },
)

api.openapi(
  createRoute({
    method: 'get',
    path: '/api/stats',
    summary: 'Counts by status, kind and repository, and time from push to revocation',
    security,
    request: { query: z.object({ since: isoTime.optional() }) },
    responses: {
      200: {
        description: 'Stats',
        content: {
          'application/json': {
            schema: z
              .object({
                since: z.string().nullable(),
                byStatus: z.record(z.string(), z.number()),
                byKind: z.record(z.string(), z.number()),
                byRepository: z.record(z.string(), z.number()),
                pushToRequest: Latency.openapi({ description: 'Push to the issuer accepting the revocation request' }),
                pushToRevoke: Latency.openapi({ description: 'Push to the token confirmed dead (state revoked)' }),
              })
              .openapi('Stats'),
          },
        },
      },
      ...errors,
    },
  }),
  async (c) => c.json(await incidentStats(c.get('deps').db, c.req.valid('query').since), 200),
)

addStuckWorkRoutes(api)
describeFindingsRoute(api.openAPIRegistry)

api.doc31('/api/openapi.json', {
  openapi: '3.1.0',
  info: {
    title: 'patrol admin API',
    version: '1',
    description: 'Incidents, suppressions and stats of patrol, the leak-response service for personal access tokens.',
  },
})
