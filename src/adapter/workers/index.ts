/**
 * The Cloudflare Workers entry: the same Hono app and job handlers as on Node, over D1, Workers secrets, the
 * `send_email` binding and Cloudflare Queues. `fetch` serves the app; once a delivery is stored, a message for its
 * scan goes to the `JOBS` queue. `queue` consumes those messages: it claims each named job in D1 (the record of
 * truth), runs it, and acknowledges the message or retries it with the backoff as its delay; then it sends messages
 * for the jobs the run enqueued (a response, an email). Messages that fail their consumer every time end in the
 * dead-letter queue, whose batch marks their jobs `dead`. `scheduled` (the cron trigger) re-sends messages for due
 * jobs that lost theirs and for jobs left `running` past PATROL_JOB_STALE_MS.
 *
 * Every invocation counts its D1 statements and stops taking work before STATEMENT_BUDGET (200): a consumer retries
 * the messages it did not get to, the sweep sends at most 100 messages. Everything reachable from here must run in
 * workerd: no better-sqlite3, nodemailer or `node:` module (test/workers-bundle.test.ts checks the bundle).
 *
 * @example
 * // wrangler.toml: main = "src/adapter/workers/index.ts"; npx wrangler dev --local
 * import worker, { createWorker } from './index.js'
 * const res = await worker.fetch(new Request('https://patrol.example/healthz'), env, ctx)
 * const fast = createWorker({ timing: { githubBatchDelayMs: 100 } })   // tests: shorter response timings
 */

import type { ExecutionContext } from 'hono'
import { type Config, parseConfig } from '../../config.js'
import type { DB } from '../../db/types.js'
import { type App, createApp } from '../../http/app.js'
import { importKeys, type TokenKeys } from '../../incidents/sealing.js'
import { deadEnds } from '../../jobs/dead-end.js'
import {
  buryJobs,
  type Consumed,
  consumeJobs,
  DEAD_LETTER_QUEUE,
  dispatchJobs,
  type JobMessage,
  type JobQueue,
  sendMessages,
} from '../../jobs/dispatch.js'
import { type Enqueued, sendOwnJobs } from '../../jobs/queue.js'
import { createLogger, type Logger } from '../../log.js'
import { createJobHandlers, housekeeping, type ResponseTiming } from '../../service.js'
import {
  countStatements,
  type D1Binding,
  GITHUB_TOKENS_PER_CALL,
  openD1Database,
  STATEMENT_BUDGET,
  STATEMENTS_FOR_DISPATCH,
  type StatementCount,
  statementsFor,
} from './d1.js'
import { type SendEmailBinding, SendEmailMailer } from './send-email.js'

/** The bindings wrangler.toml declares, plus vars and secrets (all strings) that `parseConfig` reads. */
// The entry module exports only the handlers (and types): workerd refuses other values in a Worker's main module.

export interface WorkerEnv {
  DB: D1Binding
  EMAIL: SendEmailBinding
  /** The producer binding of the job queue (wrangler.toml `[[queues.producers]]`). */
  JOBS: JobQueue
  [variable: string]: unknown
}

export interface WorkerOptions {
  /** Shorter response timings, for tests. */
  timing?: Partial<ResponseTiming>
}

/**
 * workerd's `ExecutionContext` as Hono declares it, and the part of `ScheduledController` used here: local types, so
 * that the project's Node typecheck needs no Workers globals. test/workers/http.test.ts checks the entry against
 * workers-types' `ExportedHandler`.
 */
export type WorkerContext = ExecutionContext

export interface WorkerSchedule {
  cron: string
  scheduledTime: number
}

/** The part of workers-types' `MessageBatch` used here. */
export interface WorkerMessageBatch {
  readonly queue: string
  readonly messages: readonly JobMessage[]
}

export interface PatrolWorker {
  fetch(request: Request, env: WorkerEnv, ctx: WorkerContext): Promise<Response>
  scheduled(controller: WorkerSchedule, env: WorkerEnv, ctx: WorkerContext): Promise<void>
  queue(batch: WorkerMessageBatch, env: WorkerEnv, ctx: WorkerContext): Promise<void>
}

/** What one configuration needs once per isolate: parsed config, imported keys, the app. */
interface Runtime {
  config: Config
  keys: TokenKeys
  log: Logger
  app: App
}

export function createWorker(options: WorkerOptions = {}): PatrolWorker {
  // Keyed on the env object, which workerd normally reuses across an isolate's requests (if it did not, each request
  // would only pay for a config parse and two key imports); a deploy with new secrets or vars brings a new one.
  const runtimes = new WeakMap<object, Promise<Runtime>>()

  function runtimeFor(env: WorkerEnv): Promise<Runtime> {
    let runtime = runtimes.get(env)
    if (!runtime) {
      runtime = boot(env)
      runtimes.set(env, runtime)
      // A bad configuration is fixed by a new deploy, which brings a new env; don't keep the failure either way.
      runtime.catch(() => runtimes.delete(env))
    }
    return runtime
  }

  async function boot(env: WorkerEnv): Promise<Runtime> {
    const config = parseConfig(stringVariables(env))
    const keys = await importKeys(config.secrets)
    const log = createLogger({ level: config.logLevel })
    const app = createApp((c) => {
      const requestEnv = c.env as WorkerEnv
      const { db, statements } = invocationDatabase(requestEnv)
      return {
        config,
        db,
        keys,
        log,
        now: Date.now,
        // After the response: a message for the stored scan (and anything else that is waiting for one).
        jobsEnqueued: () =>
          c.executionCtx.waitUntil(
            dispatch({ config, keys, log }, requestEnv, db, statements, { invocation: 'webhook' }),
          ),
      }
    })
    return { config, keys, log, app }
  }

  /**
   * Sends the messages jobs are waiting for, 100 at a time, while the invocation's budget allows; then logs the
   * invocation's statement count (its last D1 work), with what it was, for bench:workers and the Workers logs.
   */
  async function dispatch(
    runtime: Omit<Runtime, 'app'>,
    env: WorkerEnv,
    db: DB,
    statements: StatementCount,
    about: { invocation: 'webhook' | 'consumer' | 'sweep'; jobs?: string },
  ) {
    try {
      for (let round = 0; round < 5 && statements.count < STATEMENT_BUDGET - 2; round++) {
        const sent = await dispatchJobs(db, env.JOBS, { now: Date.now(), staleMs: runtime.config.jobs.staleMs })
        if (sent < 100) return
      }
    } catch (error) {
      runtime.log.error('jobs.dispatch_failed', { error: error instanceof Error ? error.message : String(error) })
    } finally {
      // The invocation's last work: its D1 statement count so far is its total (read by bench:workers).
      runtime.log.debug('invocation.statements', { ...about, statements: statements.count })
    }
  }

  async function consume(runtime: Omit<Runtime, 'app'>, batch: WorkerMessageBatch, env: WorkerEnv): Promise<void> {
    const { config, keys, log } = runtime
    const { db, statements } = invocationDatabase(env)
    const parts = {
      config,
      db,
      keys,
      log,
      now: Date.now,
      mailer: new SendEmailMailer(env.EMAIL),
      // Each token a GitHub batch finishes costs statements: a call carries what one invocation can finish.
      timing: { githubTokensPerCall: GITHUB_TOKENS_PER_CALL, ...options.timing },
    }
    // The jobs this invocation enqueues: run here when due (below), or sent their messages.
    const own: Enqueued[] = []
    sendOwnJobs(db, (job) => own.push(job))
    if (batch.queue === DEAD_LETTER_QUEUE) {
      const buried = await buryJobs(db, batch.messages, Date.now())
      // The same visible end as a give-up: the push `failed`, the incident `revoke_failed`, each with the reason.
      const end = deadEnds(parts)
      for (const job of buried) {
        log.error('job.dead_lettered', { job: job.id, kind: job.kind, attempt: job.attempts })
        await end(job, `${job.kind} job ${job.id}: its queue message was never handled (dead-letter queue)`)
      }
      // Their messages (the people told of the end); a send that fails leaves them to the sweep, as lost messages.
      await sendMessages(env.JOBS, own, Date.now()).catch((error: unknown) =>
        log.error('jobs.send_failed', { error: error instanceof Error ? error.message : String(error) }),
      )
      return
    }
    const handlers = createJobHandlers(parts)
    const consumed = await consumeJobs(batch.messages, {
      db,
      handlers,
      log,
      now: Date.now,
      worker: `worker:${crypto.randomUUID()}`,
      staleMs: config.jobs.staleMs,
      giveUpAfterMs: config.jobs.giveUpAfterMs,
      // A job taken over from a stale lock three times in a row ends dead with its subject's visible end.
      deadEnd: deadEnds(parts),
      budget: {
        used: () => statements.count,
        limit: STATEMENT_BUDGET - STATEMENTS_FOR_DISPATCH,
        need: statementsFor,
      },
      concurrency: CONSUMER_CONCURRENCY,
      producer: env.JOBS,
      // The jobs these runs enqueue (a scan's response, a response's messages) run here when due, else get a message.
      followOn: own,
    })
    const left = consumed.filter((c) => c.fate === 'left').length
    if (left) log.info('jobs.budget_spent', { statements: statements.count, left })
    // No dispatch: the jobs this invocation enqueued ran here or were sent their messages; others' are the webhook's
    // and the cron sweep's to send.
    log.debug('invocation.statements', {
      invocation: 'consumer',
      jobs: jobsRun(consumed),
      statements: statements.count,
    })
  }

  return {
    async fetch(request, env, ctx) {
      let runtime: Runtime
      try {
        runtime = await runtimeFor(env)
      } catch (error) {
        return misconfigured(error)
      }
      return runtime.app.fetch(request, env, ctx)
    },

    async scheduled(controller, env) {
      let runtime: Runtime
      try {
        runtime = await runtimeFor(env)
      } catch (error) {
        misconfigured(error)
        return
      }
      runtime.log.debug('jobs.sweep', { cron: controller.cron })
      const { db, statements } = invocationDatabase(env)
      // Stuck-response alerts and retention run from the cron sweep, not after every delivery; before the dispatch,
      // which sends the messages they queue.
      const { log, config, keys } = runtime
      const mailer = new SendEmailMailer(env.EMAIL)
      await housekeeping({ config, db, keys, log, now: Date.now, mailer, timing: options.timing })()
      await dispatch(runtime, env, db, statements, { invocation: 'sweep' })
    },

    async queue(batch, env) {
      let runtime: Runtime
      try {
        runtime = await runtimeFor(env)
      } catch (error) {
        misconfigured(error)
        // Unacknowledged, the messages come back after a deploy fixes the configuration.
        throw error
      }
      await consume(runtime, batch, env)
    },
  }
}

/** Jobs a consumer batch runs at once: they mostly wait on D1 and remote calls, within the statement budget. */
const CONSUMER_CONCURRENCY = 4

/** "scan-push×3 respond×2": the kinds of the jobs a consumer batch ran, for its statements log line. */
function jobsRun(consumed: readonly Consumed[]): string {
  const counts = new Map<string, number>()
  for (const c of consumed) if (c.fate !== 'left' && c.kind) counts.set(c.kind, (counts.get(c.kind) ?? 0) + 1)
  return [...counts].map(([kind, n]) => `${kind}×${n}`).join(' ')
}

/** One invocation's database, its statements counted. */
function invocationDatabase(env: WorkerEnv): { db: DB; statements: StatementCount } {
  const { binding, statements } = countStatements(env.DB)
  return { db: openD1Database(binding), statements }
}

/** Vars and secrets are strings; bindings (DB, EMAIL) are objects that the config must not see. */
function stringVariables(env: WorkerEnv): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(env)) if (typeof value === 'string') out[name] = value
  return out
}

/** The problems go to the Worker's log (they name variables, never values); the caller learns only that it failed. */
function misconfigured(error: unknown): Response {
  const detail = error instanceof Error ? error.message : String(error)
  console.error(
    JSON.stringify({ time: new Date().toISOString(), level: 'error', event: 'service.misconfigured', error: detail }),
  )
  return Response.json({ error: 'patrol is not configured; see the Worker logs' }, { status: 500 })
}

export default createWorker()
