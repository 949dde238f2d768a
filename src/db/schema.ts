/**
 * patrol's data model. This file is the documentation of what patrol remembers, and why.
 *
 * A push arrives as a **delivery** (one row per webhook call, deduplicated on the platform's delivery id) and becomes a
 * **push** to scan. The scan finds tokens; each distinct token is one **incident** (keyed on a keyed fingerprint of the
 * token, never the token itself), and every place it was seen is an **occurrence**. Responding to an incident leaves
 * **revocations** (each attempt at the issuer) and **notifications** (each email). Everything a person or patrol does
 * to an
 * incident is an **audit event**. **Suppressions** tell patrol to record and not act. Work between these steps waits in
 * **jobs**, a durable queue in the same database.
 *
 * Conventions: times are integers in milliseconds since the epoch (UTC); JSON columns are text; no SQL FOREIGN KEYs
 * (relations are declared below for drizzle and checked by the code) so that migrations stay additive on SQLite and D1
 * (docs/reference/stack-notes.md P6, P7): add columns and tables, never rebuild one.
 *
 * @example
 * import { incidents } from './schema.js'
 * const open = await db.select().from(incidents).where(eq(incidents.status, 'new'))
 */
import { relations } from 'drizzle-orm'
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'
// Only pure vocabularies here: this file is loaded by drizzle-kit and in Workers.
import { STATUSES } from '../incidents/states.js'
import { CHANNEL_IDS, CHANNEL_MESSAGE_STATUSES, NOTIFY_EVENTS } from '../notify/events.js'
import { RECIPIENT_REASONS } from '../notify/recipients.js'
import { OCCURRENCE_SOURCES } from '../platforms/content-event.js'
import { PLATFORM_IDS } from '../platforms/ids.js'
import { RESPONSE_STEPS, REVOCATION_OUTCOMES } from '../platforms/types.js'

/** `pending` → `scanned` | `partial` (some content was not read) | `failed`. */
export const SCAN_STATUSES = ['pending', 'scanned', 'partial', 'failed'] as const
/** `pending` → `sent` | `failed` (after retries). */
export const NOTIFICATION_STATUSES = ['pending', 'sent', 'failed', 'withheld'] as const
/**
 * What an email is about: `outcome` (what patrol did: the one message in the normal case), `revocation_queued`
 * (sent at once when the revocation must wait for GitHub's hourly budget; the `outcome` one follows it),
 * `mass_leak` (one alert to the security addresses about a push of more than PATROL_MASS_LEAK_THRESHOLD tokens).
 */
export const NOTIFICATION_PURPOSES = ['outcome', 'revocation_queued', 'mass_leak'] as const
/** A delivery is stored only once its scan job exists. */
export const DELIVERY_STATUSES = ['queued'] as const

/** One webhook call as received. Written (with its job) before the 2xx answer: invariant 2. */
export const deliveries = sqliteTable(
  'deliveries',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** A platform id (platforms/ids.ts). */
    provider: text('provider', { enum: PLATFORM_IDS }).notNull(),
    /** `X-GitHub-Delivery`, or the Azure service hook event `id`. The same on a redelivery. */
    deliveryId: text('delivery_id').notNull(),
    /** `push`, `git.push`, … */
    event: text('event').notNull(),
    receivedAt: integer('received_at').notNull(),
    /** `queued`: its scan job exists. Events patrol does not act on (`ping`, `issues`, …) are answered, not stored. */
    status: text('status', { enum: DELIVERY_STATUSES }).notNull(),
    /** Size of the raw body in bytes. The body itself is not kept: it may hold the very token being reported. */
    bodyBytes: integer('body_bytes').notNull(),
  },
  (t) => [
    uniqueIndex('deliveries_provider_delivery').on(t.provider, t.deliveryId),
    index('deliveries_received').on(t.receivedAt),
  ],
)

/** A push to scan: the normalized event (`PushEvent` in platforms/types.ts) and how its scan went. */
export const pushes = sqliteTable(
  'pushes',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    deliveryId: integer('delivery_id').notNull(),
    provider: text('provider', { enum: PLATFORM_IDS }).notNull(),
    /** `owner/name` (GitHub) or `project/name` (Azure Repos). */
    repository: text('repository').notNull(),
    /** The first ref the push updated (Azure pushes may update several; all are in `event`). */
    ref: text('ref').notNull(),
    /**
     * The normalized `PushEvent` as JSON, sealed like a token (its commit messages may hold one). Erased (`''`) once
     * the push is scanned completely; kept for a partial or failed scan, which an admin may rescan
     * (ingest/scan-push.ts).
     */
    event: text('event').notNull(),
    receivedAt: integer('received_at').notNull(),
    /** `pending` → `scanned` | `partial` (some content was not read: see `partialReasons`) | `failed`. */
    scanStatus: text('scan_status', { enum: SCAN_STATUSES }).notNull().default('pending'),
    scannedAt: integer('scanned_at'),
    bytesScanned: integer('bytes_scanned'),
    filesScanned: integer('files_scanned'),
    findings: integer('findings'),
    /** JSON array of human-readable reasons why the scan did not read everything. */
    partialReasons: text('partial_reasons'),
    /**
     * What the push changed, `provider repository ref:before..after …` (ingest/deliveries.ts `pushContentKey`): a
     * delivery replayed under a new delivery id carries the same key and is answered as a duplicate (issue 14).
     */
    contentKey: text('content_key'),
  },
  (t) => [
    index('pushes_delivery').on(t.deliveryId),
    uniqueIndex('pushes_content_key').on(t.contentKey),
    index('pushes_received').on(t.receivedAt),
  ],
)

/**
 * Text people wrote outside code (a comment, an issue, a work item…) or a secret scanning alert, received by webhook
 * and waiting for its `scan-content` job: the `ContentEvent` (platforms/content-event.ts) sealed like a push, since it
 * may hold the very token being reported (invariant 1).
 */
export const contentEvents = sqliteTable(
  'content_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    deliveryId: integer('delivery_id').notNull(),
    provider: text('provider', { enum: PLATFORM_IDS }).notNull(),
    source: text('source', { enum: OCCURRENCE_SOURCES }).notNull(),
    repository: text('repository').notNull(),
    /** The `ContentEvent` as JSON, sealed. */
    event: text('event').notNull(),
    receivedAt: integer('received_at').notNull(),
    scanStatus: text('scan_status', { enum: SCAN_STATUSES }).notNull().default('pending'),
    scannedAt: integer('scanned_at'),
    findings: integer('findings'),
    /**
     * Why nothing was acted on (an alert already resolved, a secret patrol cannot validate), or why the scan failed.
     */
    note: text('note'),
  },
  (t) => [index('content_events_delivery').on(t.deliveryId)],
)

/**
 * Resumable scans: each commit of a push that a scan attempt read whole (every file handed to the scanner and its
 * findings recorded), with what it read, so that a retry skips it and still reports the push's totals. Cleared when
 * the scan finishes (incidents/ingest/scan-progress.ts).
 */
export const scanCommits = sqliteTable(
  'scan_commits',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    pushId: integer('push_id').notNull(),
    commitSha: text('commit_sha').notNull(),
    bytes: integer('bytes').notNull(),
    files: integer('files').notNull(),
    findings: integer('findings').notNull(),
    /** JSON array: the partial-scan reasons this commit added, if any. */
    partial: text('partial'),
    at: integer('at').notNull(),
  },
  (t) => [uniqueIndex('scan_commits_push_commit').on(t.pushId, t.commitSha)],
)

/**
 * The durable job queue. A job is claimed by one worker at a time (one UPDATE … RETURNING statement, so it is atomic on
 * better-sqlite3 and D1 alike); a worker that dies leaves a stale lock that another worker recovers after a while.
 */
export const jobs = sqliteTable(
  'jobs',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** `scan-push`, `respond`, `revoke-github-batch`, `confirm-revocation`, `notify`, … */
    kind: text('kind').notNull(),
    /** JSON. Never a raw token: jobs reference incidents, whose sealed token stays in `incidents`. */
    payload: text('payload').notNull(),
    /** A second enqueue with the same key is a no-op. Null: no deduplication. */
    idempotencyKey: text('idempotency_key'),
    /** `queued` → `running` → `done` | back to `queued` (retry) | `dead` (gave up; visible). */
    // jobs: typed with `{ enum }` once src/jobs exports its list of states (another change owns src/jobs).
    state: text('state').notNull().default('queued'),
    attempts: integer('attempts').notNull().default(0),
    maxAttempts: integer('max_attempts').notNull(),
    /** Not before this time: backoff, Retry-After, or a scheduled check. */
    runAt: integer('run_at').notNull(),
    lockedBy: text('locked_by'),
    lockedAt: integer('locked_at'),
    lastError: text('last_error'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    finishedAt: integer('finished_at'),
    /**
     * When this job started failing: its first failure, or the failure of its last attempt that got further (a scan
     * that read more commits). Transient failures are retried until PATROL_GIVE_UP_AFTER after it; the retry's backoff
     * grows with the time since it (jobs/backoff.ts).
     */
    failingSince: integer('failing_since'),
    /**
     * How many of its attempts in a row ended with their process (a crash, a kill, a stale lock taken over); an
     * attempt that ends normally sets it back to 0. Three in a row end the job dead (jobs/queue.ts).
     */
    crashes: integer('crashes').notNull().default(0),
    /** Workers: when a Queues message was last sent for this job (the sweep re-sends for a due job without one). */
    dispatchedAt: integer('dispatched_at'),
    /**
     * The `failing_since` of the stuck episode whose needs-attention alerts are all written
     * (incidents/response/stuck-alerts.ts): the sweep looks only at jobs where it differs, a bounded number a run.
     */
    alertedSince: integer('alerted_since'),
  },
  (t) => [
    uniqueIndex('jobs_idempotency_key').on(t.idempotencyKey),
    index('jobs_state_run_at').on(t.state, t.runAt, t.id),
  ],
)

/**
 * One leaked token, however many times and places it was seen (invariant 3).
 * Status is a small state machine (incidents/states.ts):
 * `new → responding → revoked | revocation_requested | inactive | not_revocable | revoke_unconfirmed | revoke_failed |
 * notify_only`, `suppressed`, and the admin states `resolved`, `false_positive`.
 */
export const incidents = sqliteTable(
  'incidents',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** base64url HMAC-SHA-256 of the token under the fingerprint key: dedupe without holding the token. */
    fingerprint: text('fingerprint').notNull(),
    /** Scanner kind id, e.g. `github-classic-pat`, `azure-devops-pat`. */
    // catalog: `text('kind', { enum: TOKEN_KIND_IDS })` once the token-kind catalog (src/kinds) is merged.
    kind: text('kind').notNull(),
    /** The platform that issued it (platforms/ids.ts): who can revoke it. */
    issuer: text('issuer', { enum: PLATFORM_IDS }).notNull(),
    /** Redacted preview (first 4 … last 4), safe to show. */
    preview: text('preview').notNull(),
    status: text('status', { enum: STATUSES }).notNull(),
    statusChangedAt: integer('status_changed_at').notNull(),
    /**
     * The token sealed with AES-GCM under the sealing key (`v1.<iv>.<ciphertext>`, base64url), needed to revoke it.
     * Erased (set to null) as soon as the response reaches a terminal state.
     */
    sealedToken: text('sealed_token'),
    firstSeenAt: integer('first_seen_at').notNull(),
    lastSeenAt: integer('last_seen_at').notNull(),
    /** When the push that first carried the token was received: the start of push-to-revoke latency. */
    firstPushedAt: integer('first_pushed_at').notNull(),
    /** When the issuer accepted the revocation request (GitHub 202, Azure Token Admin 204): "requested after". */
    revokedAt: integer('revoked_at'),
    /** When patrol saw the leaked token stop authenticating (state `revoked`): "confirmed dead after". */
    confirmedDeadAt: integer('confirmed_dead_at'),
    /** GitHub: the owner's login from `GET /user`. */
    ownerLogin: text('owner_login'),
    ownerName: text('owner_name'),
    ownerEmail: text('owner_email'),
    /** Issuer-side owner id (Azure user id / subject descriptor). */
    ownerId: text('owner_id'),
    /** GitHub revocations go out in batches; the batch that took this incident, so no two batches send one token. */
    revocationBatch: text('revocation_batch'),
    /** Set when a suppression matched when the incident was recorded. */
    suppressionId: integer('suppression_id'),
    /**
     * The push that carried this token among more than PATROL_MASS_LEAK_THRESHOLD: still revoked, but told as one
     * mass-leak alert to the security addresses instead of one email per token.
     */
    massLeakPushId: integer('mass_leak_push_id'),
    /** The token is one others publish as an example (src/kinds/published-examples.ts): notify-only, low priority. */
    publishedExample: integer('published_example', { mode: 'boolean' }).notNull().default(false),
    /**
     * Set when patrol must notify without revoking, and why: a token found in history older than patrol's first push
     * from that repository while `PATROL_HISTORY_RESPONSE=notify`.
     */
    notifyOnlyReason: text('notify_only_reason'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('incidents_fingerprint').on(t.fingerprint),
    index('incidents_status').on(t.status),
    index('incidents_first_seen').on(t.firstSeenAt, t.id),
  ],
)

/** Where a token was seen. Unique per place, so a re-scanned push adds nothing. */
export const occurrences = sqliteTable(
  'occurrences',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    incidentId: integer('incident_id').notNull(),
    pushId: integer('push_id'),
    provider: text('provider', { enum: PLATFORM_IDS }).notNull(),
    repository: text('repository').notNull(),
    /** Web URL of the repository as the payload gave it: a record only; links are built from the configured hosts. */
    repositoryUrl: text('repository_url'),
    ref: text('ref'),
    commitSha: text('commit_sha'),
    /** File path, or `(commit message)`. */
    path: text('path').notNull(),
    line: integer('line').notNull(),
    column: integer('column'),
    /** `plain` or the decoder chain that revealed it, e.g. `base64>utf16le`. */
    encoding: text('encoding').notNull(),
    authorName: text('author_name'),
    authorEmail: text('author_email'),
    pusherName: text('pusher_name'),
    pusherEmail: text('pusher_email'),
    committedAt: integer('committed_at'),
    seenAt: integer('seen_at').notNull(),
    /** Where it was seen: a `push`, or text people wrote (`comment`, `issue`, `work_item`…), an `alert`, the `cli`. */
    source: text('source', { enum: OCCURRENCE_SOURCES }).notNull().default('push'),
    /** The page it was seen on (comment, issue, work item, alert), built from the configured host. */
    url: text('url'),
  },
  (t) => [
    uniqueIndex('occurrences_place').on(t.incidentId, t.provider, t.repository, t.commitSha, t.path, t.line),
    index('occurrences_incident').on(t.incidentId),
    index('occurrences_repository').on(t.repository),
  ],
)

/** Each revocation attempt at an issuer, and its outcome (`RevocationOutcome` in platforms/types.ts). */
export const revocations = sqliteTable(
  'revocations',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    incidentId: integer('incident_id').notNull(),
    issuer: text('issuer', { enum: PLATFORM_IDS }).notNull(),
    /** `revoked` | `requested` | `inactive` | `not_revocable` | `skipped` | `failed` | `error` (a retried failure). */
    outcome: text('outcome', { enum: [...REVOCATION_OUTCOMES, 'error'] }).notNull(),
    detail: text('detail').notNull(),
    /** Azure Token Admin authorization ids revoked, JSON array. */
    authorizationIds: text('authorization_ids'),
    /** Azure: each authorization revoked with why it was a candidate, JSON array of `RevocationCandidate`. */
    candidates: text('candidates'),
    /** GitHub batches: the call this attempt was part of, for the hourly budget. */
    batchId: text('batch_id'),
    /** GitHub: the issuer(s) that accepted the request, JSON array (`github.com`, a GitHub Enterprise Server host). */
    acceptedBy: text('accepted_by'),
    at: integer('at').notNull(),
  },
  (t) => [index('revocations_incident').on(t.incidentId), index('revocations_batch').on(t.issuer, t.at)],
)

/**
 * What each remote step of a response returned (the owner lookup, the candidates chosen, each revocation batch), so
 * that a retried response resumes at the first step not recorded here instead of calling again
 * (incidents/response/step-log.ts). One row per incident, round, step and part. Never a token.
 */
export const responseSteps = sqliteTable(
  'response_steps',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    incidentId: integer('incident_id').notNull(),
    /** 0: the first revocation; 1: the broad remainder revoked after confirmation found the token still live. */
    round: integer('round').notNull(),
    step: text('step', { enum: RESPONSE_STEPS }).notNull(),
    /** Numbers a repeated step: the revocation's batch. */
    part: integer('part').notNull().default(0),
    /** JSON `{ value }`: what the step returned. */
    result: text('result').notNull(),
    at: integer('at').notNull(),
  },
  (t) => [uniqueIndex('response_steps_once').on(t.incidentId, t.round, t.step, t.part)],
)

/** Each email patrol owes or sent: exactly one per incident, recipient and purpose (invariant 3). */
export const notifications = sqliteTable(
  'notifications',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    incidentId: integer('incident_id').notNull(),
    recipient: text('recipient').notNull(),
    /** Why this address: `owner (issuer)`, `commit author`, `pusher`, `security team`. */
    reason: text('reason', { enum: RECIPIENT_REASONS }).notNull(),
    /**
     * `pending` → `sent` | `failed` (after retries); `withheld`: not mailed, `error` says why (PATROL_NOTIFY_DOMAINS).
     */
    status: text('status', { enum: NOTIFICATION_STATUSES }).notNull(),
    messageId: text('message_id'),
    error: text('error'),
    attempts: integer('attempts').notNull().default(0),
    createdAt: integer('created_at').notNull(),
    sentAt: integer('sent_at'),
    /** `outcome`, `revocation_queued` or `mass_leak` (NOTIFICATION_PURPOSES). */
    purpose: text('purpose', { enum: NOTIFICATION_PURPOSES }).notNull().default('outcome'),
  },
  (t) => [uniqueIndex('notifications_incident_recipient_purpose').on(t.incidentId, t.recipient, t.purpose)],
)

/**
 * One chat or webhook message (Slack, Teams, the signed webhook: notify/events.ts) about one incident's outcome.
 * Unique per incident, channel and outcome: retries and repeated sightings never send a second one, and a changed
 * outcome (retry succeeded, revocation confirmed) is a new row, the follow-up. Never holds the token.
 */
export const channelMessages = sqliteTable(
  'channel_messages',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    incidentId: integer('incident_id').notNull(),
    channel: text('channel', { enum: CHANNEL_IDS }).notNull(),
    /** The incident status the message reports (a stuck response's alert: `<status>:stuck:<since>`). */
    outcome: text('outcome').notNull(),
    /** `incident.new` for the first message on the channel, else the outcome's event. */
    event: text('event', { enum: NOTIFY_EVENTS }).notNull(),
    /** 1 when an earlier message about this incident went to the channel. */
    followUp: integer('follow_up', { mode: 'boolean' }).notNull().default(false),
    status: text('status', { enum: CHANNEL_MESSAGE_STATUSES }).notNull(),
    error: text('error'),
    attempts: integer('attempts').notNull().default(0),
    createdAt: integer('created_at').notNull(),
    sentAt: integer('sent_at'),
    /**
     * A `needs_attention` message about a response stuck in retries (its `outcome` is `<status>:stuck:<since>`, one
     * per stuck episode): JSON `{ waitingFor, reason, since, nextAttemptAt }` as it was when patrol noticed.
     */
    attention: text('attention'),
  },
  (t) => [uniqueIndex('channel_messages_incident_channel_outcome').on(t.incidentId, t.channel, t.outcome)],
)

/** Who did what to which subject, when. Actor is `patrol` or `admin:<token name>`. */
export const auditEvents = sqliteTable(
  'audit_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    /** `incident`, `suppression`, … */
    subjectType: text('subject_type').notNull(),
    subjectId: integer('subject_id').notNull(),
    /** JSON detail: from/to states, notes. */
    detail: text('detail'),
    at: integer('at').notNull(),
  },
  (t) => [index('audit_subject').on(t.subjectType, t.subjectId)],
)

/**
 * "Do not act on this": a token (by fingerprint: the admin pastes the token once, patrol stores only the fingerprint),
 * or a repository and a path glob. A suppressed finding is recorded but never revoked or emailed.
 */
export const suppressions = sqliteTable('suppressions', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  fingerprint: text('fingerprint'),
  repository: text('repository'),
  pathGlob: text('path_glob'),
  reason: text('reason').notNull(),
  author: text('author').notNull(),
  expiresAt: integer('expires_at'),
  createdAt: integer('created_at').notNull(),
  /** Soft delete keeps the audit trail meaningful. */
  deletedAt: integer('deleted_at'),
})

/**
 * One admin-page sign-in, so that a session can end on the server (sign-out, "sign out everywhere") and not only in
 * the browser. The cookie carries a random session id; this table keeps only its SHA-256. Rows past their expiry are
 * deleted at the next sign-in.
 */
export const adminSessions = sqliteTable(
  'admin_sessions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** SHA-256 (hex) of the session id in the cookie. */
    sessionHash: text('session_hash').notNull(),
    /** The admin token's name. */
    admin: text('admin').notNull(),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
    /** Set by sign-out or sign-out-everywhere; the cookie stops working at once. */
    endedAt: integer('ended_at'),
  },
  (t) => [
    uniqueIndex('admin_sessions_session_hash').on(t.sessionHash),
    index('admin_sessions_admin').on(t.admin),
    index('admin_sessions_expires').on(t.expiresAt),
  ],
)

export const deliveriesRelations = relations(deliveries, ({ many }) => ({ pushes: many(pushes) }))
export const pushesRelations = relations(pushes, ({ one }) => ({
  delivery: one(deliveries, { fields: [pushes.deliveryId], references: [deliveries.id] }),
}))
export const incidentsRelations = relations(incidents, ({ many }) => ({
  occurrences: many(occurrences),
  revocations: many(revocations),
  notifications: many(notifications),
}))
export const occurrencesRelations = relations(occurrences, ({ one }) => ({
  incident: one(incidents, { fields: [occurrences.incidentId], references: [incidents.id] }),
}))
export const revocationsRelations = relations(revocations, ({ one }) => ({
  incident: one(incidents, { fields: [revocations.incidentId], references: [incidents.id] }),
}))
export const notificationsRelations = relations(notifications, ({ one }) => ({
  incident: one(incidents, { fields: [notifications.incidentId], references: [incidents.id] }),
}))

export type Delivery = typeof deliveries.$inferSelect
export type Push = typeof pushes.$inferSelect
export type ContentEventRow = typeof contentEvents.$inferSelect
export type Job = typeof jobs.$inferSelect
export type Incident = typeof incidents.$inferSelect
export type Occurrence = typeof occurrences.$inferSelect
export type Revocation = typeof revocations.$inferSelect
export type ResponseStepRow = typeof responseSteps.$inferSelect
export type Notification = typeof notifications.$inferSelect
export type ChannelMessage = typeof channelMessages.$inferSelect
export type AuditEvent = typeof auditEvents.$inferSelect
export type Suppression = typeof suppressions.$inferSelect
