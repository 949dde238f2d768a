/**
 * The response to a new incident, run once per token (invariant 3) as the `respond` job. It moves the incident to
 * `responding`, then:
 *
 * - `PATROL_REVOKE=off`: records "skipped" and ends `notify_only`;
 * - otherwise hands the incident to its issuer's platform (src/platforms/<id>/respond.ts), whose strategy ends it
 *   or hands it to one of the platform's own jobs (GitHub batches its revocations; Azure revokes, then confirms).
 *
 * An issuer no platform registered ends `revoke_failed` with the reason: never a fall-through to another platform.
 * Every attempt is a `revocations` row; the owner and the security team are emailed as soon as patrol knows what it
 * did (notify.ts), and the sealed token is erased when the response is over (steps.ts).
 *
 * @example
 * const handler = respondJob(deps, (id) => responses.get(id)) // registered as handlers[RESPOND_JOB]
 */
import { eq } from 'drizzle-orm'
import { type Incident, incidents } from '../../db/schema.js'
import type { JobHandler } from '../../jobs/runner.js'
import { isTokenKind, kindOf } from '../../kinds/index.js'
import type { PlatformResponse } from '../../platforms/platform.js'
import { RemoteError } from '../../platforms/remote-error.js'
import { transition } from '../transitions.js'
import { finish, type ResponseDeps } from './steps.js'

/** What the response records for a published example; the email explains it too (notify/message.ts). */
export const PUBLISHED_EXAMPLE_DETAIL =
  "published example: this token is published in peer scanners' rules or tests, so it is not revoked and its owner is not alarmed"

/**
 * The response to a published example (incident.publishedExample, set from the scanner's `published-example` tag):
 * no revocation call and no owner email. The incident ends `notify_only` with a `skipped` attempt saying why, and only
 * the security team is emailed, in a low-priority message that says it is a published example. True when it handled
 * the incident (the respond job then stops).
 */
export async function respondToPublishedExample(deps: ResponseDeps, incident: Incident): Promise<boolean> {
  if (!incident.publishedExample) return false
  await finish(
    deps,
    incident.id,
    incident.issuer,
    { outcome: 'skipped', detail: PUBLISHED_EXAMPLE_DETAIL },
    { securityOnly: true },
  )
  return true
}

/**
 * @param responseOf the response of the platform with this id; throws `UnknownPlatformError` for an unknown one.
 */
export function respondJob(deps: ResponseDeps, responseOf: (platform: string) => PlatformResponse): JobHandler {
  return async (job, payload, attempt) => {
    const { incidentId } = payload as { incidentId: number }
    const [incident] = await deps.db.select().from(incidents).where(eq(incidents.id, incidentId))
    if (!incident) throw new RemoteError('permanent', `respond: incident ${incidentId} does not exist`)
    if (incident.status === 'new')
      await transition(deps.db, { incidentId, from: 'new', to: 'responding', actor: 'patrol', now: deps.now() })
    else if (incident.status !== 'responding') return // already responded: a retry or a duplicate job

    if (await respondToPublishedExample(deps, incident)) return
    // A history finding the config says to notify about only (PATROL_HISTORY_RESPONSE=notify): no revocation call.
    if (incident.notifyOnlyReason)
      return finish(deps, incidentId, incident.issuer, { outcome: 'skipped', detail: incident.notifyOnlyReason })
    if (deps.revoke === 'off')
      return finish(deps, incidentId, incident.issuer, {
        outcome: 'skipped',
        detail: 'PATROL_REVOKE=off: detect and notify only',
      })
    // The catalog says which kinds no issuer API revokes (`ghs_` installation tokens, Azure DevOps application
    // secrets).
    const revocation = isTokenKind(incident.kind) ? kindOf(incident.kind).revocation : undefined
    if (revocation && !revocation.revocable)
      return finish(deps, incidentId, incident.issuer, { outcome: 'not_revocable', detail: revocation.reason })
    let response: PlatformResponse
    try {
      response = responseOf(incident.issuer)
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error)
      deps.log.error('respond.unknown_platform', { incident: incidentId, issuer: incident.issuer })
      return finish(deps, incidentId, incident.issuer, { outcome: 'failed', detail })
    }
    await response.respond({ ...incident, status: 'responding' }, job, attempt)
  }
}
