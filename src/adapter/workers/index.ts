/**
 * The Cloudflare Workers entry: the same Hono app and job handlers as on Node, over D1, Workers secrets and the
 * `send_email` binding. `fetch` serves the app; once a delivery is stored, its jobs run after the response through
 * `ctx.waitUntil`. `scheduled` (the cron trigger in wrangler.toml) sweeps what is due later (batched GitHub
 * revocations, confirmation checks, retries with backoff) and jobs left `running` by an invocation that was cut short.
 *
 * Everything reachable from here must run in workerd: no better-sqlite3, nodemailer or `node:` module
 * (test/workers-bundle.test.ts checks the bundle wrangler builds).
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
import { retentionSweep } from '../../incidents/retention.js'
import { importKeys, type TokenKeys } from '../../incidents/sealing.js'
import { createRunner } from '../../jobs/runner.js'
import { createLogger, type Logger } from '../../log.js'
import { createJobHandlers, type ResponseTiming } from '../../service.js'
import { type D1Binding, openD1Database } from './d1.js'
import { type SendEmailBinding, SendEmailMailer } from './send-email.js'

/** The bindings wrangler.toml declares, plus vars and secrets (all strings) that `parseConfig` reads. */
export interface WorkerEnv {
  DB: D1Binding
  EMAIL: SendEmailBinding
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

export interface PatrolWorker {
  fetch(request: Request, env: WorkerEnv, ctx: WorkerContext): Promise<Response>
  scheduled(controller: WorkerSchedule, env: WorkerEnv, ctx: WorkerContext): Promise<void>
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
      const db = openD1Database(requestEnv.DB)
      return {
        config,
        db,
        keys,
        log,
        now: Date.now,
        // Runs after the response; bounded by the invocation's limits, the cron sweep picks up what it leaves.
        jobsEnqueued: () => c.executionCtx.waitUntil(drainJobs({ config, keys, log }, requestEnv, db)),
      }
    })
    return { config, keys, log, app }
  }

  async function drainJobs(
    runtime: Omit<Runtime, 'app'>,
    env: WorkerEnv,
    db: DB = openD1Database(env.DB),
    { sweep } = { sweep: false },
  ): Promise<void> {
    const { config, keys, log } = runtime
    const handlers = createJobHandlers({
      config,
      db,
      keys,
      log,
      now: Date.now,
      mailer: new SendEmailMailer(env.EMAIL),
      timing: options.timing,
    })
    const runner = createRunner({
      db,
      worker: `worker:${crypto.randomUUID()}`,
      handlers,
      log,
      concurrency: config.jobs.concurrency,
      staleMs: config.jobs.staleMs,
      // Retention runs from the cron sweep, not after every delivery.
      ...(sweep ? { idle: retentionSweep({ db, log, now: Date.now, retainDays: config.retainDays }) } : {}),
    })
    try {
      await runner.drain()
    } catch (error) {
      log.error('jobs.drain_failed', { error: error instanceof Error ? error.message : String(error) })
    }
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
      await drainJobs(runtime, env, undefined, { sweep: true })
    },
  }
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
