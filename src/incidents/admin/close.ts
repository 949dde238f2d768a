/**
 * Closing incidents, as GitHub's alert dismissal does: a reason from a short list and a comment, both kept in the
 * audit trail. A token that may still be live (status-labels.ts `mayBeLive`) is closed only with the admin's explicit
 * "I have rotated it"; a closed false positive becomes `false_positive`, any other reason `resolved`. Several
 * incidents at once go one by one through the same rules, each answering for itself.
 *
 * @example
 * await closeIncidents(db, { ids: [7, 8], reason: 'revoked_elsewhere', comment: 'rotated in the portal', rotated: true,
 * actor: 'admin:alice', now })
 * // [{ id: 7, to: 'resolved' }, { id: 8, error: 'incident is responding; …' }]
 */
import { eq } from 'drizzle-orm'
import { incidents } from '../../db/schema.js'
import type { DB } from '../../db/types.js'
import { mayBeLive, statusLabel } from '../../notify/status-labels.js'
import { applyAdminAction } from './actions.js'

export const CLOSE_REASONS = {
  revoked_elsewhere: 'Revoked or rotated elsewhere',
  false_positive: 'False positive (not a real token)',
  used_in_tests: 'Used in tests (a throwaway token)',
  wont_fix: 'Won’t fix (the risk is accepted)',
} as const
export type CloseReason = keyof typeof CLOSE_REASONS

export function isCloseReason(v: string): v is CloseReason {
  return Object.hasOwn(CLOSE_REASONS, v)
}

export interface CloseRequest {
  ids: number[]
  reason: CloseReason
  comment: string
  /** The admin ticked "I have rotated it (or confirmed it no longer works)". */
  rotated: boolean
  actor: string
  now: number
}

export type CloseResult = { id: number; to: string } | { id: number; error: string }

export async function closeIncidents(db: DB, r: CloseRequest): Promise<CloseResult[]> {
  const out: CloseResult[] = []
  for (const id of r.ids) {
    const [incident] = await db.select({ status: incidents.status }).from(incidents).where(eq(incidents.id, id))
    if (!incident) {
      out.push({ id, error: `incident ${id} not found` })
      continue
    }
    if (mayBeLive(incident.status) && !r.rotated) {
      out.push({
        id,
        error: `incident ${id}: the token may still work (${statusLabel(incident.status)}); confirm you have rotated it to close it`,
      })
      continue
    }
    const result = await applyAdminAction(db, {
      incidentId: id,
      action: r.reason === 'false_positive' ? 'false_positive' : 'resolve',
      note: `${CLOSE_REASONS[r.reason]}${r.rotated ? '; the admin confirmed the token is rotated' : ''}${r.comment ? `: ${r.comment}` : ''}`,
      actor: r.actor,
      now: r.now,
    })
    out.push('error' in result ? { id, error: result.error } : { id, to: result.to })
  }
  return out
}
