/**
 * Composes patrol's job handlers from its parts, the same on Node and Workers: the entry files pass in what differs
 * (database, mailer, fetch) and get back the handlers the runner dispatches by job kind.
 *
 * @example
 * const handlers = createJobHandlers({ config, db, log, now: Date.now })
 */
import type { Config } from './config.js'
import type { DB } from './db/types.js'
import type { JobHandler } from './jobs/runner.js'
import type { Logger } from './log.js'

export interface ServiceParts {
  config: Config
  db: DB
  log: Logger
  now(): number
}

export function createJobHandlers(_parts: ServiceParts): Record<string, JobHandler> {
  return {}
}
