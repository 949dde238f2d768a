/**
 * Confirming an Azure DevOps revocation: Token Admin answers 204 at once, but Azure can take up to an hour to stop a
 * PAT, so the generic confirmation (incidents/response/confirm.ts) tries the leaked PAT again with `connectionData`.
 * Under policy `precise`, a PAT that still works after the last check is evidence the narrow set missed it: the
 * broad remainder (every PAT of the owner created before the push) is revoked once, with the reason in the timeline,
 * and the checks start over.
 *
 * @example
 * jobs[CONFIRM_JOB] = azureConfirmJob(deps)
 */
import { asc, eq } from 'drizzle-orm'
import { type Incident, occurrences } from '../../db/schema.js'
import { confirmJob } from '../../incidents/response/confirm.js'
import { stepLog } from '../../incidents/response/step-log.js'
import type { JobHandler } from '../../jobs/runner.js'
import type { TokenKind } from '../../scan/types.js'
import type { AzureResponseDeps } from './respond.js'

export const CONFIRM_JOB = 'confirm-revocation'

export function azureConfirmJob(deps: AzureResponseDeps): JobHandler {
  const issuer = deps.issuer
  if (!issuer) return async () => {}
  return confirmJob(deps, {
    issuer,
    widen:
      deps.policy === 'precise'
        ? async (token, incident, reason) =>
            issuer.revoke(token, {
              ...(await revocationTimes(deps, incident)),
              kind: incident.kind as TokenKind,
              widen: reason,
              // Round 1: a retried widening resumes where it stopped, apart from the first round's steps.
              steps: stepLog(deps, incident.id, 1),
            })
        : undefined,
  })
}

/**
 * The bounds of the candidate rules: the committer time of the earliest commit that added the token (an occurrence's
 * `committedAt`), and when patrol first received it.
 */
export async function revocationTimes(
  deps: Pick<AzureResponseDeps, 'db'>,
  incident: Pick<Incident, 'id' | 'firstPushedAt'>,
): Promise<{ committedAt?: Date; pushedAt: Date }> {
  const rows = await deps.db
    .select({ committedAt: occurrences.committedAt })
    .from(occurrences)
    .where(eq(occurrences.incidentId, incident.id))
    .orderBy(asc(occurrences.committedAt))
  const times = rows.map((r) => r.committedAt).filter((t): t is number => t !== null && Number.isFinite(t))
  return {
    committedAt: times.length > 0 ? new Date(Math.min(...times)) : undefined,
    pushedAt: new Date(incident.firstPushedAt),
  }
}
