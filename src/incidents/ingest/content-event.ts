/**
 * Text people wrote outside code (platforms/content-event.ts), from delivery to incidents. The webhook route stores
 * the delivery, the sealed event and its `scan-content` job all-or-nothing before its 202 (invariant 2; the text may
 * hold the token, so it is sealed like a push: invariant 1). The job opens it, scans each text's lines and records
 * every high-confidence finding as an occurrence with its source, its page (built from the configured host) and its
 * author; the response is the one a push gets. A secret scanning alert has no text to scan: the job hands it to
 * `alert` (GitHub's alert reader).
 *
 * @example
 * await storeContentDelivery(db, keys, { provider: 'github', deliveryId, event: 'issue_comment', bodyBytes, content },
 * now)
 * const handlers = { [SCAN_CONTENT_JOB]: scanContentJob({ db, keys, log, now, config }) }
 */
import { and, eq, sql } from 'drizzle-orm'
import type { Config } from '../../config.js'
import { type ContentEventRow, contentEvents, deliveries, jobs } from '../../db/schema.js'
import { atomically, type DB } from '../../db/types.js'
import { DEFAULT_MAX_ATTEMPTS } from '../../jobs/queue.js'
import type { JobHandler } from '../../jobs/runner.js'
import type { Logger } from '../../log.js'
import type { ContentEvent, SecretAlertContent, TextContent } from '../../platforms/content-event.js'
import { platform } from '../../platforms/index.js'
import { RemoteError } from '../../platforms/remote-error.js'
import type { Provider } from '../../platforms/types.js'
import { scanAddedLines } from '../../scan/index.js'
import { seal, type TokenKeys, unseal } from '../sealing.js'
import { recordFinding } from './record.js'

export const SCAN_CONTENT_JOB = 'scan-content'

export interface IncomingContent {
  provider: Provider
  deliveryId: string
  event: string
  bodyBytes: number
  content: ContentEvent
}

export interface ScanContentPayload {
  provider: Provider
  deliveryId: string
}

/** Stores a content delivery: `stored`, or `duplicate` when its id was seen before (nothing changes then). */
export async function storeContentDelivery(
  db: DB,
  keys: TokenKeys,
  d: IncomingContent,
  now: number,
): Promise<'stored' | 'duplicate'> {
  const payload: ScanContentPayload = { provider: d.provider, deliveryId: d.deliveryId }
  const deliveryRow = sql`(select ${deliveries.id} from ${deliveries} where ${deliveries.provider} = ${d.provider} and ${deliveries.deliveryId} = ${d.deliveryId})`
  try {
    await atomically(db, [
      db.insert(deliveries).values({
        provider: d.provider,
        deliveryId: d.deliveryId,
        event: d.event,
        receivedAt: now,
        status: 'queued',
        bodyBytes: d.bodyBytes,
      }),
      db.insert(contentEvents).values({
        deliveryId: deliveryRow,
        provider: d.provider,
        source: d.content.source,
        repository: d.content.repository,
        event: await seal(keys, JSON.stringify(d.content)),
        receivedAt: now,
      }),
      db.insert(jobs).values({
        kind: SCAN_CONTENT_JOB,
        payload: JSON.stringify(payload),
        idempotencyKey: `${SCAN_CONTENT_JOB}:${d.provider}:${d.deliveryId}`,
        state: 'queued',
        maxAttempts: DEFAULT_MAX_ATTEMPTS,
        runAt: now,
        createdAt: now,
        updatedAt: now,
      }),
    ])
    return 'stored'
  } catch (error) {
    for (let e: unknown = error; e; e = (e as { cause?: unknown }).cause)
      if (/UNIQUE constraint failed/i.test(String((e as Error).message ?? e))) return 'duplicate'
    throw error
  }
}

/** Reads a secret scanning alert and records what it holds; returns the findings recorded. */
export type AlertReader = (alert: SecretAlertContent, row: ContentEventRow) => Promise<number>

export interface ScanContentDeps {
  db: DB
  keys: TokenKeys
  log: Logger
  now(): number
  config: Config
  /** How alerts are read; without it an alert event is recorded as failed with the reason. */
  alert?: AlertReader
}

export function scanContentJob(deps: ScanContentDeps): JobHandler {
  return async (_job, payload, attempt) => {
    const p = payload as ScanContentPayload
    const [row] = await deps.db
      .select({ event: contentEvents })
      .from(contentEvents)
      .innerJoin(deliveries, eq(contentEvents.deliveryId, deliveries.id))
      .where(and(eq(deliveries.provider, p.provider), eq(deliveries.deliveryId, p.deliveryId)))
      .limit(1)
    if (!row)
      throw new RemoteError('permanent', `scan-content: nothing stored for ${p.provider} delivery ${p.deliveryId}`)
    const content = JSON.parse(await unseal(deps.keys, row.event.event)) as ContentEvent
    let findings: number
    try {
      if (content.type === 'text') findings = await scanText(deps, content, row.event)
      else if (deps.alert) findings = await deps.alert(content, row.event)
      else throw new RemoteError('permanent', 'scan-content: no reader for secret scanning alerts is configured')
    } catch (error) {
      // The queue gives up after this attempt: say so on the event, or it would look pending forever (invariant 5).
      if (attempt.isFinal(error))
        await deps.db
          .update(contentEvents)
          .set({
            scanStatus: 'failed',
            scannedAt: deps.now(),
            note: error instanceof Error ? error.message : String(error),
          })
          .where(eq(contentEvents.id, row.event.id))
      throw error
    }
    await deps.db
      .update(contentEvents)
      .set({ scanStatus: 'scanned', scannedAt: deps.now(), findings })
      .where(eq(contentEvents.id, row.event.id))
  }
}

async function scanText(deps: ScanContentDeps, content: TextContent, row: ContentEventRow): Promise<number> {
  const url = content.webPath ? platform(content.provider).links(deps.config).page(content.webPath) : undefined
  const written = content.at ? Date.parse(content.at) : Number.NaN
  let findings = 0
  for (const text of content.texts) {
    // `where (field)` is the occurrence's path: one place per text and line, so a redelivery adds nothing.
    const path = `${content.where} (${text.field})`
    for (const finding of scanAddedLines(text.lines.map((l) => ({ path, line: l.line, text: l.text })))) {
      if (finding.confidence !== 'high') continue
      findings++
      const recorded = await recordFinding(
        deps.db,
        deps.keys,
        finding,
        {
          provider: content.provider,
          repository: content.repository,
          path,
          line: finding.line,
          column: finding.column,
          encoding: finding.encoding,
          authorName: content.author?.name ?? content.author?.login,
          authorEmail: content.author?.email,
          committedAt: Number.isFinite(written) ? written : undefined,
          source: content.source,
          url,
        },
        { now: deps.now(), pushedAt: row.receivedAt },
      )
      deps.log.info('finding.recorded', {
        incident: recorded.incidentId,
        new: recorded.isNew,
        suppressed: recorded.suppressed,
        kind: finding.kind,
        source: content.source,
        repository: content.repository,
        path,
        line: finding.line,
      })
    }
  }
  return findings
}
