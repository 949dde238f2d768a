/**
 * Confirming an Azure DevOps revocation. Token Admin answers 204 at once, but Azure can take up to an hour to stop
 * a PAT, so patrol tries the leaked token again on a schedule (`confirmDelaysMs` after the revocation). It stops
 * working → `revoked`; still works (or cannot be told) after the last check → `revoke_unconfirmed`, for an admin.
 * Either way the sealed token is erased then.
 *
 * @example
 * handlers[CONFIRM_JOB] = confirmJob({ ...responseDeps, issuer, confirmDelaysMs })
 */
import { eq } from 'drizzle-orm'
import { incidents } from '../../db/schema.js'
import { recordAttempt } from '../../incidents/response/steps.js'
import { unseal } from '../../incidents/sealing.js'
import { transition } from '../../incidents/transitions.js'
import { enqueue } from '../../jobs/queue.js'
import type { JobHandler } from '../../jobs/runner.js'
import type { TokenKind } from '../../scan/types.js'
import type { AzureResponseDeps } from './respond.js'

export const CONFIRM_JOB = 'confirm-revocation'

export function confirmJob(deps: AzureResponseDeps): JobHandler {
  return async (_job, payload, attempt) => {
    const { incidentId, check } = payload as { incidentId: number; check: number }
    const [incident] = await deps.db.select().from(incidents).where(eq(incidents.id, incidentId))
    if (incident?.status !== 'responding' || !incident.sealedToken || !deps.issuer) return
    const token = await unseal(deps.keys, incident.sealedToken)
    let active: boolean | undefined
    try {
      active = await deps.issuer.isActive(token, incident.kind as TokenKind)
    } catch (error) {
      // A check that keeps failing must not leave the incident responding forever: on the last attempt it counts as
      // "cannot tell", like a 403.
      if (!attempt.isFinal(error)) throw error
      active = undefined
    }
    const now = deps.now()
    if (active === false) {
      await recordAttempt(deps, incidentId, 'azure-devops', {
        outcome: 'revoked',
        detail: `confirmed: the token no longer authenticates (check ${check + 1})`,
      })
      await transition(deps.db, {
        incidentId,
        from: 'responding',
        to: 'revoked',
        actor: 'patrol',
        now,
        detail: { confirmedAfterChecks: check + 1 },
      })
      deps.log.info('respond.confirmed', { incident: incidentId, checks: check + 1 })
      return
    }
    const next = check + 1
    if (next < deps.confirmDelaysMs.length) {
      const runAt = (incident.revokedAt ?? now) + deps.confirmDelaysMs[next]!
      await enqueue(
        deps.db,
        { kind: CONFIRM_JOB, payload: { incidentId, check: next }, key: `${CONFIRM_JOB}:${incidentId}:${next}`, runAt },
        now,
      )
      return
    }
    const detail =
      active === undefined ? 'could not tell whether the token still works' : 'the token still authenticates'
    await recordAttempt(deps, incidentId, 'azure-devops', {
      outcome: 'failed',
      detail: `unconfirmed after ${next} checks: ${detail}`,
    })
    await transition(deps.db, {
      incidentId,
      from: 'responding',
      to: 'revoke_unconfirmed',
      actor: 'patrol',
      now,
      detail: { checks: next, reason: detail },
    })
    deps.log.warn('respond.unconfirmed', { incident: incidentId, checks: next })
  }
}
