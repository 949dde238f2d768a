/**
 * Housekeeping as a runner's idle hook (Node) or a cron sweep's step (Workers): `run` goes at most once per `everyMs`;
 * a run that says it left work (`more`: a backlog larger than one run takes) lets the next call carry on at once.
 * Errors are logged as `failed`, never thrown: housekeeping must not stop the runner or the sweep.
 *
 * @example
 * const idle = periodic({ everyMs: 3_600_000, now: Date.now, log, failed: 'retention.failed' }, async () => ({ more: false }))
 */
import type { Logger } from '../log.js'

export function periodic(
  o: { everyMs: number; now(): number; log: Logger; failed: string },
  run: () => Promise<{ more: boolean }>,
): () => Promise<void> {
  let last = Number.NEGATIVE_INFINITY
  return async () => {
    if (o.now() - last < o.everyMs) return
    last = o.now()
    try {
      if ((await run()).more) last = Number.NEGATIVE_INFINITY
    } catch (error) {
      o.log.error(o.failed, { error: error instanceof Error ? error.message : String(error) })
    }
  }
}
