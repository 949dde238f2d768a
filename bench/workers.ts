/**
 * `npm run bench:workers`: push to revocation on the Workers build, through `wrangler dev --local` (local D1 and
 * Queues, miniflare's). This process plays GitHub (bench/support/github-bench-api.ts: compare, and
 * `POST /credentials/revoke` recording when each token arrives) and posts signed pushes, each adding one file with
 * one fresh token, at 20 a second for 30 s. Prints push-to-revocation-call p50/p99/max (a token not revoked when the
 * bench stops waiting counts as infinitely late), the largest number of D1 statements any invocation used and which
 * invocation it was (each logs its count at debug level: webhook requests, Queue consumer batches with their jobs,
 * the cron sweep), and the CPU each process used. Targets: p50 ≤ 2 s, p99 ≤ 10 s, statements ≤ 200 (patrol's
 * budget; D1 allows 1000 on Workers Paid).
 *
 * Two references run first, in the same run: patrol at 2 pushes a second, and the floor
 * (bench/support/queue-floor-worker.ts): a Worker with the same queue settings doing 48 D1 statements one after
 * another and 4 queue hops per push, and nothing else. Two more on request: the floor with each hop's statements as
 * one batch (`--floor-batched 1`: the same statements in 8 round trips), and patrol with every email withheld
 * (`--without-mail 1`: no notify job, no `send_email`).
 *
 * wrangler dev runs without its devtools inspector by default (test/support/wrangler-dev-server.mjs, wrangler's own
 * dev server): with it on, every D1 statement also reaches wrangler's Node process as four devtools events (each a
 * loopback request and a line in wrangler's debug log), which costs more than the statement, and no deployed Worker
 * pays it. `--inspector 1` runs the `wrangler dev` CLI as an operator would, inspector on.
 *
 * One run on 2 cores (2026-12-01, nothing else running), 20 pushes a second for 30 s, inspector off: patrol p50
 * 0.35 s / p99 0.70 s (34.4 CPU seconds; at 2 a second 0.11 s / 0.12 s), without email 0.19 s / 0.35 s; the floor
 * 0.17 s / 0.43 s (32.3 CPU seconds), batched 0.02 s / 0.04 s (19.2); at most 138 statements in one invocation.
 * Inspector on: patrol p50 12.9 s / p99 28.0 s (94.5 CPU seconds), the floor 15.1 s / 17.6 s (84.6): about 2 ms
 * of CPU per D1 round trip.
 *
 * @example
 * npm run bench:workers
 * npm run bench:workers -- --seconds 10 --rate 20 --baseline-rate 0 --floor 0 --log /tmp/wrangler.log
 * npm run bench:workers -- --seconds 15 --floor-batched 1 --without-mail 1   // where the time goes
 * npm run bench:workers -- --inspector 1                                       // the CLI, devtools inspector on
 */
import { writeFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { join } from 'node:path'
import { STATEMENT_BUDGET } from '../src/adapter/workers/d1.js'
import { TEST_ADMIN_TOKEN, TEST_AZURE_PASSWORD } from '../test/support/env.js'
import { startWranglerDev } from '../test/support/wrangler-dev.js'
import { startGithubBenchApi } from './support/github-bench-api.js'
import { cpuDelta, groupCpu } from './support/process-cpu.js'
import { postPushes } from './support/push-load.js'

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? Number(process.argv[i + 1]) : fallback
}
const seconds = arg('seconds', 30)
const rate = arg('rate', 20)
/** A first run at this rate (0: none), the same build and machine: the latency wrangler dev gives an unloaded Worker. */
const baselineRate = arg('baseline-rate', 2)
/** `--floor 0` skips the floor run (bench/support/queue-floor-worker.ts) at the load's rate. */
const floor = arg('floor', 1) > 0
/** `--floor-batched 1` adds a floor run with each hop's statements as one D1 batch: what the round trips cost. */
const floorBatched = arg('floor-batched', 0) > 0
/**
 * `--inspector 1` runs the `wrangler dev` CLI, devtools inspector on; the default is wrangler's dev server without it
 * (test/support/wrangler-dev-server.mjs), where a D1 statement costs what it costs and not four devtools events too.
 */
const inspector = arg('inspector', 0) > 0
/** `--without-mail 1` adds a run of patrol at the load with every email withheld: what the email hop costs. */
const withoutMail = arg('without-mail', 0) > 0
/** The floor's statements per queue hop (`--floor-statements`): 11, with the webhook's 4, is about patrol's 49 a push. */
const FLOOR_STATEMENTS_PER_HOP = arg('floor-statements', 11)
const SECRET = 'bench-webhook-secret'
const BATCH_DELAY_MS = 100

/** How long the bench waits for the revocations once the last push is posted. */
const WAIT_MS = 120_000

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN

interface Run {
  rate: number
  seconds: number
  latencies: number[]
  total: number
  refused: number
  /** Why, by the answer's status or the error. */
  reasons: Map<string, number>
  revokeCalls: number
  /** Each invocation's logged statement count, kind and jobs. */
  invocations: { statements: number; invocation: string; jobs?: string }[]
  /** CPU seconds during the load, by process: wrangler's group by command, and this process (load + stand-in). */
  cpu: Record<string, number>
  wallSeconds: number
}

/** One `wrangler dev` with a fresh local D1, `rate` pushes/s for `seconds`, waiting up to WAIT_MS for the revocations. */
async function measure(
  rate: number,
  seconds: number,
  o: { logPath?: string; floor?: boolean; floorBatched?: boolean; withoutMail?: boolean } = {},
): Promise<Run> {
  const gh = await startGithubBenchApi({ fileBytes: 8 * 1024 })
  const dev = o.floor
    ? await startWranglerDev(
        {
          GITHUB_API_URL: gh.url,
          STATEMENTS_PER_HOP: String(FLOOR_STATEMENTS_PER_HOP),
          FLOOR_BATCHED: o.floorBatched ? '1' : '0',
        },
        { config: join(import.meta.dirname, 'support', 'queue-floor.toml'), inspector },
      )
    : await startWranglerDev(
        {
          PATROL_ADMIN_TOKENS: `bench:${TEST_ADMIN_TOKEN}`,
          GITHUB_WEBHOOK_SECRET: SECRET,
          AZURE_DEVOPS_WEBHOOK_PASSWORD: TEST_AZURE_PASSWORD,
          PATROL_SEALING_KEY: Buffer.alloc(32, 1).toString('base64'),
          PATROL_FINGERPRINT_KEY: Buffer.alloc(32, 2).toString('base64'),
          GITHUB_API_URL: gh.url,
          GITHUB_DOTCOM_API_URL: gh.url,
          GITHUB_TOKEN: 'bench-reader',
          PATROL_GITHUB_BATCH_DELAY_MS: String(BATCH_DELAY_MS),
          PATROL_GITHUB_REVOKE_CALLS_PER_HOUR: '1000000',
          LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'debug',
          // No address is in this domain: every email is a `withheld` row, no notify job runs.
          ...(o.withoutMail ? { PATROL_NOTIFY_DOMAINS: 'nowhere.invalid' } : {}),
        },
        { inspector },
      )
  try {
    await dev.ready(60_000)
    const total = Math.round(seconds * rate)
    const cpuBefore = groupCpu(dev.pid)
    const ownBefore = process.cpuUsage()
    const started = performance.now()
    const { postedAt, refused, reasons } = await postPushes({
      url: dev.url,
      secret: SECRET,
      gh,
      total,
      rate,
      prefix: 'workers',
    })
    const sent = performance.now()
    while (gh.revokedAt.size < total - refused && performance.now() - sent < WAIT_MS)
      await new Promise((r) => setTimeout(r, 200))
    const own = process.cpuUsage(ownBefore)
    const cpu = {
      ...cpuDelta(cpuBefore, groupCpu(dev.pid)),
      'bench (load + GitHub stand-in)': (own.user + own.system) / 1e6,
    }
    const wallSeconds = (performance.now() - started) / 1000

    // A token never revoked (its push refused, or still waiting when the bench stopped) counts as infinitely late.
    const latencies = [...postedAt]
      .map(([token, at]) => (gh.revokedAt.has(token) ? (gh.revokedAt.get(token)! - at) / 1000 : Infinity))
      .sort((a, b) => a - b)
    const invocations = [...dev.output().matchAll(/\{[^\n]*"event":"invocation\.statements"[^\n]*\}/g)].map(
      (m) => JSON.parse(m[0]) as Run['invocations'][number],
    )
    if (o.logPath) writeFileSync(o.logPath, dev.output())
    return {
      rate,
      seconds,
      latencies,
      total,
      refused,
      reasons,
      revokeCalls: gh.revokeCalls,
      invocations,
      cpu,
      wallSeconds,
    }
  } finally {
    await dev.stop()
    await gh.close()
  }
}

function report(label: string, r: Run) {
  const p50 = percentile(r.latencies, 50)
  const p99 = percentile(r.latencies, 99)
  const revoked = r.latencies.filter(Number.isFinite)
  const seconds = (x: number) =>
    Number.isFinite(x) ? `${x.toFixed(2)} s` : `over ${(r.seconds + WAIT_MS / 1000).toFixed(0)} s (not revoked yet)`
  const most = r.invocations.reduce((a, b) => (b.statements > a.statements ? b : a), {
    statements: 0,
    invocation: 'none',
  } as Run['invocations'][number])
  const cpuTotal = Object.values(r.cpu).reduce((a, b) => a + b, 0)
  console.log(`${label}: ${r.rate} pushes/s for ${r.seconds} s`)
  console.log(
    `  revoked ${revoked.length}/${r.total} tokens in ${r.revokeCalls} calls; webhooks refused or failed: ${r.refused}` +
      (r.refused ? ` (${[...r.reasons].map(([why, n]) => `${why} ×${n}`).join(', ')})` : ''),
  )
  console.log(
    `  push → revocation call: p50 ${seconds(p50)}, p99 ${seconds(p99)}, max ${seconds(r.latencies.at(-1) ?? NaN)}` +
      (revoked.length < r.total ? `; the latest revoked: ${seconds(revoked.at(-1) ?? NaN)}` : ''),
  )
  if (r.invocations.length > 0)
    console.log(
      `  D1 statements: at most ${most.statements} in one invocation (${most.invocation}${most.jobs ? `: ${most.jobs}` : ''}), ` +
        `over ${r.invocations.length} logged invocations (budget ${STATEMENT_BUDGET})`,
    )
  const parts = Object.entries(r.cpu)
    .filter(([, s]) => s >= 0.05)
    .sort((a, b) => b[1] - a[1])
    .map(([name, s]) => `${name} ${s.toFixed(1)}`)
  console.log(
    `  CPU seconds while loaded (${r.wallSeconds.toFixed(1)} s wall, ${cores} cores = ${(r.wallSeconds * cores).toFixed(0)} available): ` +
      `${parts.join(', ')}; total ${cpuTotal.toFixed(1)}`,
  )
  return { p50, p99 }
}

const cores = cpus().length

async function main() {
  const logAt = process.argv.indexOf('--log')
  const logPath = logAt > 0 ? process.argv[logAt + 1] : undefined
  console.log(
    `bench:workers on ${cores} cores: wrangler dev --local (local D1 and Queues; devtools inspector ${inspector ? 'on' : 'off'}), GitHub batch delay ${BATCH_DELAY_MS} ms`,
  )
  if (baselineRate > 0) report('  patrol at a light load (same build)', await measure(baselineRate, seconds))
  if (floor)
    report(
      `  the floor: a Worker with the same queue settings and 4 + 4 × ${FLOOR_STATEMENTS_PER_HOP} D1 statements per push, none of patrol's code (bench/support/queue-floor-worker.ts)`,
      await measure(rate, seconds, { floor: true }),
    )
  if (floorBatched)
    report(
      `  the floor with each hop's ${FLOOR_STATEMENTS_PER_HOP} statements as one D1 batch (one round trip)`,
      await measure(rate, seconds, { floor: true, floorBatched: true }),
    )
  if (withoutMail)
    report('  patrol at the load, every email withheld (no notify jobs)', await measure(rate, seconds, { withoutMail }))
  const { p50, p99 } = report('  patrol at the load', await measure(rate, seconds, { logPath }))
  console.log(
    `  targets at the load: p50 ≤ 2 s (ratio ${(p50 / 2).toFixed(2)}), p99 ≤ 10 s (ratio ${(p99 / 10).toFixed(2)}), ` +
      `statements ≤ ${STATEMENT_BUDGET} per invocation`,
  )
}

void main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  },
)
