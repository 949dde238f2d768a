/**
 * What the HTTP app needs from its runtime, resolved per request: a singleton on Node, built from `env` on Workers.
 *
 * @example
 * const app = createApp(() => ({ config, db, keys, log, now: Date.now, jobsEnqueued: () => runner.wake() }))
 */
import type { Config } from '../config.js'
import type { DB } from '../db/types.js'
import type { DeliveryStore } from '../incidents/ingest/deliveries.js'
import type { TokenKeys } from '../incidents/sealing.js'
import type { Logger } from '../log.js'
import type { BodyBudget } from './body-budget.js'

export interface AppDeps {
  config: Config
  db: DB
  /** Fingerprint and sealing keys, imported once from the config's secrets. */
  keys: TokenKeys
  log: Logger
  now(): number
  /** How deliveries are stored; default: one all-or-nothing batch each (`storeDelivery`). Node groups commits. */
  storeDelivery?: DeliveryStore
  /** Jobs were enqueued: run them soon (Node: wake the runner; Workers: `ctx.waitUntil` a drain). */
  jobsEnqueued(): void
}

export type AppEnv = {
  Variables: {
    deps: AppDeps
    log: Logger
    requestId: string
    /** The process's (isolate's) budget of unverified body bytes (body-budget.ts). */
    bodyBudget: BodyBudget
    /** The name of the admin token that authenticated this request (admin routes only). */
    admin: string
  }
}
