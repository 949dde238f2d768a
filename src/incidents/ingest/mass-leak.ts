/**
 * A mass leak: one push that carried more than PATROL_MASS_LEAK_THRESHOLD distinct tokens (issue 14: one 100 KB push
 * of 2,500 checksum-valid tokens). Every token is still recorded and revoked, but its people are told once: one
 * alert to each security address about the push (a `mass_leak` notification row, unique like every other), instead
 * of one owner email per token. The incidents carry `mass_leak_push_id`, which stops their per-token messages
 * (response/steps.ts).
 *
 * @example
 * if (massLeak) await enqueueMassLeakAlert({ db, log, now, securityEmails }, push.id)
 */
import { count, eq, min } from 'drizzle-orm'
import { incidents, notifications } from '../../db/schema.js'
import type { DB } from '../../db/types.js'
import { enqueue } from '../../jobs/queue.js'
import type { Logger } from '../../log.js'
import { NOTIFY_JOB } from '../response/steps.js'

export interface MassLeakDeps {
  db: DB
  log: Logger
  now(): number
  securityEmails?: string[]
}

/**
 * Queues the one alert per security address, anchored on the push's first incident (so a retried scan finds the same
 * rows). Nothing when the push brought no new incident (every token was known already: nothing new to tell).
 */
export async function enqueueMassLeakAlert(deps: MassLeakDeps, pushId: number): Promise<void> {
  const now = deps.now()
  const [tokens] = await deps.db
    .select({ n: count(), first: min(incidents.id) })
    .from(incidents)
    .where(eq(incidents.massLeakPushId, pushId))
  const incidentId = tokens?.first
  if (!incidentId) return
  deps.log.warn('scan.mass_leak', { push: pushId, tokens: tokens.n })
  const recipients = deps.securityEmails ?? []
  if (recipients.length === 0) deps.log.warn('notify.no_recipient', { push: pushId, purpose: 'mass_leak' })
  for (const recipient of recipients) {
    const [row] = await deps.db
      .insert(notifications)
      .values({ incidentId, recipient, reason: 'security', status: 'pending', purpose: 'mass_leak', createdAt: now })
      .onConflictDoNothing()
      .returning({ id: notifications.id })
    if (row)
      await enqueue(
        deps.db,
        { kind: NOTIFY_JOB, payload: { notificationId: row.id, pushId }, key: `${NOTIFY_JOB}:${row.id}` },
        now,
      )
  }
}
