/**
 * The visible end of a job that ended `dead` without its handler's last attempt (Workers: its Queues message went
 * to the dead-letter queue because every consumer run crashed or ran out of its invocation). The handler never got
 * to say "this was the last try", so this does what it would have done: a scan's push is marked `failed` with the
 * reason, a response's incident ends `revoke_failed` with the reason (and its emails go out), a confirmation's
 * incident ends `revoke_unconfirmed` (the issuer accepted the revocation; only the check is lost), a message (email,
 * chat, webhook) is marked `failed`. The same ends as a give-up (src/jobs/give-up.ts), so nothing stays `pending` or
 * `responding`.
 * A GitHub batch job's incidents are not named by its payload: its dead job is what /healthz and /api/stuck show.
 *
 * @example
 * const end = deadEnds(parts)
 * for (const job of await buryJobs(db, messages, now)) await end(job, 'its queue message was never handled')
 */
import { eq } from 'drizzle-orm'
import { incidents, type Job } from '../db/schema.js'
import { pushForDelivery } from '../incidents/ingest/deliveries.js'
import { markScanFailed } from '../incidents/ingest/scan-push.js'
import { buryMessage } from '../incidents/response/channels.js'
import { onRemoteFailure, recordAttempt } from '../incidents/response/steps.js'
import { transition } from '../incidents/transitions.js'
import type { PlatformId } from '../platforms/ids.js'
import { responseDeps, type ServiceParts } from '../service.js'
import { FINAL_ATTEMPT } from './give-up.js'
import type { JobPayloads } from './kinds.js'

/** The end a dead job's subject gets; never throws for a subject that is gone or already ended. */
export function deadEnds(parts: ServiceParts): (job: Job, reason: string) => Promise<void> {
  const deps = responseDeps(parts)
  const payloadOf = <K extends keyof JobPayloads>(job: Job) => JSON.parse(job.payload) as JobPayloads[K]
  return async (job, reason) => {
    if (job.kind === 'scan-push') {
      const push = await pushForDelivery(parts.db, payloadOf<'scan-push'>(job))
      if (push?.scanStatus === 'pending') await markScanFailed(parts.db, push.id, reason, parts.now())
    } else if (job.kind === 'confirm-revocation' || job.kind === 'github-confirm-revocation') {
      // The issuer accepted the revocation; only its confirmation is lost: `revoke_unconfirmed`, as confirm.ts ends.
      const { incidentId } = payloadOf<'confirm-revocation'>(job)
      const [incident] = await parts.db.select().from(incidents).where(eq(incidents.id, incidentId))
      if (incident?.status !== 'revocation_requested') return
      await recordAttempt(deps, incidentId, incident.issuer as PlatformId, {
        outcome: 'failed',
        detail: `unconfirmed: ${reason}`,
      })
      await transition(parts.db, {
        incidentId,
        from: 'revocation_requested',
        to: 'revoke_unconfirmed',
        actor: 'patrol',
        now: parts.now(),
        detail: { reason },
      })
    } else if (job.kind === 'respond') {
      const { incidentId } = payloadOf<'respond'>(job)
      const [incident] = await parts.db.select().from(incidents).where(eq(incidents.id, incidentId))
      if (!incident || (incident.status !== 'new' && incident.status !== 'responding')) return
      if (incident.status === 'new')
        await transition(parts.db, { incidentId, from: 'new', to: 'responding', actor: 'patrol', now: parts.now() })
      // A final attempt: records the failed attempt, ends the incident `revoke_failed`, enqueues its emails.
      await onRemoteFailure(deps, job, FINAL_ATTEMPT, incidentId, incident.issuer as PlatformId, new Error(reason))
    } else if (job.kind === 'notify' || job.kind === 'channel-notify') {
      await buryMessage(deps, job, reason)
    }
  }
}
