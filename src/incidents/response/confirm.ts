/**
 * Confirming an accepted revocation, the same for every issuer. The issuer accepted the request (GitHub 202, Azure
 * Token Admin 204) and the incident is `revocation_requested`; patrol checks the leaked token again on a schedule
 * (`confirm.delaysMs` after the request). It no longer authenticates → `revoked`; still works, or cannot be told,
 * after the last check → `revoke_unconfirmed`, for an admin. Before giving up on a token that still works, a platform
 * may widen the revocation once (`widen`: Azure revokes the broad remainder of the owner's PATs) and the checks start
 * over. The sealed token is erased on `revoked` and kept on `revoke_unconfirmed` (states.ts `holdsToken`).
 *
 * @example
 * jobs[CONFIRM_JOB] = confirmJob(deps, { issuer, widen: (token, incident, reason) => issuer.revoke(token, { … }) })
 */
import { eq } from 'drizzle-orm'
import { type Incident, incidents } from '../../db/schema.js'
import type { JobHandler } from '../../jobs/runner.js'
import type { RevocationOutcome, TokenIssuer } from '../../platforms/types.js'
import type { TokenKind } from '../../scan/types.js'
import { unseal } from '../sealing.js'
import { transition } from '../transitions.js'
import { enqueueConfirmation, type ResponseDeps, recordAttempt } from './steps.js'

export interface ConfirmOptions {
  issuer: Pick<TokenIssuer, 'issuer' | 'isActive'>
  /** One wider revocation when the token still works after the last check; `undefined`: nothing wider to try. */
  widen?(token: string, incident: Incident, reason: string): Promise<RevocationOutcome | undefined>
}

export function confirmJob(deps: ResponseDeps, o: ConfirmOptions): JobHandler {
  return async (_job, payload, attempt) => {
    const { incidentId, check, requestedAt, widened } = payload as {
      incidentId: number
      check: number
      requestedAt?: number
      widened?: boolean
    }
    const [incident] = await deps.db.select().from(incidents).where(eq(incidents.id, incidentId))
    if (incident?.status !== 'revocation_requested' || !incident.sealedToken || !deps.confirm) return
    const issuer = o.issuer.issuer
    const token = await unseal(deps.keys, incident.sealedToken)
    let active: boolean | undefined
    try {
      active = await o.issuer.isActive(token, incident.kind as TokenKind)
    } catch (error) {
      // A check that keeps failing must not leave the incident waiting forever: when the queue gives up it counts as
      // "cannot tell".
      if (!attempt.isFinal(error)) throw error
      active = undefined
    }
    const now = deps.now()
    if (active === false) {
      await recordAttempt(deps, incidentId, issuer, {
        outcome: 'revoked',
        detail: `confirmed: the token no longer authenticates (check ${check + 1})`,
      })
      await transition(deps.db, {
        incidentId,
        from: 'revocation_requested',
        to: 'revoked',
        actor: 'patrol',
        now,
        detail: { confirmedAfterChecks: check + 1 },
        set: { confirmedDeadAt: now },
      })
      deps.log.info('respond.confirmed', { incident: incidentId, checks: check + 1 })
      return
    }
    const since = requestedAt ?? incident.revokedAt ?? now
    const next = check + 1
    if (next < deps.confirm.delaysMs.length) {
      await enqueueConfirmation(deps, incidentId, next, since, { widened })
      return
    }
    const reason =
      active === undefined ? 'could not tell whether the token still works' : 'the token still authenticates'
    if (active === true && !widened && o.widen) {
      const wider = await o.widen(
        token,
        incident,
        `the leaked token still authenticated ${next} check${next === 1 ? '' : 's'} after the narrow revocation`,
      )
      if (wider) await recordAttempt(deps, incidentId, issuer, wider)
      if (wider?.outcome === 'requested') {
        deps.log.warn('respond.widened', { incident: incidentId })
        await deps.db.update(incidents).set({ revokedAt: now }).where(eq(incidents.id, incidentId))
        await enqueueConfirmation(deps, incidentId, 0, now, { widened: true })
        return
      }
    }
    await recordAttempt(deps, incidentId, issuer, {
      outcome: 'failed',
      detail: `unconfirmed after ${next} checks: ${reason}`,
    })
    await transition(deps.db, {
      incidentId,
      from: 'revocation_requested',
      to: 'revoke_unconfirmed',
      actor: 'patrol',
      now,
      detail: { checks: next, reason },
    })
    deps.log.warn('respond.unconfirmed', { incident: incidentId, checks: next })
  }
}
