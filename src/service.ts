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
import { confirmJob } from './incidents/confirm.js'
import { SCAN_PUSH_JOB } from './incidents/deliveries.js'
import { githubBatchJob } from './incidents/github-batch.js'
import { notifyJob } from './incidents/notify.js'
import { RESPOND_JOB } from './incidents/record.js'
import { CONFIRM_JOB, GITHUB_BATCH_JOB, NOTIFY_JOB, type ResponseDeps, respondJob } from './incidents/respond.js'
import { scanPushJob } from './incidents/scan-push.js'
import type { TokenKeys } from './incidents/sealing.js'
import type { JobKind } from './jobs/kinds.js'
import type { JobHandler } from './jobs/runner.js'
import type { Logger } from './log.js'
import type { Mailer } from './notify/mailer.js'
import { AzureDevOpsSource } from './platforms/azure-devops/client.js'
import { AzureDevOpsIssuer } from './platforms/azure-devops/issuer.js'
import { GithubSource } from './platforms/github/client.js'
import { GithubIssuer } from './platforms/github/issuer.js'
import type { Provider, PushSource } from './platforms/types.js'

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

export interface ResponseTiming {
  githubBatchDelayMs: number
  githubCallsPerHour: number
  confirmDelaysMs: number[]
}

/** Azure can take up to an hour to apply a revocation: check after 2, 10, 30 and 65 minutes. */
export const DEFAULT_CONFIRM_DELAYS_MS = [2, 10, 30, 65].map((m) => m * 60_000)

/** A source per platform that patrol has credentials for. */
export function pushSources(config: Config, fetchImpl?: typeof fetch): Partial<Record<Provider, PushSource>> {
  const sources: Partial<Record<Provider, PushSource>> = {}
  if (config.github.token || config.github.app)
    sources.github = new GithubSource({
      apiUrl: config.github.apiUrl,
      token: config.github.token,
      app: config.github.app,
      fetch: fetchImpl,
      timeoutMs: config.remoteTimeoutMs,
    })
  if (config.azureDevOps.orgUrl && config.azureDevOps.token)
    sources['azure-devops'] = new AzureDevOpsSource({
      orgUrl: config.azureDevOps.orgUrl,
      token: config.azureDevOps.token,
      fetch: fetchImpl,
      timeoutMs: config.remoteTimeoutMs,
    })
  return sources
}

export function responseDeps(parts: ServiceParts): ResponseDeps {
  const { config } = parts
  const azure = config.azureDevOps
  return {
    db: parts.db,
    keys: parts.keys,
    log: parts.log,
    now: parts.now,
    revoke: config.revoke,
    github: new GithubIssuer({ apiUrl: config.github.apiUrl, fetch: parts.fetch, timeoutMs: config.remoteTimeoutMs }),
    azureDevOps: azure.orgUrl
      ? new AzureDevOpsIssuer({
          orgUrl: azure.orgUrl,
          adminToken: azure.adminToken,
          vsspsUrl: azure.vsspsUrl,
          policy: azure.revokePolicy,
          fetch: parts.fetch,
          timeoutMs: config.remoteTimeoutMs,
        })
      : undefined,
    mailer: parts.mailer,
    mail: { from: config.mail.from, securityEmails: config.mail.securityEmails, publicUrl: config.publicUrl },
    githubBatchDelayMs: config.githubRevocation.batchDelayMs,
    githubCallsPerHour: config.githubRevocation.callsPerHour,
    confirmDelaysMs: DEFAULT_CONFIRM_DELAYS_MS,
    ...parts.timing,
  }
}

/** A handler for every kind of the job vocabulary (src/jobs/kinds.ts); the compiler checks none is missing. */
export function createJobHandlers(parts: ServiceParts): Record<JobKind, JobHandler> {
  const response = responseDeps(parts)
  return {
    [RESPOND_JOB]: respondJob(response),
    [GITHUB_BATCH_JOB]: githubBatchJob(response),
    [CONFIRM_JOB]: confirmJob(response),
    [NOTIFY_JOB]: notifyJob(response),
    [SCAN_PUSH_JOB]: scanPushJob({
      db: parts.db,
      keys: parts.keys,
      log: parts.log,
      now: parts.now,
      sources: pushSources(parts.config, parts.fetch),
      maxPushBytes: parts.config.maxPushBytes,
    }),
  }
}
