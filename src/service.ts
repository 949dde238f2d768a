/**
 * Composes patrol's parts from its config, the same on Node and Workers: the platform sources and issuers, and the
 * job handlers the runner dispatches by kind. Entry files pass in what differs per runtime (database, mailer, fetch).
 * Nothing here imports a Node-only module.
 *
 * @example
 * const handlers = createJobHandlers({ config, db, keys, log, now: Date.now, mailer })
 */
import type { Config } from './config.js'
import type { DB } from './db/types.js'
import { SCAN_CONTENT_JOB, scanContentJob } from './incidents/ingest/content-event.js'
import { SCAN_PUSH_JOB } from './incidents/ingest/deliveries.js'
import { RESPOND_JOB } from './incidents/ingest/record.js'
import { scanPushJob } from './incidents/ingest/scan-push.js'
import { CHANNEL_NOTIFY_JOB, channelNotifyJob } from './incidents/response/channels.js'
import { notifyJob } from './incidents/response/notify.js'
import { respondJob } from './incidents/response/respond.js'
import { NOTIFY_JOB, type ResponseDeps } from './incidents/response/steps.js'
import { stuckResponseSweep } from './incidents/response/stuck-alerts.js'
import { VERIFY_NOW_JOB, verifyNowJob } from './incidents/response/verify.js'
import { retentionSweep } from './incidents/retention.js'
import type { TokenKeys } from './incidents/sealing.js'
import type { JobHandler } from './jobs/runner.js'
import type { Logger } from './log.js'
import type { Mailer } from './notify/mailer.js'
import { createNotifiers } from './notify/notifier.js'
import {
  GithubSecretAlerts,
  RESOLVE_SECRET_ALERT_JOB,
  resolveSecretAlertJob,
  secretAlertReader,
} from './platforms/github/secret-alerts.js'
import { allPlatforms, platform } from './platforms/index.js'
import type { PlatformResponse, PlatformSetup, ResponseTiming } from './platforms/platform.js'
import type { PushSource } from './platforms/types.js'

export type { ResponseTiming } from './platforms/platform.js'

export interface ServiceParts {
  config: Config
  db: DB
  keys: TokenKeys
  log: Logger
  now(): number
  mailer: Mailer
  /** The fetch every remote call goes through (default: the global one). */
  fetch?: typeof fetch
  /** Timing of the response; defaults suit production, tests shorten them. */
  timing?: Partial<ResponseTiming>
}

/** Azure can take up to an hour to apply a revocation: check after 2, 10, 30 and 65 minutes. */
export const DEFAULT_CONFIRM_DELAYS_MS = [2, 10, 30, 65].map((m) => m * 60_000)

function platformSetup(parts: Pick<ServiceParts, 'config' | 'fetch' | 'timing'>): PlatformSetup {
  const { config } = parts
  return {
    config,
    fetch: parts.fetch,
    timing: {
      githubBatchDelayMs: config.githubRevocation.batchDelayMs,
      githubCallsPerHour: config.githubRevocation.callsPerHour,
      confirmDelaysMs: DEFAULT_CONFIRM_DELAYS_MS,
      ...parts.timing,
    },
  }
}

/** A source per platform that patrol has credentials for. */
export function pushSources(config: Config, fetchImpl?: typeof fetch): Map<string, PushSource> {
  const setup = platformSetup({ config, fetch: fetchImpl })
  const sources = new Map<string, PushSource>()
  for (const p of allPlatforms()) {
    const source = p.source(setup)
    if (source) sources.set(p.id, source)
  }
  return sources
}

export function responseDeps(parts: ServiceParts): ResponseDeps {
  const { config } = parts
  const mail = {
    from: config.mail.from,
    securityEmails: config.mail.securityEmails,
    publicUrl: config.publicUrl,
    notifyDomains: config.mail.notifyDomains,
  }
  return {
    db: parts.db,
    keys: parts.keys,
    log: parts.log,
    now: parts.now,
    revoke: config.revoke,
    mailer: parts.mailer,
    mail,
    config,
    notifiers: createNotifiers(
      { channels: config.channels, mailer: parts.mailer, mail },
      { fetch: parts.fetch, timeoutMs: config.remoteTimeoutMs },
    ),
  }
}

/**
 * What a runtime runs when it has time (Node: the runner's idle hook; Workers: the cron sweep): alerts about
 * responses stuck in retries (stuck-alerts.ts), then retention. Each part throttles itself and logs its own errors.
 */
export function housekeeping(parts: ServiceParts): () => Promise<void> {
  const stuck = stuckResponseSweep(responseDeps(parts))
  const retention = retentionSweep({
    db: parts.db,
    log: parts.log,
    now: parts.now,
    retainDays: parts.config.retainDays,
  })
  return async () => {
    await stuck()
    await retention()
  }
}

export function createJobHandlers(parts: ServiceParts): Record<string, JobHandler> {
  const deps = responseDeps(parts)
  const setup = platformSetup(parts)
  const responses = new Map<string, PlatformResponse>(allPlatforms().map((p) => [p.id, p.response(deps, setup)]))
  const { config } = parts
  const alerts = new GithubSecretAlerts({
    apiUrl: config.github.apiUrl,
    token: config.github.token,
    app: config.github.app,
    fetch: parts.fetch,
    timeoutMs: config.remoteTimeoutMs,
  })
  const alertDeps = { db: parts.db, keys: parts.keys, log: parts.log, now: parts.now, config, alerts }
  return {
    [RESPOND_JOB]: respondJob(deps, (id) => responses.get(platform(id).id)!),
    [VERIFY_NOW_JOB]: verifyNowJob(deps, (id) => responses.get(platform(id).id)!),
    [NOTIFY_JOB]: notifyJob(deps),
    [CHANNEL_NOTIFY_JOB]: channelNotifyJob(deps),
    [SCAN_PUSH_JOB]: scanPushJob({
      db: parts.db,
      keys: parts.keys,
      log: parts.log,
      now: parts.now,
      sources: pushSources(parts.config, parts.fetch),
      maxPushBytes: parts.config.maxPushBytes,
      pushCallBudget: parts.config.pushCallBudget,
      massLeakThreshold: parts.config.massLeakThreshold,
      securityEmails: parts.config.mail.securityEmails,
    }),
    [SCAN_CONTENT_JOB]: scanContentJob({ ...alertDeps, alert: secretAlertReader(alertDeps) }),
    [RESOLVE_SECRET_ALERT_JOB]: resolveSecretAlertJob(alertDeps),
    // Each platform's own jobs (GitHub's batched revocation, Azure's confirmation).
    ...Object.assign({}, ...[...responses.values()].map((r) => r.jobs)),
  }
}
