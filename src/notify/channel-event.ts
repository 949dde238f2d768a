/**
 * The one description of an incident that every chat and webhook notifier sends: the generic webhook posts it as
 * is (its schema is in the OpenAPI document as `IncidentEvent`), Slack and Teams render it. Built from what patrol
 * recorded; it holds the token's redacted preview, never the token. Every string from a push is cleaned
 * (pushed-text.ts) before it goes in.
 *
 * @example
 * const body = IncidentEvent.parse(await describeIncident(db, config, { incidentId: 7, event: 'incident.new', … }))
 */
import { z } from '@hono/zod-openapi'
import { CHANNEL_IDS, NOTIFY_EVENTS } from './events.js'

const Links = z
  .object({
    repository: z.string().url().optional(),
    commit: z.string().url().optional(),
    file: z.string().url().optional().openapi({ description: 'The file at the commit, at the line when known' }),
  })
  .openapi('IncidentEventLinks')

export const IncidentEvent = z
  .object({
    version: z.literal(1),
    delivery: z.string().openapi({
      description:
        'Unique per incident, channel and outcome; a retried send repeats it, so a receiver can drop repeats',
      example: '7:revoked:webhook',
    }),
    event: z.enum(NOTIFY_EVENTS).openapi({ description: 'Why this message: its first event' }),
    events: z.array(z.enum(NOTIFY_EVENTS)).min(1).openapi({
      description:
        'Every event the message stands for: the first message about an incident is `incident.new` plus its outcome’s event',
    }),
    followUp: z.boolean().openapi({ description: 'An earlier message about this incident went to this channel' }),
    channel: z.enum(CHANNEL_IDS),
    sentAt: z.string().openapi({ format: 'date-time' }),
    incident: z.object({
      id: z.number().int(),
      url: z.string().url().optional().openapi({ description: 'The incident on the admin page (PATROL_PUBLIC_URL)' }),
      kind: z.string().openapi({ example: 'github-classic-pat' }),
      kindLabel: z.string().openapi({ example: 'GitHub personal access token (classic)' }),
      preview: z.string().openapi({ example: 'ghp_…x9Qz', description: 'Redacted; never the token' }),
      issuer: z.string().openapi({ example: 'github' }),
      status: z.string().openapi({ example: 'revoked' }),
      statusLabel: z.string().openapi({ example: 'revoked' }),
      mayBeLive: z.boolean().openapi({ description: 'patrol has not seen the token dead and no admin closed it' }),
      firstSeenAt: z.string().openapi({ format: 'date-time' }),
      publishedExample: z.boolean(),
      owner: z.string().optional().openapi({ description: 'The token’s owner as the issuer named them' }),
      occurrences: z.number().int().openapi({ description: 'Places the token was seen' }),
    }),
    waiting: z
      .object({
        for: z
          .string()
          .openapi({ description: 'What patrol is waiting for', example: 'the revocation call to succeed' }),
        reason: z.string().optional().openapi({ description: 'The last failed attempt’s reason' }),
        since: z.string().openapi({ format: 'date-time', description: 'When the attempts began failing' }),
        nextAttemptAt: z.string().optional().openapi({ format: 'date-time', description: 'When patrol tries next' }),
      })
      .optional()
      .openapi({
        description:
          'A `needs_attention` message about a response that has kept failing (and retrying) for more than 10 minutes',
      }),
    response: z.object({
      outcome: z.string().optional().openapi({ description: 'The latest revocation attempt’s outcome' }),
      detail: z.string().optional(),
    }),
    locations: z
      .array(
        z.object({
          repository: z.string(),
          branch: z.string().optional(),
          commit: z.string().optional(),
          path: z.string(),
          line: z.number().int().optional(),
          author: z.string().optional().openapi({ description: 'The commit’s author as the push named them' }),
          links: Links,
        }),
      )
      .openapi({ description: 'The first five places the token was seen' }),
  })
  .openapi('IncidentEvent')

export type IncidentEvent = z.infer<typeof IncidentEvent>

/** Headers of the generic webhook; the receiver checks the signature before trusting the body. */
export const WEBHOOK_HEADERS = {
  event: 'X-Patrol-Event',
  delivery: 'X-Patrol-Delivery',
  timestamp: 'X-Patrol-Timestamp',
  signature: 'X-Patrol-Signature-256',
} as const
