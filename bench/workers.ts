/**
 * `npm run bench:workers`: push to revocation on the Workers build, through `wrangler dev --local` (local D1 and
 * Queues, miniflare's). This process plays GitHub (bench/support/github-bench-api.ts: compare, and
 * `POST /credentials/revoke` recording when each token arrives) and posts signed pushes, each adding one file with
 * one fresh token, at 20 a second for 30 s. Prints push-to-revocation-call p50/p99/max and the largest number of
 * D1 statements any invocation used (each invocation logs its count at debug level: webhook requests, Queue
 * consumer batches and the cron sweep). Targets: p50 ≤ 2 s, p99 ≤ 10 s, statements ≤ 200 (the Workers Free limit).
 *
 * @example
 * npm run bench:workers
 * npm run bench:workers -- --seconds 10 --rate 20
 */
import { cpus } from 'node:os'
import { TEST_ADMIN_TOKEN, TEST_AZURE_PASSWORD } from '../test/support/env.js'
import { startWranglerDev } from '../test/support/wrangler-dev.js'
import { startGithubBenchApi } from './support/github-bench-api.js'
import { postPushes } from './support/push-load.js'

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? Number(process.argv[i + 1]) : fallback
}
const seconds = arg('seconds', 30)
const rate = arg('rate', 20)
const SECRET = 'bench-webhook-secret'
const BATCH_DELAY_MS = 100

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN

async function main() {
  const gh = await startGithubBenchApi({ fileBytes: 8 * 1024 })
  const dev = await startWranglerDev({
    PATROL_ADMIN_TOKENS: `bench:${TEST_ADMIN_TOKEN}`,
    GITHUB_WEBHOOK_SECRET: SECRET,
    AZURE_DEVOPS_WEBHOOK_PASSWORD: TEST_AZURE_PASSWORD,
    PATROL_SEALING_KEY: Buffer.alloc(32, 1).toString('base64'),
    PATROL_FINGERPRINT_KEY: Buffer.alloc(32, 2).toString('base64'),
    GITHUB_API_URL: gh.url,
    GITHUB_TOKEN: 'bench-reader',
    PATROL_GITHUB_BATCH_DELAY_MS: String(BATCH_DELAY_MS),
    PATROL_GITHUB_REVOKE_CALLS_PER_HOUR: '1000000',
    LOG_LEVEL: 'debug',
  })
  try {
    await dev.ready(60_000)
    const total = Math.round(seconds * rate)
    const { postedAt, refused } = await postPushes({ url: dev.url, secret: SECRET, gh, total, rate, prefix: 'workers' })
    const sent = performance.now()
    while (gh.revokedAt.size < total - refused && performance.now() - sent < 60_000)
      await new Promise((r) => setTimeout(r, 200))

    const latencies = [...postedAt]
      .flatMap(([token, at]) => (gh.revokedAt.has(token) ? [(gh.revokedAt.get(token)! - at) / 1000] : []))
      .sort((a, b) => a - b)
    const counts = [...dev.output().matchAll(/"event":"invocation\.statements"[^}]*"statements":(\d+)/g)].map((m) =>
      Number(m[1]),
    )
    const p50 = percentile(latencies, 50)
    const p99 = percentile(latencies, 99)
    const most = Math.max(...counts)
    console.log(`bench:workers on ${cpus().length} cores: wrangler dev --local, ${rate} pushes/s for ${seconds} s`)
    console.log(
      `  revoked ${latencies.length}/${total} tokens in ${gh.revokeCalls} calls; webhooks refused or failed: ${refused}`,
    )
    console.log(
      `  push → revocation call: p50 ${p50.toFixed(2)} s, p99 ${p99.toFixed(2)} s, max ${(latencies.at(-1) ?? NaN).toFixed(2)} s` +
        ` (targets p50 ≤ 2 s: ratio ${(p50 / 2).toFixed(2)}; p99 ≤ 10 s: ratio ${(p99 / 10).toFixed(2)})`,
    )
    console.log(
      `  D1 statements: at most ${most} in one invocation, over ${counts.length} logged invocations (limit 200)`,
    )
  } finally {
    await dev.stop()
    await gh.close()
  }
}

void main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  },
)
