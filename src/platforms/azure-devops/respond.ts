/**
 * Azure DevOps' response strategy: the owner from `connectionData` (the leaked PAT used once against patrol's own
 * organization), then Token Admin revocation. `revoked` is then confirmed by trying the token again on a schedule
 * (confirm.ts), because Azure can take up to an hour to stop a PAT; `inactive` when the token no longer works.
 * Without AZURE_DEVOPS_ORG_URL the response is `skipped`, and says which setting is missing.
 *
 * @example
 * const response = azureDevOpsResponse(deps, { issuer, confirmDelaysMs: [120_000, 600_000] })
 * await response.respond(incident, job, attempt)
 */
import { eq } from 'drizzle-orm'
import { incidents } from '../../db/schema.js'
import {
  enqueueNotifications,
  finish,
  onRemoteFailure,
  type ResponseDeps,
  recordAttempt,
} from '../../incidents/response/steps.js'
import { unseal } from '../../incidents/sealing.js'
import { enqueue } from '../../jobs/queue.js'
import type { TokenKind } from '../../scan/types.js'
import type { PlatformResponse } from '../platform.js'
import type { RevocationOutcome, TokenIssuer, TokenOwner } from '../types.js'
import { CONFIRM_JOB, confirmJob } from './confirm.js'

export interface AzureResponseDeps extends ResponseDeps {
  /** Absent when AZURE_DEVOPS_ORG_URL is not set. */
  issuer?: TokenIssuer
  /** After a revocation, when to check that the token stopped working (ms after revocation). */
  confirmDelaysMs: number[]
}

export function azureDevOpsResponse(deps: AzureResponseDeps): PlatformResponse {
  return {
    issuer: deps.issuer,
    jobs: { [CONFIRM_JOB]: confirmJob(deps) },
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
        // The token existed when it was pushed; commit dates can be older than the token (amend keeps the author date).
        const committedAt = new Date(incident.firstPushedAt)
        // Uses the leaked PAT once against our own organization to learn its owner (docs/reference/platform-apis.md §6a); logged as such.
        owner = await deps.issuer.owner(token, kind)
        deps.log.info('respond.owner_lookup', { incident: incidentId, found: owner !== undefined })
        outcome = await deps.issuer.revoke(token, { kind, committedAt, owner })
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
      if (outcome.outcome === 'revoked') {
        // Azure may take up to an hour to apply a revocation: email now, and keep the sealed token until checked.
        await deps.db.update(incidents).set({ revokedAt: deps.now() }).where(eq(incidents.id, incidentId))
        await enqueueNotifications(deps, incidentId)
        await enqueue(
          deps.db,
          {
            kind: CONFIRM_JOB,
            payload: { incidentId, check: 0 },
            key: `${CONFIRM_JOB}:${incidentId}:0`,
            runAt: deps.now() + (deps.confirmDelaysMs[0] ?? 0),
          },
          deps.now(),
        )
        return
      }
      return finish(deps, incidentId, incident.issuer, outcome, { recorded: true })
    },
  }
}
