/**
 * Azure DevOps' response strategy: the owner from `connectionData` (the leaked PAT used once against patrol's own
 * organization), then Token Admin revocation of the candidates (issuer.ts). Token Admin's 204 makes the incident
 * `revocation_requested`; confirm.ts then tries the token again on a schedule, because Azure can take up to an hour to
 * stop a PAT: `revoked` once it no longer authenticates, `revoke_unconfirmed` if it never stops. A PAT that no longer
 * works before any call is `inactive`. Without AZURE_DEVOPS_ORG_URL the response is `skipped`, and says which setting
 * is missing.
 *
 * @example
 * const response = azureDevOpsResponse({ ...deps, issuer, policy: 'precise', confirmDelaysMs: [120_000, 600_000] })
 * await response.respond(incident, job, attempt)
 */
import { eq } from 'drizzle-orm'
import { incidents } from '../../db/schema.js'
import { stepLog } from '../../incidents/response/step-log.js'
import { finish, onRemoteFailure, type ResponseDeps, recordAttempt } from '../../incidents/response/steps.js'
import { unseal } from '../../incidents/sealing.js'
import type { TokenKind } from '../../scan/types.js'
import type { PlatformResponse } from '../platform.js'
import type { RevocationOutcome, TokenIssuer, TokenOwner } from '../types.js'
import { azureConfirmJob, CONFIRM_JOB, revocationTimes } from './confirm.js'
import type { AzureRevokePolicy } from './issuer.js'

export interface AzureResponseDeps extends ResponseDeps {
  /** Absent when AZURE_DEVOPS_ORG_URL is not set. */
  issuer?: TokenIssuer
  /** AZURE_DEVOPS_REVOKE_POLICY: `precise` widens after confirmation when the leaked PAT still works. */
  policy?: AzureRevokePolicy
  /** After a revocation, when to check that the token stopped working (ms after revocation). */
  confirmDelaysMs: number[]
}

export function azureDevOpsResponse(azure: AzureResponseDeps): PlatformResponse {
  const deps: AzureResponseDeps = { ...azure, confirm: { job: CONFIRM_JOB, delaysMs: azure.confirmDelaysMs } }
  return {
    issuer: deps.issuer,
    jobs: { [CONFIRM_JOB]: azureConfirmJob(deps) },
    async respond(incident, job, attempt) {
      const incidentId = incident.id
      if (!deps.issuer)
        return finish(deps, incidentId, incident.issuer, {
          outcome: 'skipped',
          detail: 'not configured: AZURE_DEVOPS_ORG_URL is not set',
        })
      if (!incident.sealedToken)
        return finish(deps, incidentId, incident.issuer, {
          outcome: 'failed',
          detail: 'the sealed token is gone; nothing to revoke with',
        })

      const kind = incident.kind as TokenKind
      let outcome: RevocationOutcome
      let owner: TokenOwner | undefined
      try {
        const token = await unseal(deps.keys, incident.sealedToken)
        const times = await revocationTimes(deps, incident)
        // Each remote step's result is recorded: a retry resumes at the first step not done (step-log.ts).
        const steps = stepLog(deps, incidentId, 0)
        // Uses the leaked PAT once against our own organization to learn its owner (docs/reference/platform-apis.md
        // §6a); logged as such. revoke() reuses that answer (the `connection` step).
        owner = await deps.issuer.owner(token, kind, steps)
        deps.log.info('respond.owner_lookup', { incident: incidentId, found: owner !== undefined })
        outcome = await deps.issuer.revoke(token, { kind, ...times, owner, steps })
      } catch (error) {
        return onRemoteFailure(deps, job, attempt, incidentId, incident.issuer, error)
      }
      await recordAttempt(deps, incidentId, incident.issuer, outcome)
      if (owner?.email || owner?.name || owner?.id)
        await deps.db
          .update(incidents)
          .set({
            ownerEmail: owner.email ?? null,
            ownerName: owner.name ?? null,
            ownerId: owner.descriptor ?? owner.id ?? null,
          })
          .where(eq(incidents.id, incidentId))
      // `requested` → revocation_requested, token kept, confirmation queued (steps.ts finish).
      return finish(deps, incidentId, incident.issuer, outcome, { recorded: true })
    },
  }
}
