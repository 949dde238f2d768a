/**
 * `POST /api/findings`: findings from `patrol scan --report` (src/cli/report-findings.ts), each with its raw token so
 * that patrol can respond to it. Only a reporter token (`PATROL_REPORTER_TOKENS`) is accepted here, and a reporter
 * token opens nothing else (the rest of `/api` asks for an admin token). The body is never logged, and no answer
 * echoes a token: a malformed finding is a 400 naming its field; a token whose checksum does not hold is `refused`
 * in its result. Each finding is recorded once per token and place (src/incidents/ingest/reported.ts).
 *
 * @example
 * // POST /api/findings  Authorization: Bearer <reporter token>
 * //
 * {"findings":[{"kind":"github-classic-pat","secret":"ghp_…","repository":"acme/api","commit":"…","path":"a.env","line":3}]}
 * // → 200 {"recorded":1,"duplicates":0,"refused":0,"results":[{"outcome":"recorded","incidentId":7}]}
 */
import type { OpenAPIHono } from '@hono/zod-openapi'
import { Hono } from 'hono'
import { z } from 'zod'
import { type ReportedOutcome, recordReported } from '../../incidents/ingest/reported.js'
import { TOKEN_KIND_IDS } from '../../kinds/index.js'
import { PLATFORM_IDS } from '../../platforms/ids.js'
import { findAdmin } from '../admin-auth.js'
import type { AppEnv } from '../deps.js'
import { jsonError } from '../errors.js'

/** Findings one request may carry; the CLI sends batches of this size. */
export const MAX_FINDINGS_PER_REQUEST = 500

// Messages name the field and what it expects, never the value (it may be a token).
const finding = z.strictObject({
  kind: z.enum(TOKEN_KIND_IDS, { error: `expects one of ${TOKEN_KIND_IDS.join(', ')}` }),
  secret: z.string({ error: 'expects the token' }).min(1, 'expects the token').max(2048, 'expects a token'),
  platform: z.enum(PLATFORM_IDS, { error: `expects one of ${PLATFORM_IDS.join(', ')}` }).optional(),
  repository: z.string().min(1).max(512, 'expects at most 512 characters').optional(),
  commit: z
    .string()
    .regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/, 'expects a hex commit SHA')
    .optional(),
  path: z.string().min(1).max(4096, 'expects at most 4096 characters').optional(),
  line: z.number({ error: 'expects a line number' }).int().positive().optional(),
  column: z.number({ error: 'expects a column number' }).int().positive().optional(),
  encoding: z.string().max(100).optional(),
  committedAt: z.iso.datetime({ offset: true, error: 'expects an ISO 8601 time' }).optional(),
})

const body = z.strictObject({
  findings: z
    .array(finding, { error: 'expects an array of findings' })
    .min(1, 'expects at least one finding')
    .max(MAX_FINDINGS_PER_REQUEST, `expects at most ${MAX_FINDINGS_PER_REQUEST} findings a request`),
})

const outcome = z.object({
  outcome: z.enum(['recorded', 'duplicate', 'refused']),
  incidentId: z.number().int().optional(),
  error: z.string().optional(),
})
const answer = z.object({
  recorded: z.number().int(),
  duplicates: z.number().int(),
  refused: z.number().int(),
  results: z.array(outcome),
})
const errorBody = z.object({ error: z.string(), requestId: z.string() })

/** Describes this route in the API's OpenAPI document (routes/api.ts), with its own security scheme. */
export function describeFindingsRoute(registry: OpenAPIHono['openAPIRegistry']): void {
  registry.registerComponent('securitySchemes', 'reporterToken', {
    type: 'http',
    scheme: 'bearer',
    description: 'One of PATROL_REPORTER_TOKENS: it may submit findings and nothing else',
  })
  registry.registerPath({
    method: 'post',
    path: '/api/findings',
    summary: 'Submit findings from `patrol scan --report` (raw tokens, for revocation)',
    security: [{ reporterToken: [] }],
    request: { body: { content: { 'application/json': { schema: body } }, required: true } },
    responses: {
      200: {
        description: 'Each finding recorded, a duplicate, or refused',
        content: { 'application/json': { schema: answer } },
      },
      400: {
        description: 'A malformed finding, named by its field',
        content: { 'application/json': { schema: errorBody } },
      },
      401: { description: 'No reporter token', content: { 'application/json': { schema: errorBody } } },
    },
  })
}

export const findingsRoute = new Hono<AppEnv>()

findingsRoute.post('/api/findings', async (c) => {
  const { config, db, keys, now, log, jobsEnqueued } = c.get('deps')
  const presented = /^Bearer ([^\s]+)$/i.exec(c.req.header('authorization') ?? '')?.[1] ?? ''
  const reporter = presented ? await findAdmin(config.secrets.reporterTokens, presented) : undefined
  if (!reporter) {
    c.header('WWW-Authenticate', 'Bearer realm="patrol"')
    return jsonError(c, 401, 'authorization: expects `Bearer <reporter token>` (PATROL_REPORTER_TOKENS)')
  }
  let raw: unknown
  try {
    raw = await c.req.json()
  } catch {
    return jsonError(c, 400, 'body: expects a JSON object `{ "findings": [ … ] }`')
  }
  const parsed = body.safeParse(raw)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const field = issue?.path.length ? issue.path.join('.') : 'body'
    // zod's own messages for unknown keys list the keys, never values; every other message is ours.
    return jsonError(c, 400, `${field}: ${issue?.message ?? 'invalid'}`)
  }

  const results: ReportedOutcome[] = []
  for (const [i, f] of parsed.data.findings.entries()) {
    const result = await recordReported(db, keys, f, { now: now(), historyResponse: config.historyResponse })
    results.push(result.outcome === 'refused' ? { ...result, error: `findings.${i}.${result.error}` } : result)
  }
  const count = (o: ReportedOutcome['outcome']) => results.filter((r) => r.outcome === o).length
  const summary = { recorded: count('recorded'), duplicates: count('duplicate'), refused: count('refused') }
  log.info('findings.reported', { reporter: reporter.name, ...summary })
  if (summary.recorded) jobsEnqueued()
  return c.json({ ...summary, results }, 200)
})
