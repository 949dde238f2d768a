/**
 * The Node entry: configuration (with first-boot secrets), the SQLite file (WAL, migrated at boot), the HTTP server,
 * and the in-process job runner. SIGTERM/SIGINT stop accepting, let running jobs finish within the grace period, and
 * hand the rest back to the queue for the next process.
 *
 * @example
 * // npm start          (PORT=8787, data in ./data)
 * const service = await startNode({ PORT: '0', PATROL_DATA_DIR: '/tmp/p' })
 * await fetch(`${service.url}/healthz`); await service.stop()
 */

import type { AddressInfo } from 'node:net'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { type ServerType, serve } from '@hono/node-server'
import { type Config, ConfigError, parseConfig, parseSettings, secretsFromEnv } from '../../config.js'
import type { DB } from '../../db/types.js'
import { createApp } from '../../http/app.js'
import type { AppDeps } from '../../http/deps.js'
import { importKeys } from '../../incidents/sealing.js'
import { deadEnds } from '../../jobs/dead-end.js'
import { lockHolders, releaseAll } from '../../jobs/queue.js'
import { createRunner } from '../../jobs/runner.js'
import { createLogger, type Logger } from '../../log.js'
import type { Mailer } from '../../notify/mailer.js'
import { createJobHandlers, housekeeping, type ResponseTiming } from '../../service.js'
import { openNodeDatabase } from './database.js'
import { groupCommitDeliveries } from './group-commit.js'
import { OutboxMailer } from './outbox.js'
import { ensureSecretsFile } from './secrets-file.js'
import { SmtpMailer } from './smtp.js'

export interface NodeService {
  url: string
  config: Config
  stop(): Promise<void>
}

export interface StartOptions {
  log?: Logger
  /** Shorter response timings, for tests and the demo. */
  timing?: Partial<ResponseTiming>
}

export async function startNode(env: Record<string, string | undefined>, o: StartOptions = {}): Promise<NodeService> {
  const settings = parseSettings(env)
  const log = o.log ?? createLogger({ level: settings.logLevel })
  const file = ensureSecretsFile(settings.dataDir, secretsFromEnv(env))
  const config = parseConfig(env, file.values)
  if (file.created)
    log.info('secrets.created', {
      path: file.created,
      note: 'generated secrets for what the environment does not set; read them there',
    })

  const database = openNodeDatabase(config.databasePath)
  const keys = await importKeys(config.secrets)
  const worker = `${hostname()}:${process.pid}`
  const parts = { config, db: database.db, keys, log, now: Date.now, mailer: nodeMailer(config), timing: o.timing }
  const handlers = createJobHandlers(parts)
  await releaseJobsOfDeadProcesses(database.db, worker, log)
  const runner = createRunner({
    db: database.db,
    worker,
    handlers,
    log,
    concurrency: config.jobs.concurrency,
    pollMs: config.jobs.pollMs,
    staleMs: config.jobs.staleMs,
    giveUpAfterMs: config.jobs.giveUpAfterMs,
    // A job that kept killing its process ends dead without running again; its push or incident shows why.
    deadEnd: deadEnds(parts),
    idle: housekeeping(parts),
  })
  const deps: AppDeps = {
    config,
    db: database.db,
    keys,
    log,
    now: Date.now,
    storeDelivery: groupCommitDeliveries(database.drizzle, keys),
    jobsEnqueued: () => runner.wake(),
  }
  const app = createApp(() => deps)

  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, () => resolve(s))
  })
  const address = server.address() as AddressInfo
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`
  runner.start()
  log.info('service.started', { url, database: config.databasePath, worker })

  let stopped: Promise<void> | undefined
  return {
    url,
    config,
    stop: () =>
      (stopped ??= (async () => {
        log.info('service.stopping', { graceMs: config.jobs.shutdownGraceMs })
        const closed = new Promise<void>((resolve) => server.close(() => resolve()))
        // Idle keep-alive sockets would hold close() open; in-flight requests still finish.
        ;(server as { closeIdleConnections?: () => void }).closeIdleConnections?.()
        await runner.stop(config.jobs.shutdownGraceMs)
        await closed
        database.close()
        log.info('service.stopped')
      })()),
  }
}

/**
 * A process of this host that died (kill -9, OOM, power loss) left its jobs `running`. Those of a pid that no
 * longer exists, or of our own worker id (a restarted container reuses pid 1), are handed back after a short backoff
 * instead of after the stale-lock timeout, counted as a crash (a job that kills its process three times in a row ends
 * dead: jobs/queue.ts). Other hosts' jobs wait for that timeout: their processes cannot be checked from here.
 */
async function releaseJobsOfDeadProcesses(db: DB, self: string, log: Logger): Promise<void> {
  const host = self.slice(0, self.lastIndexOf(':') + 1)
  for (const worker of await lockHolders(db)) {
    if (!worker.startsWith(host)) continue
    const pid = Number(worker.slice(host.length))
    if (worker !== self && Number.isInteger(pid) && isAlive(pid)) continue
    const released = await releaseAll(db, worker, Date.now(), { crashed: true })
    if (released) log.warn('jobs.recovered', { worker, count: released, reason: 'its process is gone' })
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** SMTP when configured; otherwise `.eml` files in the data folder, so that no message is silently dropped. */
function nodeMailer(config: Config): Mailer {
  return config.mail.smtpUrl
    ? new SmtpMailer({ url: config.mail.smtpUrl, name: config.mail.smtpName })
    : new OutboxMailer({ dir: join(config.dataDir, 'outbox') })
}

async function main() {
  let service: NodeService
  try {
    service = await startNode(process.env)
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`patrol: ${error.message}`)
      process.exit(78) // EX_CONFIG
    }
    throw error
  }
  const shutdown = (signal: string) => {
    console.error(`patrol: ${signal} received, shutting down`)
    service.stop().then(
      () => process.exit(0),
      (error) => {
        console.error(error)
        process.exit(1)
      },
    )
  }
  process.once('SIGTERM', () => shutdown('SIGTERM'))
  process.once('SIGINT', () => shutdown('SIGINT'))
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) void main()
