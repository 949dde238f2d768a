/**
 * The `scan-push` job: read what a stored push added (through the platform's `PushSource`), scan it, and record each
 * high-confidence finding as an occurrence of its incident. Remote failures propagate as `RemoteError` so the
 * queue retries the job (honouring Retry-After); a retry continues where the failed attempt stopped, skipping the
 * commits it read whole (scan-progress.ts), and what it re-reads is recorded idempotently (occurrences are unique per
 * place).
 * Low-confidence (checksum-failing) matches are never recorded (invariant 4).
 * When the queue gives up on a scan (a permanent failure, or the last attempt), the push is marked `failed` with the
 * reason, so that an unscanned push is visible rather than pending forever (invariant 5).
 * Once the push is scanned completely, the sealed push event is erased: only the scan needed it, and its commit
 * messages may hold a token that a stolen backup and sealing key would otherwise give back (issue 14). A push scanned
 * in part, or whose scan failed, keeps it (sealed) so that an admin can rescan it after a fix, until retention.ts
 * deletes the push.
 *
 * @example
 * const handlers = { [SCAN_PUSH_JOB]: scanPushJob({ db, keys, log, now: Date.now, sources, maxPushBytes }) }
 */
import { and, eq, inArray, isNull } from 'drizzle-orm'
import { incidents, occurrences, type Push, pushes } from '../../db/schema.js'
import { atomically, type DB, slices } from '../../db/types.js'
import type { Attempt } from '../../jobs/give-up.js'
import { enqueue } from '../../jobs/queue.js'
import type { JobHandler } from '../../jobs/runner.js'
import type { Logger } from '../../log.js'
import { platform, UnknownPlatformError } from '../../platforms/index.js'
import { RemoteError } from '../../platforms/remote-error.js'
import {
  type AddedFile,
  COMMIT_MESSAGE_PATH,
  type CommitProgress,
  type PushEvent,
  type PushSource,
  type ScanReport,
} from '../../platforms/types.js'
import { scanAddedLines } from '../../scan/index.js'
import type { TokenKeys } from '../sealing.js'
import { ERASED_EVENT, openPushEvent, pushForDelivery, type ScanPushPayload } from './deliveries.js'
import { enqueueMassLeakAlert } from './mass-leak.js'
import { RESPOND_JOB, recordFinding } from './record.js'
import { ScanProgress } from './scan-progress.js'

export interface ScanPushDeps {
  db: DB
  keys: TokenKeys
  log: Logger
  now(): number
  /** The configured source of each platform; a platform without one gets only its payload's commit messages scanned. */
  sources: ReadonlyMap<string, PushSource>
  maxPushBytes: number
  /** Most API calls one push's reading may make (PATROL_PUSH_CALL_BUDGET). */
  pushCallBudget?: number
  /** More distinct tokens than this in one push make it a mass leak (PATROL_MASS_LEAK_THRESHOLD). */
  massLeakThreshold?: number
  /** Who gets the mass-leak alert. */
  securityEmails?: string[]
}

export function scanPushJob(deps: ScanPushDeps): JobHandler {
  return async (_job, payload, attempt) => {
    const p = payload as ScanPushPayload
    const push = await pushForDelivery(deps.db, p)
    if (!push)
      throw new RemoteError('permanent', `scan-push: no push stored for ${p.provider} delivery ${p.deliveryId}`)
    // Scanned completely already (a run that ended before the queue heard of it, or an admin's rescan): the event is
    // gone and nothing is left to read, so the push stays `scanned`.
    if (push.event === ERASED_EVENT) {
      if (push.scanStatus !== 'scanned')
        await deps.db.update(pushes).set({ scanStatus: 'scanned' }).where(eq(pushes.id, push.id))
      deps.log.info('scan.already_complete', { push: push.id })
      return
    }
    try {
      await scan(deps, push, attempt)
    } catch (error) {
      // The queue gives up after this attempt: say so on the push, or it would look pending (not scanned) forever.
      if (attempt.isFinal(error))
        await markScanFailed(deps.db, push.id, error instanceof Error ? error.message : String(error), deps.now())
      throw error
    }
  }
}

/**
 * The end of a scan patrol gave up on: the push shows `failed` and why (also for a dead-lettered job,
 * jobs/dead-end.ts).
 */
export async function markScanFailed(db: DB, pushId: number, reason: string, now: number): Promise<void> {
  await db
    .update(pushes)
    .set({ scanStatus: 'failed', scannedAt: now, partialReasons: JSON.stringify([`scan failed: ${reason}`]) })
    .where(eq(pushes.id, pushId))
}

async function scan(deps: ScanPushDeps, push: Push, attempt: Attempt): Promise<void> {
  const event = await openPushEvent(deps.keys, push.event)
  const report: ScanReport = { bytes: 0, files: 0, partial: [] }
  // A push stored for a platform patrol no longer knows is a permanent failure, shown on the push (invariant 5).
  const known = knownPlatform(event.provider)
  const source = deps.sources.get(known.id)
  // Resumable: commits an earlier attempt read whole are skipped, their figures added back (scan-progress.ts).
  const progress = await ScanProgress.load(deps.db, push.id, report, deps.now)
  const files = source
    ? source.added(
        event,
        { maxBytes: deps.maxPushBytes, maxCalls: deps.pushCallBudget, progress: tell(progress, attempt) },
        report,
      )
    : messagesOnly(event, report, known.sourceSettings)

  const committedAt = new Map(event.commits.map((c) => [c.id, c.timestamp ? Date.parse(c.timestamp) : undefined]))
  let newIncidents = 0
  // Each finding is recorded as it is found (so a retry that skips the commits read whole loses none); the respond
  // jobs wait for the end of the scan (startResponses).
  for await (const file of files) {
    const lines = file.lines.map((l) => ({ path: file.path, line: l.line, text: l.text, commit: file.commit }))
    for (const finding of scanAddedLines(lines)) {
      if (finding.confidence !== 'high') continue
      progress.findings++
      const author = file.author ?? event.commits.find((c) => c.id === file.commit)?.author
      const at = committedAt.get(finding.commit ?? '')
      const recorded = await recordFinding(
        deps.db,
        deps.keys,
        finding,
        {
          provider: event.provider,
          repository: event.repository.fullName,
          repositoryUrl: event.repository.url,
          ref: event.refUpdates[0]?.ref,
          commitSha: finding.commit,
          path: finding.path,
          line: finding.line,
          column: finding.column,
          encoding: finding.encoding,
          authorName: author?.name,
          authorEmail: author?.email,
          pusherName: event.pusher.name,
          pusherEmail: event.pusher.email,
          committedAt: at !== undefined && Number.isFinite(at) ? at : undefined,
          pushId: push.id,
        },
        { now: deps.now(), pushedAt: push.receivedAt, deferRespond: true },
      )
      if (recorded.isNew && !recorded.suppressed) newIncidents++
      deps.log.info('finding.recorded', {
        incident: recorded.incidentId,
        new: recorded.isNew,
        suppressed: recorded.suppressed,
        kind: finding.kind,
        repository: event.repository.fullName,
        path: finding.path,
        line: finding.line,
        encoding: finding.encoding,
      })
    }
  }

  const finished = deps.db
    .update(pushes)
    .set({
      scanStatus: report.partial.length ? 'partial' : 'scanned',
      ...(report.partial.length ? {} : { event: ERASED_EVENT }),
      scannedAt: deps.now(),
      bytesScanned: report.bytes,
      filesScanned: report.files,
      findings: progress.findings,
      partialReasons: report.partial.length ? JSON.stringify(report.partial) : null,
    })
    .where(eq(pushes.id, push.id))
  // The push's figures, the incidents it created and the cleared progress in one round trip.
  const created = createdBy(deps.db, push.id)
  const clear = progress.clearStatement()
  const [, ids] = clear
    ? await atomically(deps.db, [finished, created, clear])
    : await atomically(deps.db, [finished, created])
  // Responses start once the whole push is recorded: whether it is a mass leak decides how its people are told.
  const massLeak = await startResponses(
    deps,
    push.id,
    ids.map((c) => c.id),
  )
  deps.log.info('scan.finished', {
    push: push.id,
    provider: event.provider,
    repository: event.repository.fullName,
    bytes: report.bytes,
    files: report.files,
    findings: progress.findings,
    newIncidents,
    massLeak,
    resumedCommits: progress.resumed,
    partial: report.partial,
  })
}

/**
 * Starts the response of every incident this push created (in this attempt or an earlier one): a `respond` job each
 * (idempotent per incident). A push that created more than `massLeakThreshold` incidents is a mass leak: its new
 * incidents are marked with the push, so their people get the push's one alert (mass-leak.ts) instead of a message
 * per token; they are still revoked.
 */
async function startResponses(deps: ScanPushDeps, pushId: number, ids: number[]): Promise<boolean> {
  const massLeak = ids.length > (deps.massLeakThreshold ?? Number.POSITIVE_INFINITY)
  const now = deps.now()
  // In slices: D1 takes at most 100 bound parameters per statement.
  if (massLeak)
    for (const slice of slices(ids))
      await deps.db
        .update(incidents)
        .set({ massLeakPushId: pushId })
        .where(and(inArray(incidents.id, slice), isNull(incidents.massLeakPushId)))
  for (const incidentId of ids)
    await enqueue(deps.db, { kind: RESPOND_JOB, payload: { incidentId }, key: `${RESPOND_JOB}:${incidentId}` }, now)
  if (massLeak) await enqueueMassLeakAlert(deps, pushId)
  return massLeak
}

/** The incidents still `new` that the push holds a place of: the ones whose response it starts. */
function createdBy(db: DB, pushId: number) {
  return db
    .selectDistinct({ id: incidents.id })
    .from(incidents)
    .innerJoin(occurrences, eq(occurrences.incidentId, incidents.id))
    .where(and(eq(occurrences.pushId, pushId), eq(incidents.status, 'new')))
}

/** Each commit read whole is progress of this attempt: if it then fails, its retry comes soon (jobs/give-up.ts). */
function tell(progress: CommitProgress, attempt: Attempt): CommitProgress {
  return {
    skip: (commit) => progress.skip(commit),
    begin: (commit) => progress.begin(commit),
    done: async (commit) => {
      await progress.done(commit)
      attempt.progressed()
    },
  }
}

/** The push's platform; one patrol does not know is a permanent failure, not a retry. */
function knownPlatform(id: string) {
  try {
    return platform(id)
  } catch (error) {
    if (error instanceof UnknownPlatformError) throw new RemoteError('permanent', `scan-push: ${error.message}`)
    throw error
  }
}

/** Without a configured source, the payload's commit messages are all patrol can read; say so. */
async function* messagesOnly(event: PushEvent, report: ScanReport, settings: string): AsyncIterable<AddedFile> {
  report.partial.push(`file contents not read: set ${settings} so patrol can read pushes`)
  // Azure cuts long comments in the hook payload; without a source they cannot be fetched whole.
  const truncated = event.commits.filter((c) => c.messageTruncated).map((c) => c.id.slice(0, 12))
  if (truncated.length)
    report.partial.push(`commit messages truncated in the payload, read only in part: ${truncated.join(', ')}`)
  for (const commit of event.commits) {
    report.files++
    report.bytes += commit.message.length
    yield {
      path: COMMIT_MESSAGE_PATH,
      commit: commit.id,
      author: commit.author,
      lines: commit.message.split('\n').map((text, i) => ({ line: i + 1, text })),
    }
  }
}
