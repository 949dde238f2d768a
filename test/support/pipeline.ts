/**
 * patrol's real parts composed in-process for ingestion and response tests, with a clock the test moves:
 * a migrated SQLite file (WAL), the Hono app (webhooks answered through `app.request`), the job handlers that
 * `node.ts` registers (`createJobHandlers`), and the job runner drained on demand. Remote calls go over real HTTP to
 * the loopback stand-ins the test starts; mail goes to a real SMTP server (or the `.eml` outbox when none is given).
 *
 * Why a virtual clock: rate limits, backoff, the hourly GitHub budget and Azure's confirmation schedule are all
 * times in the `jobs.run_at` column. Moving the clock to the next due job (`settle()`) plays minutes or hours of
 * retries in milliseconds, and lets tests read `run_at` against Retry-After exactly, without timed assertions.
 *
 * @example
 * const p = await startPipeline({ GITHUB_API_URL: gh.url, GITHUB_TOKEN: 'reader' }, { smtpUrl: smtp.url })
 * const res = await p.postGithub(payload, 'delivery-1')   // 202
 * await p.settle()                                         // scan, respond, batch, notify … until nothing is queued
 * await p.close()
 */
import { createHmac } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { asc, eq } from 'drizzle-orm'
import { OutboxMailer } from '../../src/adapter/node/outbox.js'
import { SmtpMailer } from '../../src/adapter/node/smtp.js'
import { type Config, parseConfig } from '../../src/config.js'
import { type Job, jobs } from '../../src/db/schema.js'
import { createApp } from '../../src/http/app.js'
import { importKeys, type TokenKeys } from '../../src/incidents/sealing.js'
import { createRunner, type Runner } from '../../src/jobs/runner.js'
import { memoryLogger } from '../../src/log.js'
import type { Mailer } from '../../src/notify/mailer.js'
import { createJobHandlers, type ResponseTiming } from '../../src/service.js'
import { tempDatabase } from './db.js'
import { TEST_AZURE_PASSWORD, TEST_GITHUB_SECRET, testEnv } from './env.js'

export interface PipelineOptions {
  /** SMTP_URL of a loopback server; without it mail goes to `<dataDir>/outbox`. */
  smtpUrl?: string
  timing?: Partial<ResponseTiming>
  /** Start of the virtual clock (ms). Default: now. */
  startAt?: number
}

export interface GithubPost {
  event?: string
  /** Signing secret; default the configured one. `null`: no signature header. */
  secret?: string | null
  contentType?: 'application/json' | 'application/x-www-form-urlencoded'
  /** The exact body to send (and sign) instead of JSON.stringify(payload). */
  raw?: string
}

export interface AzurePost {
  /** `user:password` for basic auth; default the configured pair. `null`: no Authorization header. */
  basic?: string | null
  headers?: Record<string, string>
  raw?: string
}

export interface Pipeline {
  config: Config
  db: ReturnType<typeof tempDatabase>['db']
  sqlite: ReturnType<typeof tempDatabase>['sqlite']
  /** The data folder holding patrol.db and its WAL. */
  dir: string
  keys: TokenKeys
  log: ReturnType<typeof memoryLogger>
  app: ReturnType<typeof createApp>
  runner: Runner
  clock: { now: number }
  postGithub(payload: unknown, deliveryId: string, o?: GithubPost): Promise<Response>
  postAzure(payload: unknown, o?: AzurePost): Promise<Response>
  /** Runs every job that is due now, and what they enqueue for now. */
  drain(): Promise<void>
  /**
   * Drains, then moves the clock to the next queued job and drains again, until nothing is queued or the clock
   * would pass `untilMs` after the start of this call (default 3 hours). Returns the clock's advance.
   */
  settle(untilMs?: number): Promise<number>
  jobsOf(kind: string): Promise<Job[]>
  close(): Promise<void>
}

export async function startPipeline(env: Record<string, string> = {}, o: PipelineOptions = {}): Promise<Pipeline> {
  const t = tempDatabase()
  const config = parseConfig(testEnv(t.dir, { ...(o.smtpUrl ? { SMTP_URL: o.smtpUrl } : {}), ...env }))
  const keys = await importKeys(config.secrets)
  const log = memoryLogger()
  const clock = { now: o.startAt ?? Date.now() }
  const now = () => clock.now
  const smtp = config.mail.smtpUrl
    ? new SmtpMailer({ url: config.mail.smtpUrl, name: config.mail.smtpName, timeoutMs: 5_000 })
    : undefined
  const mailer: Mailer = smtp ?? new OutboxMailer({ dir: join(t.dir, 'outbox') })
  const handlers = createJobHandlers({
    config,
    db: t.db,
    keys,
    log,
    now,
    mailer,
    timing: { githubBatchDelayMs: 1_000, confirmDelaysMs: [60_000, 600_000, 1_800_000], ...o.timing },
  })
  // One job at a time: the order of work (and of scripted answers at the stand-ins) is then the queue's order.
  const runner = createRunner({
    db: t.db,
    worker: 'test-worker',
    handlers,
    log,
    now,
    concurrency: 1,
    staleMs: 10 * 3_600_000,
    giveUpAfterMs: config.jobs.giveUpAfterMs,
  })
  const app = createApp(() => ({ config, db: t.db, keys, log, now, jobsEnqueued: () => {} }))

  const pipeline: Pipeline = {
    config,
    db: t.db,
    sqlite: t.sqlite,
    dir: t.dir,
    keys,
    log,
    app,
    runner,
    clock,
    async postGithub(payload, deliveryId, p = {}) {
      const body =
        p.raw ??
        (p.contentType === 'application/x-www-form-urlencoded'
          ? new URLSearchParams({ payload: JSON.stringify(payload) }).toString()
          : JSON.stringify(payload))
      const secret = p.secret === undefined ? TEST_GITHUB_SECRET : p.secret
      const headers: Record<string, string> = {
        'content-type': p.contentType ?? 'application/json',
        'x-github-event': p.event ?? 'push',
        'x-github-delivery': deliveryId,
        'user-agent': 'GitHub-Hookshot/044aadd',
      }
      if (secret !== null) headers['x-hub-signature-256'] = githubSignature(secret, body)
      return app.request('/webhooks/github', { method: 'POST', headers, body })
    },
    async postAzure(payload, p = {}) {
      const basic = p.basic === undefined ? `patrol:${TEST_AZURE_PASSWORD}` : p.basic
      const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8', ...p.headers }
      if (basic !== null) headers.authorization = `Basic ${Buffer.from(basic).toString('base64')}`
      return app.request('/webhooks/azure-devops', { method: 'POST', headers, body: p.raw ?? JSON.stringify(payload) })
    },
    drain: () => runner.drain(),
    async settle(untilMs = 3 * 3_600_000) {
      const start = clock.now
      for (let step = 0; step < 500; step++) {
        await runner.drain()
        const [next] = await t.db.select().from(jobs).where(eq(jobs.state, 'queued')).orderBy(asc(jobs.runAt)).limit(1)
        if (!next || next.runAt - start > untilMs) return clock.now - start
        clock.now = Math.max(clock.now, next.runAt)
      }
      throw new Error('settle: the queue never emptied')
    },
    async jobsOf(kind) {
      return (await t.db.select().from(jobs).orderBy(asc(jobs.id))).filter((j) => j.kind === kind)
    },
    async close() {
      smtp?.close()
      t.cleanup()
    },
  }
  return pipeline
}

export function githubSignature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`
}

/**
 * The files of the database (patrol.db, its WAL and shared memory) that contain a token, as written or as base64;
 * empty when none does. Checkpoints are not forced: the WAL is read as the running service left it.
 */
export function tokensAtRest(dir: string, tokens: string[]): string[] {
  const found: string[] = []
  for (const file of readdirSync(dir).filter((f) => f.startsWith('patrol.db'))) {
    const bytes = readFileSync(join(dir, file))
    for (const token of tokens) {
      if (bytes.includes(token)) found.push(`${token.slice(0, 4)}… in ${file}`)
      if (bytes.includes(Buffer.from(token).toString('base64')))
        found.push(`base64 of ${token.slice(0, 4)}… in ${file}`)
    }
  }
  return found
}
