/**
 * The job vocabulary: each kind of job and the payload it carries. Enqueuers and handlers share these types, so a
 * payload written at one end is the payload read at the other.
 *
 * @example
 * const job: JobOf<'notify'> = { kind: 'notify', payload: { notificationId: 7 } }
 * await enqueue(db, { ...job, key: `notify:7` }, Date.now())
 */
import type { Provider } from '../platforms/types.js'

export interface JobPayloads {
  /** Read and scan what a stored push added. */
  'scan-push': { provider: Provider; deliveryId: string }
  /** Respond to a new incident: revoke (or batch, or skip) and notify. */
  respond: { incidentId: number }
  /** One batched `POST /credentials/revoke` for the GitHub tokens waiting in time bucket `bucket`. */
  'revoke-github-batch': { bucket?: number; late?: number; after?: number }
  /**
   * Check an accepted Azure DevOps revocation (incidents/response/confirm.ts): does the leaked token still work?
   * `check` counts from 0 after `requestedAt`; `widened` once the broad remainder was revoked too.
   */
  'confirm-revocation': { incidentId: number; check: number; requestedAt?: number; widened?: boolean }
  /** The same for a GitHub token `GET /user` saw live before GitHub accepted its revocation. */
  'github-confirm-revocation': { incidentId: number; check: number; requestedAt?: number; widened?: boolean }
  /** One email to one recipient. */
  notify: {
    notificationId: number
    /** A `revocation_queued` message: when the revocation is planned (ms since the epoch). */
    plannedAt?: number
    /** A `mass_leak` alert: the push it is about. */
    pushId?: number
  }
  /** One Slack, Teams or webhook message (a `channel_messages` row). */
  'channel-notify': { messageId: number }
  /** Scan the stored text of a content delivery (a comment, a work item…), or read a secret scanning alert. */
  'scan-content': { provider: Provider; deliveryId: string }
  /** Resolve a GitHub secret scanning alert once its incident's token is revoked or dead. */
  'resolve-secret-alert': { repository: string; alertNumber: number; installationId?: number; incidentId: number }
}

export type JobKind = keyof JobPayloads

export interface JobOf<K extends JobKind> {
  kind: K
  payload: JobPayloads[K]
}

/** Every kind, for the check that each has a handler (test/jobs/kinds.test.ts). */
export const JOB_KINDS: readonly JobKind[] = [
  'scan-push',
  'respond',
  'revoke-github-batch',
  'confirm-revocation',
  'github-confirm-revocation',
  'notify',
  'channel-notify',
  'scan-content',
  'resolve-secret-alert',
] satisfies readonly JobKind[]
