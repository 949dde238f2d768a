/**
 * Verify now: an admin asks patrol to check again whether a token it still holds authenticates, through its issuer's
 * own check (`isActive`: GitHub `GET /user`, Azure DevOps `connectionData`). The admin action (admin/actions.ts) only
 * queues the `verify-now` job; the job records what it found in the incident's timeline as the admin who asked. A
 * dead token moves the incident through the state machine (states.ts `deadTokenStatus`): `revoked` if a revocation
 * was requested, `inactive` otherwise, which erases the sealed token. A live token, or one the issuer cannot tell
 * about, is recorded and the state is left alone.
 *
 * @example
 * await requestVerification(db, incident, { actor: 'admin:alice', now })   // from the admin action
 * handlers[VERIFY_NOW_JOB] = verifyNowJob(deps, (id) => responses.get(id)!) // the check itself
 */
import { eq } from 'drizzle-orm'
import { auditEvents, type Incident, incidents } from '../../db/schema.js'
import type { DB } from '../../db/types.js'
import type { JobPayloads } from '../../jobs/kinds.js'
import { enqueue } from '../../jobs/queue.js'
import type { JobHandler } from '../../jobs/runner.js'
import type { PlatformResponse } from '../../platforms/platform.js'
import type { TokenKind } from '../../scan/types.js'
import { unseal } from '../sealing.js'
import { adminAction, deadTokenStatus } from '../states.js'
import { transition } from '../transitions.js'
import type { ResponseDeps } from './steps.js'

export const VERIFY_NOW_JOB = 'verify-now'

/** Queues the check and records the request in the timeline. */
export async function requestVerification(
  db: DB,
  incident: Incident,
  r: { actor: string; now: number; note?: string },
): Promise<void> {
  const request = await record(db, incident.id, r.actor, 'verify_now.requested', r.note ? { note: r.note } : {}, r.now)
  const payload: JobPayloads['verify-now'] = { incidentId: incident.id, actor: r.actor }
  // One check per request, even for two requests in the same millisecond: the key names the request's audit event.
  await enqueue(db, { kind: VERIFY_NOW_JOB, payload, key: `${VERIFY_NOW_JOB}:${incident.id}:${request}` }, r.now)
}

export function verifyNowJob(deps: ResponseDeps, responseOf: (platform: string) => PlatformResponse): JobHandler {
  return async (_job, payload, attempt) => {
    const { incidentId, actor } = payload as JobPayloads['verify-now']
    const [incident] = await deps.db.select().from(incidents).where(eq(incidents.id, incidentId))
    if (!incident) return
    // The incident moved on since the admin asked (a retry is responding, a confirmation ended it): not checked.
    const allowed = adminAction('verify_now', incident.status)
    const notChecked =
      'error' in allowed ? allowed.error : incident.sealedToken ? undefined : 'patrol no longer holds the token'
    if (notChecked || !incident.sealedToken) {
      await record(deps.db, incidentId, actor, 'token.not_checked', { reason: notChecked }, deps.now())
      return
    }
    let active: boolean | undefined
    let reason: string | undefined
    try {
      const issuer = responseOf(incident.issuer).issuer
      if (issuer)
        active = await issuer.isActive(await unseal(deps.keys, incident.sealedToken), incident.kind as TokenKind)
      else reason = `patrol is not configured to act on ${incident.issuer}`
    } catch (error) {
      if (!attempt.isFinal(error)) throw error
      reason = error instanceof Error ? error.message : String(error)
    }
    const now = deps.now()
    deps.log.info('verify_now.checked', { incident: incidentId, active: active ?? 'unknown' })
    if (active === true) {
      await record(deps.db, incidentId, actor, 'token.still_live', { result: 'the token still authenticates' }, now)
      return
    }
    if (active === undefined) {
      await record(
        deps.db,
        incidentId,
        actor,
        'token.state_unknown',
        { result: reason ?? 'the issuer cannot tell whether the token still works' },
        now,
      )
      return
    }
    const to = deadTokenStatus(incident.revokedAt !== null)
    const moved = await transition(deps.db, {
      incidentId,
      from: incident.status,
      to,
      actor,
      now,
      detail: { action: 'verify_now', result: 'the token no longer authenticates' },
      set: to === 'revoked' ? { confirmedDeadAt: now } : {},
    })
    // The state moved on since the job was queued: the finding still goes in the timeline.
    if (!moved)
      await record(deps.db, incidentId, actor, 'token.found_dead', { result: 'the token no longer authenticates' }, now)
  }
}

async function record(
  db: DB,
  incidentId: number,
  actor: string,
  action: string,
  detail: Record<string, unknown>,
  at: number,
): Promise<number> {
  const [row] = await db
    .insert(auditEvents)
    .values({ actor, action, subjectType: 'incident', subjectId: incidentId, detail: JSON.stringify(detail), at })
    .returning({ id: auditEvents.id })
  return row!.id
}
