/**
 * `npm run bench:e2e`: push to revocation under sustained load. patrol runs as `startNode` in a child process
 * (SQLite file, job runner, outbox mail) with a 100 ms GitHub batch delay; this process plays GitHub: it posts
 * 50 signed pushes a second, each adding a 100 KB file with one fresh token, answers patrol's compare calls from a
 * light loopback stand-in, and records when each token arrives in a `POST /credentials/revoke`.
 * Prints push-to-revocation-call latency p50/p99/max, tokens revoked, and patrol's RSS over the run
 * (from /proc/<pid>/status). Targets: p50 ≤ 250 ms, p99 ≤ 1 s, RSS flat.
 *
 * GitHub allows 60 revocation calls an hour; patrol plans batches within that budget (github-batch.ts), so at 50
 * tokens a second a real GitHub answer would take minutes. The stand-in has no such limit and the budget is raised
 * here (`PATROL_GITHUB_REVOKE_CALLS_PER_HOUR`), so that the figure is patrol's own latency.
 *
 * It then reports Azure DevOps collateral: PATs revoked beyond the leaked one per leak, over a generated owner
 * population (collateral.ts). `--collateral-only` runs just that part (a few seconds).
 *
 * @example
 * npm run bench:e2e                     # 60 s at 50 pushes/s, then the collateral figures
 * npm run bench:e2e -- --seconds 20 --rate 50
 * npm run bench:e2e -- --collateral-only --leaks 20000
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { testEnv } from '../test/support/env.js'
import { collateralFigures, formatCollateral } from './collateral.js'
import { startPatrolChild } from './support/child.js'
import { startGithubBenchApi } from './support/github-bench-api.js'
import { postPushes } from './support/push-load.js'

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? Number(process.argv[i + 1]) : fallback
}
const seconds = arg('seconds', 60)
const rate = arg('rate', 50)
const SECRET = 'bench-webhook-secret'
const BATCH_DELAY_MS = 100
const POLL_MS = 50

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'patrol-e2e-'))
  const gh = await startGithubBenchApi({ fileBytes: 100 * 1024 })
  const patrol = await startPatrolChild(
    testEnv(dir, {
      GITHUB_WEBHOOK_SECRET: SECRET,
      GITHUB_API_URL: gh.url,
      GITHUB_TOKEN: 'bench-reader',
      PATROL_JOB_POLL_MS: String(POLL_MS),
      PATROL_GITHUB_BATCH_DELAY_MS: String(BATCH_DELAY_MS),
      PATROL_GITHUB_REVOKE_CALLS_PER_HOUR: '1000000',
    }),
  )
  const rss: { at: number; mb: number }[] = []
  const sample = setInterval(() => rss.push({ at: performance.now(), mb: patrol.rss().rssMb }), 1000)
  const total = Math.round(seconds * rate)
  try {
    // Open-loop load: push n goes out at start + n/rate, whether or not earlier ones were answered.
    const { postedAt, refused } = await postPushes({ url: patrol.url, secret: SECRET, gh, total, rate, prefix: 'e2e' })
    const sent = performance.now()
    // Let the tail drain (bounded), still sampling memory.
    while (gh.revokedAt.size < total - refused && performance.now() - sent < 30_000)
      await new Promise((r) => setTimeout(r, 100))
    clearInterval(sample)

    const latencies = [...postedAt]
      .flatMap(([token, at]) => (gh.revokedAt.has(token) ? [gh.revokedAt.get(token)! - at] : []))
      .sort((a, b) => a - b)
    const third = Math.max(1, Math.floor(rss.length / 3))
    const avg = (xs: { mb: number }[]) => xs.reduce((s, x) => s + x.mb, 0) / Math.max(1, xs.length)
    console.log(
      `bench:e2e  ${cpus().length} cores, ${rate} pushes/s for ${seconds} s (${total} pushes, 100 KB file + 1 token each), batch delay ${BATCH_DELAY_MS} ms, poll ${POLL_MS} ms`,
    )
    console.log(
      `revoked ${latencies.length}/${total} tokens in ${gh.revokeCalls} calls; webhooks refused or failed: ${refused}`,
    )
    console.log(
      `push → revocation call: p50 ${percentile(latencies, 50).toFixed(0)} ms   p99 ${percentile(latencies, 99).toFixed(0)} ms   max ${(latencies.at(-1) ?? NaN).toFixed(0)} ms` +
        `   (targets p50 ≤ 250 ms, p99 ≤ 1000 ms)`,
    )
    const peak = Math.max(...rss.map((r) => r.mb))
    console.log(
      `patrol RSS: first third avg ${avg(rss.slice(0, third)).toFixed(0)} MB, last third avg ${avg(rss.slice(-third)).toFixed(0)} MB, peak sampled ${peak.toFixed(0)} MB, VmHWM ${patrol.rss().peakMb.toFixed(0)} MB`,
    )
    console.log(
      `RSS per 10 s: ${rss
        .filter((_, i) => i % 10 === 0)
        .map((r) => r.mb.toFixed(0))
        .join(' ')} MB`,
    )
  } finally {
    clearInterval(sample)
    await patrol.stop()
    await gh.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

function collateral() {
  const started = performance.now()
  const lines = formatCollateral(collateralFigures({ leaks: arg('leaks', 20_000), seed: arg('seed', 1) }))
  for (const line of lines) console.log(line)
  console.log(`(collateral simulated in ${(performance.now() - started).toFixed(0)} ms)`)
}

if (process.argv.includes('--collateral-only')) collateral()
else void main().then(collateral)
