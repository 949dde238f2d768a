/**
 * The recorded steps of a response (`response_steps`): a retried response resumes at the first step no earlier
 * attempt finished, so a failure late in a response (a Token Admin batch) does not repeat the calls before it (the
 * owner lookup as the leaked PAT, the listing, the scope probes) nor the batches already accepted. A step is recorded
 * only after it returned; a process that dies between a call and its record repeats that one call, which the issuer
 * takes as a no-op (revoking a revoked PAT).
 *
 * @example
 * const steps = stepLog(deps, incident.id, 0)
 * const connection = await steps.once('connection', () => issuer.connection(token))
 */
import { and, eq } from 'drizzle-orm'
import { responseSteps } from '../../db/schema.js'
import type { DB } from '../../db/types.js'
import type { ResponseStep, ResponseSteps } from '../../platforms/types.js'

/** @param round 0 for the first revocation, 1 for the broad remainder revoked after a failed confirmation. */
export function stepLog(deps: { db: DB; now(): number }, incidentId: number, round: number): ResponseSteps {
  return {
    async once<T>(step: ResponseStep, run: () => Promise<T>, part = 0): Promise<T> {
      const at = and(
        eq(responseSteps.incidentId, incidentId),
        eq(responseSteps.round, round),
        eq(responseSteps.step, step),
        eq(responseSteps.part, part),
      )
      const [done] = await deps.db.select({ result: responseSteps.result }).from(responseSteps).where(at)
      if (done) return (JSON.parse(done.result) as { value: T }).value
      const value = await run()
      await deps.db
        .insert(responseSteps)
        .values({ incidentId, round, step, part, result: JSON.stringify({ value }), at: deps.now() })
        .onConflictDoNothing()
      return value
    },
  }
}
