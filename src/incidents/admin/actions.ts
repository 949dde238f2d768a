/**
 * Admin actions on an incident and on suppressions, each recorded in the audit trail with the admin's token name.
 * Refusals say why, naming the current state, and change nothing.
 *
 * @example
 * const r = await applyAdminAction(db, { incidentId: 7, action: 'resolve', note: 'rotated', actor: 'admin:alice', now
 * })
 * if ('error' in r) return c.json({ error: r.error }, r.status)
 */
import { and, eq, isNull } from 'drizzle-orm'
import { auditEvents, incidents, type Suppression, suppressions } from '../../db/schema.js'
import type { DB } from '../../db/types.js'
import { enqueue } from '../../jobs/queue.js'
import { RESPOND_JOB } from '../ingest/record.js'
import { requestVerification } from '../response/verify.js'
import { fingerprint, type TokenKeys } from '../sealing.js'
import { type AdminAction, adminAction, type IncidentStatus, suppressRefusal } from '../states.js'
import { transition } from '../transitions.js'
import { statusBefore } from './queries.js'

export interface ActionRequest {
  incidentId: number
  action: AdminAction
  note?: string
  actor: string
  now: number
}

export type ActionResult = { from: IncidentStatus; to: IncidentStatus } | { status: 404 | 409; error: string }

export async function applyAdminAction(db: DB, r: ActionRequest): Promise<ActionResult> {
  const [incident] = await db.select().from(incidents).where(eq(incidents.id, r.incidentId))
  if (!incident) return { status: 404, error: `incident ${r.incidentId} not found` }
  const from = incident.status
  const previous = r.action === 'reopen' ? await statusBefore(db, r.incidentId) : undefined
  const decision = adminAction(r.action, from, previous)
  if ('error' in decision) return { status: 409, error: decision.error }
  const responds = r.action === 'retry_response' || r.action === 'unsuppress'
  if (responds && !incident.sealedToken)
    return { status: 409, error: `incident is ${from} and its sealed token is gone; nothing to respond with` }
  if (r.action === 'verify_now' && !incident.sealedToken)
    return { status: 409, error: `incident is ${from} and its sealed token is gone; nothing to verify` }
  if (r.action === 'verify_now') {
    // The check is the `verify-now` job's; the state changes only when it finds the token dead.
    await requestVerification(db, incident, r)
    return { from, to: from }
  }
  const moved = await transition(db, {
    incidentId: r.incidentId,
    from,
    to: decision.to,
    actor: r.actor,
    now: r.now,
    unchecked: true,
    detail: { action: r.action, ...(r.note ? { note: r.note } : {}) },
    // A retried GitHub revocation must be free to join a new batch; a token sent back to response is no longer
    // suppressed.
    set:
      r.action === 'retry_response'
        ? { revocationBatch: null }
        : r.action === 'unsuppress'
          ? { suppressionId: null }
          : {},
  })
  if (!moved) return { status: 409, error: `incident changed while you acted; it is no longer ${from}` }
  if (responds)
    await enqueue(
      db,
      {
        kind: RESPOND_JOB,
        payload: { incidentId: r.incidentId },
        key: `${RESPOND_JOB}:${r.incidentId}:${r.action}:${r.now}`,
      },
      r.now,
    )
  return { from, to: decision.to }
}

/**
 * Suppresses the token of an incident (a bulk action): a suppression of its fingerprint, with the admin's reason, and
 * the incident moved to `suppressed`, matched by it. Its sealed token, if it still has one, is kept so that it can be
 * sent back to response (`unsuppress`).
 */
export async function suppressIncident(
  db: DB,
  keys: TokenKeys,
  r: { incidentId: number; reason: string; actor: string; now: number },
): Promise<ActionResult> {
  const [incident] = await db.select().from(incidents).where(eq(incidents.id, r.incidentId))
  if (!incident) return { status: 404, error: `incident ${r.incidentId} not found` }
  const from = incident.status
  const refusal = suppressRefusal(from)
  if (refusal) return { status: 409, error: refusal }
  const suppression = await createSuppression(
    db,
    keys,
    { fingerprint: incident.fingerprint, reason: r.reason, author: r.actor },
    r.now,
  )
  const moved = await transition(db, {
    incidentId: r.incidentId,
    from,
    to: 'suppressed',
    actor: r.actor,
    now: r.now,
    unchecked: true,
    detail: { action: 'suppress', note: r.reason, suppressionId: suppression.id },
    set: { suppressionId: suppression.id },
  })
  if (!moved) return { status: 409, error: `incident changed while you acted; it is no longer ${from}` }
  return { from, to: 'suppressed' }
}

export interface NewSuppression {
  /** The token, pasted once: only its fingerprint is stored. */
  token?: string
  /** Or the fingerprint of an incident's token. */
  fingerprint?: string
  repository?: string
  pathGlob?: string
  reason: string
  expiresAt?: number
  author: string
}

export async function createSuppression(db: DB, keys: TokenKeys, s: NewSuppression, now: number): Promise<Suppression> {
  const byToken = Boolean(s.token || s.fingerprint)
  const [row] = await db
    .insert(suppressions)
    .values({
      fingerprint: s.token ? await fingerprint(keys, s.token) : (s.fingerprint ?? null),
      repository: byToken ? null : (s.repository ?? null),
      pathGlob: byToken ? null : (s.pathGlob ?? null),
      reason: s.reason,
      author: s.author,
      expiresAt: s.expiresAt ?? null,
      createdAt: now,
    })
    .returning()
  await audit(
    db,
    s.author,
    'suppression.created',
    row!.id,
    { reason: s.reason, byToken, repository: row!.repository, pathGlob: row!.pathGlob },
    now,
  )
  return row!
}

export async function deleteSuppression(db: DB, id: number, actor: string, now: number): Promise<boolean> {
  const rows = await db
    .update(suppressions)
    .set({ deletedAt: now })
    .where(and(eq(suppressions.id, id), isNull(suppressions.deletedAt)))
    .returning({ id: suppressions.id })
  if (rows.length === 0) return false
  await audit(db, actor, 'suppression.deleted', id, {}, now)
  return true
}

/** A suppression as admins see it: the fingerprint's first characters, never more; times as ISO text. */
export interface SuppressionView {
  id: number
  kind: 'token' | 'path'
  fingerprintPrefix: string | null
  repository: string | null
  pathGlob: string | null
  reason: string
  author: string
  expiresAt: string | null
  createdAt: string
}

export function showSuppression(s: Suppression): SuppressionView {
  return {
    id: s.id,
    kind: s.fingerprint ? 'token' : 'path',
    fingerprintPrefix: s.fingerprint ? s.fingerprint.slice(0, 8) : null,
    repository: s.repository,
    pathGlob: s.pathGlob,
    reason: s.reason,
    author: s.author,
    expiresAt: s.expiresAt ? new Date(s.expiresAt).toISOString() : null,
    createdAt: new Date(s.createdAt).toISOString(),
  }
}

export async function listSuppressions(db: DB): Promise<Suppression[]> {
  return db.select().from(suppressions).where(isNull(suppressions.deletedAt)).orderBy(suppressions.id)
}

async function audit(
  db: DB,
  actor: string,
  action: string,
  subjectId: number,
  detail: Record<string, unknown>,
  at: number,
) {
  await db
    .insert(auditEvents)
    .values({ actor, action, subjectType: 'suppression', subjectId, detail: JSON.stringify(detail), at })
}
