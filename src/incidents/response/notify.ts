/**
 * The `notify` job: one email to one recipient about one incident (the `notifications` row is unique per incident,
 * recipient and purpose, so retries and repeated sightings never send a second one). The message says what leaked,
 * where,
 * what patrol did (the latest revocation outcome) and what to do now; it never holds the raw token. SMTP failures
 * are retried with backoff; after the last attempt the row ends `failed`, visibly. A `revocation_queued` row says
 * when the revocation is planned, never that it happened; a `mass_leak` row is the one alert about a push of many
 * tokens (ingest/mass-leak.ts).
 *
 * @example
 * handlers[NOTIFY_JOB] = notifyJob(deps)
 */
import { and, asc, count, desc, eq, ne } from 'drizzle-orm'
import { incidents, notifications, occurrences, pushes, revocations } from '../../db/schema.js'
import { sendFailure } from '../../jobs/give-up.js'
import type { JobPayloads } from '../../jobs/kinds.js'
import type { JobHandler } from '../../jobs/runner.js'
import { isTokenKind, kindOf } from '../../kinds/index.js'
import { composeIncidentEmail, composeMassLeakEmail } from '../../notify/message.js'
import { newMessageId } from '../../notify/message-id.js'
import { isPlatformId, locationLinks, platform } from '../../platforms/index.js'
import type { OwnerAdvice } from '../../platforms/platform.js'
import type { RevocationOutcome } from '../../platforms/types.js'
import type { TokenKind } from '../../scan/types.js'
import type { ResponseDeps } from './steps.js'

export function notifyJob(deps: ResponseDeps): JobHandler {
  return async (_job, payload, attempt) => {
    const { notificationId, plannedAt, pushId } = payload as JobPayloads['notify']
    const [n] = await deps.db.select().from(notifications).where(eq(notifications.id, notificationId))
    if (n?.status !== 'pending') return
    const [incident] = await deps.db.select().from(incidents).where(eq(incidents.id, n.incidentId))
    if (!incident) return
    const places = await deps.db
      .select()
      .from(occurrences)
      .where(eq(occurrences.incidentId, incident.id))
      .orderBy(asc(occurrences.id))
      .limit(5)
    const [latest] = await deps.db
      .select()
      .from(revocations)
      .where(and(eq(revocations.incidentId, incident.id), ne(revocations.outcome, 'error')))
      .orderBy(desc(revocations.id))
      .limit(1)
    const queued = n.purpose === 'revocation_queued' && plannedAt !== undefined
    const revocation = (
      queued
        ? { outcome: 'skipped', detail: 'queued: GitHub’s hourly revocation budget is spent' }
        : latest
          ? {
              outcome: latest.outcome,
              detail: latest.detail,
              ...(latest.candidates ? { candidates: JSON.parse(latest.candidates) } : {}),
            }
          : { outcome: 'skipped', detail: 'no revocation attempted' }
    ) as RevocationOutcome
    const email = composeIncidentEmail({
      incidentId: incident.id,
      kind: incident.kind as TokenKind,
      preview: incident.preview,
      publishedExample: incident.publishedExample,
      locations: places.map((o) => {
        const place = {
          repository: o.repository,
          branch: o.ref ?? undefined,
          commit: o.commitSha || undefined,
          path: o.path,
          line: o.line,
        }
        // Links from the configured hosts; an occurrence of a platform patrol does not know gets none.
        const links = locationLinks(deps.config, o.provider, place)
        return { ...place, source: o.source, url: o.url ?? undefined, links: 'error' in links ? undefined : links }
      }),
      revocation,
      advice: adviceFor(incident.issuer),
      publicUrl: deps.mail.publicUrl,
      detectedAt: new Date(incident.firstSeenAt),
      recipientReason: n.reason,
      ...(queued ? { queued: { plannedAt: new Date(plannedAt) } } : {}),
    })
    // A mass leak's one alert is about the push, not this (first) incident.
    const alert = n.purpose === 'mass_leak' && pushId !== undefined ? await massLeakEmail(deps, pushId) : undefined
    const now = deps.now()
    // Chosen once and stored before the first attempt: a retry sends the same Message-ID.
    const messageId = n.messageId ?? newMessageId(deps.mail.publicUrl)
    await deps.db
      .update(notifications)
      .set({ attempts: n.attempts + 1, messageId })
      .where(eq(notifications.id, n.id))
    try {
      const sent = await deps.mailer.send({
        from: deps.mail.from,
        to: [n.recipient],
        ...(alert ?? email),
        headers: { 'X-Patrol-Incident': String(incident.id) },
        messageId,
      })
      await deps.db
        .update(notifications)
        .set({ status: 'sent', messageId: sent.messageId ?? messageId, sentAt: now, error: null })
        .where(eq(notifications.id, n.id))
      deps.log.info('notify.sent', { incident: incident.id, notification: n.id, reason: n.reason })
    } catch (error) {
      await deps.db.update(notifications).set(sendFailure(error, attempt)).where(eq(notifications.id, n.id))
      throw error
    }
  }
}

/** The issuer's sentences; for an issuer no platform registered, neutral ones that say so (never another's). */
function adviceFor(issuer: string): OwnerAdvice {
  if (isPlatformId(issuer)) return platform(issuer).advice
  return {
    auditLog: 'Check the issuer’s audit log for what the token did since the commit.',
  }
}

/** The mass-leak alert about push `pushId`: its tokens counted by kind (ingest/mass-leak.ts). */
async function massLeakEmail(deps: ResponseDeps, pushId: number) {
  const [push] = await deps.db.select().from(pushes).where(eq(pushes.id, pushId))
  const [first] = await deps.db
    .select()
    .from(occurrences)
    .where(eq(occurrences.pushId, pushId))
    .orderBy(asc(occurrences.id))
    .limit(1)
  const rows = await deps.db
    .select({ kind: incidents.kind, n: count() })
    .from(incidents)
    .where(eq(incidents.massLeakPushId, pushId))
    .groupBy(incidents.kind)
  const kinds = Object.fromEntries(rows.map((r) => [isTokenKind(r.kind) ? kindOf(r.kind).label : r.kind, r.n]))
  return composeMassLeakEmail({
    repository: push?.repository ?? first?.repository ?? 'an unknown repository',
    ref: push?.ref ?? first?.ref ?? undefined,
    pusher: first?.pusherName ?? first?.pusherEmail ?? undefined,
    kinds,
    publicUrl: deps.mail.publicUrl,
  })
}
