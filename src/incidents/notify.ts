/**
 * The `notify` job: one email to one recipient about one incident (the `notifications` row is unique per incident
 * and recipient, so retries and repeated sightings never send a second one). The message says what leaked, where,
 * what patrol did (the latest revocation outcome) and what to do now; it never holds the raw token. SMTP failures
 * are retried with backoff; after the last attempt the row ends `failed`, visibly.
 *
 * @example
 * handlers[NOTIFY_JOB] = notifyJob(deps)
 */
import { and, asc, desc, eq, ne } from 'drizzle-orm'
import { incidents, notifications, occurrences, revocations } from '../db/schema.js'
import type { JobHandler } from '../jobs/runner.js'
import { composeIncidentEmail } from '../notify/message.js'
import type { RecipientReason } from '../notify/recipients.js'
import type { Provider, RevocationOutcome } from '../platforms/types.js'
import type { TokenKind } from '../scan/types.js'
import type { ResponseDeps } from './respond.js'

export function notifyJob(deps: ResponseDeps): JobHandler {
  return async (_job, payload, attempt) => {
    const { notificationId } = payload as { notificationId: number }
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
    const revocation = (
      latest
        ? { outcome: latest.outcome, detail: latest.detail }
        : { outcome: 'skipped', detail: 'no revocation attempted' }
    ) as RevocationOutcome
    const email = composeIncidentEmail({
      incidentId: incident.id,
      kind: incident.kind as TokenKind,
      preview: incident.preview,
      locations: places.map((o) => ({
        provider: o.provider as Provider,
        repository: o.repository,
        repositoryUrl: o.repositoryUrl ?? undefined,
        branch: o.ref ?? undefined,
        commit: o.commitSha || undefined,
        path: o.path,
        line: o.line,
      })),
      revocation,
      publicUrl: deps.mail.publicUrl,
      detectedAt: new Date(incident.firstSeenAt),
      recipientReason: n.reason as RecipientReason,
    })
    const now = deps.now()
    await deps.db
      .update(notifications)
      .set({ attempts: n.attempts + 1 })
      .where(eq(notifications.id, n.id))
    try {
      const sent = await deps.mailer.send({
        from: deps.mail.from,
        to: [n.recipient],
        ...email,
        headers: { 'X-Patrol-Incident': String(incident.id) },
        messageId: `<incident-${incident.id}.notification-${n.id}@patrol>`,
      })
      await deps.db
        .update(notifications)
        .set({ status: 'sent', messageId: sent.messageId ?? null, sentAt: now, error: null })
        .where(eq(notifications.id, n.id))
      deps.log.info('notify.sent', { incident: incident.id, notification: n.id, reason: n.reason })
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      const last = attempt.isFinal(error)
      await deps.db
        .update(notifications)
        .set({ error: message, ...(last ? { status: 'failed' } : {}) })
        .where(eq(notifications.id, n.id))
      throw error
    }
  }
}
