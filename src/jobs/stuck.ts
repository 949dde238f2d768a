/**
 * What is stuck, for `/healthz` and `/metrics`: pushes still unscanned, jobs that ended `dead`, and `running` jobs
 * older than their stale limit (claimed by an invocation or process that never finished them). patrol's promise is
 * that nobody has to watch it, so each of these turns the health answer `degraded`, with a reason an admin can act on.
 *
 * @example
 * const stuck = await stuckWork(db, Date.now(), { staleMs: 300_000 })
 * degradedReasons(stuck) // ['1 push unscanned for more than 10 minutes (oldest 2 h)', '2 dead jobs: …']
 */
import { and, count, eq, lt, min, sql } from 'drizzle-orm'
import { jobs, pushes } from '../db/schema.js'
import type { DB } from '../db/types.js'

/** A push still unscanned after this long is a problem, not a queue: scans take seconds. */
export const UNSCANNED_ALARM_MS = 10 * 60_000

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
