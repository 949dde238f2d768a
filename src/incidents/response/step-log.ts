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

/**
 * @param round 0 for the first revocation, 1 for the broad remainder revoked after a failed confirmation.
 * The round's recorded steps are read once, at the first step; each step done adds one row.
 */
export function stepLog(deps: { db: DB; now(): number }, incidentId: number, round: number): ResponseSteps {
  let recorded: Promise<Map<string, string>> | undefined
  const load = async () => {
    const rows = await deps.db
      .select({ step: responseSteps.step, part: responseSteps.part, result: responseSteps.result })
      .from(responseSteps)
      .where(and(eq(responseSteps.incidentId, incidentId), eq(responseSteps.round, round)))
    return new Map(rows.map((r) => [`${r.step}:${r.part}`, r.result]))
  }
  return {
    async once<T>(step: ResponseStep, run: () => Promise<T>, part = 0): Promise<T> {
      recorded ??= load()
      const steps = await recorded
      const key = `${step}:${part}`
      const done = steps.get(key)
      if (done !== undefined) return (JSON.parse(done) as { value: T }).value
      const value = await run()
      const result = JSON.stringify({ value })
      await deps.db
        .insert(responseSteps)
        .values({ incidentId, round, step, part, result, at: deps.now() })
        .onConflictDoNothing()
      // Later steps of this attempt see it too (the owner lookup and revoke() share `connection`).
      steps.set(key, result)
      return value
    },
  }
}
