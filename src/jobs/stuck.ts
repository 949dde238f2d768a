/**
 * What is stuck, for `/healthz` and `/metrics`: pushes still unscanned, jobs that ended `dead`, and `running` jobs
 * older than their stale limit (claimed by an invocation or process that never finished them). patrol's promise is
 * that nobody has to watch it, so each of these turns the health answer `degraded`, with a reason an admin can act on.
 * The admin API lists unscanned pushes and dead jobs, and retries a dead job or rescans a push (audited).
 *
 * @example
 * const stuck = await stuckWork(db, Date.now(), { staleMs: 300_000 })
 * degradedReasons(stuck) // ['1 push unscanned for more than 10 minutes (oldest 2 h)', '2 dead jobs: …']
 */
import { and, asc, count, eq, inArray, lt, min, sql } from 'drizzle-orm'
import { auditEvents, deliveries, jobs, pushes } from '../db/schema.js'
import type { DB } from '../db/types.js'
import type { JobKind, JobPayloads } from './kinds.js'
import { enqueue } from './queue.js'

/** A push still unscanned after this long is a problem, not a queue: scans take seconds. */
export const UNSCANNED_ALARM_MS = 10 * 60_000

/**
 * A response job (revoking, confirming) that has kept failing this long is stuck in retries, not unlucky: the
 * channels that take `needs_attention` are told (incidents/response/stuck-alerts.ts).
 */
export const RETRYING_ALARM_MS = 10 * 60_000

export interface StuckWork {
  /** Pushes whose scan has not ended (`pending`). */
  unscannedPushes: number
  /** Of those, received more than {@link UNSCANNED_ALARM_MS} ago. */
  overdueUnscannedPushes: number
  /** Age of the oldest unscanned push, in ms; 0 when none. */
  oldestUnscannedAgeMs: number
  deadJobs: number
  /** `running` jobs locked longer ago than the stale limit. */
  staleRunningJobs: number
}

export async function stuckWork(db: DB, now: number, o: { staleMs: number }): Promise<StuckWork> {
  const [pending] = await db
    .select({
      n: count(),
      overdue: sql<number>`coalesce(sum(${pushes.receivedAt} < ${now - UNSCANNED_ALARM_MS}), 0)`,
      oldest: min(pushes.receivedAt),
    })
    .from(pushes)
    .where(eq(pushes.scanStatus, 'pending'))
  const [dead] = await db.select({ n: count() }).from(jobs).where(eq(jobs.state, 'dead'))
  const [stale] = await db
    .select({ n: count() })
    .from(jobs)
    .where(and(eq(jobs.state, 'running'), lt(jobs.lockedAt, now - o.staleMs)))
  return {
    unscannedPushes: pending?.n ?? 0,
    overdueUnscannedPushes: Number(pending?.overdue ?? 0),
    oldestUnscannedAgeMs: pending?.oldest != null ? now - pending.oldest : 0,
    deadJobs: dead?.n ?? 0,
    staleRunningJobs: stale?.n ?? 0,
  }
}

/** Why patrol needs an admin, one sentence each; empty when nothing is stuck. */
export function degradedReasons(s: StuckWork): string[] {
  const reasons: string[] = []
  if (s.overdueUnscannedPushes > 0)
    reasons.push(
      `${plural(s.overdueUnscannedPushes, 'push')} unscanned for more than ${UNSCANNED_ALARM_MS / 60_000} minutes ` +
        `(oldest ${Math.round(s.oldestUnscannedAgeMs / 60_000)} min): check the job log for scan-push failures`,
    )
  if (s.deadJobs > 0)
    reasons.push(`${plural(s.deadJobs, 'dead job')}: patrol gave up on them; their pushes, incidents or emails say why`)
  if (s.staleRunningJobs > 0)
    reasons.push(
      `${plural(s.staleRunningJobs, 'job')} running past PATROL_JOB_STALE_MS: the process or invocation that took ` +
        'them stopped; another one takes them over',
    )
  return reasons
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : noun.endsWith('h') ? 'es' : 's'}`
}

/** A push patrol has not (fully) scanned: still pending, or given up on. */
export interface UnscannedPush {
  id: number
  provider: string
  repository: string
  ref: string
  status: 'pending' | 'failed'
  receivedAt: number
  reasons: string[]
}

export interface DeadJob {
  id: number
  kind: string
  attempts: number
  lastError: string | null
  finishedAt: number | null
}

/** The unscanned pushes and dead jobs, oldest first, at most `limit` of each: what an admin can retry. */
export async function stuckLists(db: DB, limit = 100): Promise<{ pushes: UnscannedPush[]; deadJobs: DeadJob[] }> {
  const unscanned = await db
    .select()
    .from(pushes)
    .where(inArray(pushes.scanStatus, ['pending', 'failed']))
    .orderBy(asc(pushes.receivedAt))
    .limit(limit)
  const dead = await db
    .select({
      id: jobs.id,
      kind: jobs.kind,
      attempts: jobs.attempts,
      lastError: jobs.lastError,
      finishedAt: jobs.finishedAt,
    })
    .from(jobs)
    .where(eq(jobs.state, 'dead'))
    .orderBy(asc(jobs.finishedAt), asc(jobs.id))
    .limit(limit)
  return {
    pushes: unscanned.map((p) => ({
      id: p.id,
      provider: p.provider,
      repository: p.repository,
      ref: p.ref,
      status: p.scanStatus as 'pending' | 'failed',
      receivedAt: p.receivedAt,
      reasons: p.partialReasons ? (JSON.parse(p.partialReasons) as string[]) : [],
    })),
    deadJobs: dead,
  }
}

/** Puts a dead job back in the queue, due now, with a fresh give-up clock. False when no dead job has that id. */
export async function retryDeadJob(db: DB, id: number, actor: string, now: number): Promise<boolean> {
  const rows = await db
    .update(jobs)
    .set({ state: 'queued', runAt: now, failingSince: null, dispatchedAt: null, finishedAt: null, updatedAt: now })
    .where(and(eq(jobs.id, id), eq(jobs.state, 'dead')))
    .returning({ id: jobs.id, kind: jobs.kind })
  if (rows.length === 0) return false
  await audit(db, actor, 'job.retried', 'job', id, { kind: rows[0]!.kind }, now)
  return true
}

/**
 * Scans a push again from the start (after a fix: a token with the right scope, a repository restored): the push is
 * `pending` again and a new scan-push job is queued. False when there is no such push.
 */
export async function rescanPush(db: DB, id: number, actor: string, now: number): Promise<boolean> {
  const [row] = await db
    .select({ provider: deliveries.provider, deliveryId: deliveries.deliveryId })
    .from(pushes)
    .innerJoin(deliveries, eq(pushes.deliveryId, deliveries.id))
    .where(eq(pushes.id, id))
  if (!row) return false
  const kind: JobKind = 'scan-push'
  const payload: JobPayloads['scan-push'] = { provider: row.provider, deliveryId: row.deliveryId }
  await db.update(pushes).set({ scanStatus: 'pending', partialReasons: null }).where(eq(pushes.id, id))
  await enqueue(db, { kind, payload, key: `${kind}:${row.provider}:${row.deliveryId}:rescan:${now}` }, now)
  await audit(db, actor, 'push.rescanned', 'push', id, {}, now)
  return true
}

async function audit(
  db: DB,
  actor: string,
  action: string,
  subjectType: string,
  subjectId: number,
  detail: Record<string, unknown>,
  at: number,
) {
  await db.insert(auditEvents).values({ actor, action, subjectType, subjectId, detail: JSON.stringify(detail), at })
}
