/**
 * `npm run bench:ingest`: how fast patrol takes webhooks, against the framework's ceiling on the same server.
 *
 * patrol's app (createApp, a SQLite file in WAL mode) runs in a child process with one extra route,
 * `GET /bench/trivial`, on the same Hono instance. autocannon (in this process) first drives the trivial route, then
 * `POST /webhooks/github` with a realistic ~8 KB signed push body and a unique `X-GitHub-Delivery` per request, so
 * every request is verified, parsed, sealed and stored with its scan job (no job runner: ingestion only).
 * Prints requests/s, p50/p99 latency, and the ratio. Target: ≥ 50% of the trivial route, p99 < 50 ms.
 *
 * @example
 * npm run bench:ingest                       # 10 s each, 20 connections
 * npm run bench:ingest -- --seconds 5 --connections 10
 */
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import autocannon from 'autocannon'
import { testEnv } from '../test/support/env.js'
import { githubDeliveryHeaders } from '../test/support/github-signing.js'
import { startPatrolChild } from './support/child.js'
import { pushPayload, sha } from './support/push-payload.js'

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? Number(process.argv[i + 1]) : fallback
}
const seconds = arg('seconds', 10)
const connections = arg('connections', 20)
const SECRET = 'bench-webhook-secret'

async function run(o: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(o, (error, result) => (error ? reject(error) : resolve(result)))
  })
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'patrol-bench-'))
  const patrol = await startPatrolChild(
    testEnv(dir, {
      GITHUB_WEBHOOK_SECRET: SECRET,
      BENCH_TRIVIAL_ROUTE: '1',
    }),
  )
  const body = JSON.stringify(pushPayload({ repo: 'acme/app', head: sha(1), targetBytes: 8 * 1024 }))
  const signed = githubDeliveryHeaders(body, SECRET, 'x')
  try {
    // Warm both paths (JIT, SQLite page cache) before measuring.
    await run({ url: `${patrol.url}/bench/trivial`, connections, duration: 2 })
    await run({
      url: `${patrol.url}/webhooks/github`,
      connections,
      duration: 2,
      requests: [
        {
          method: 'POST',
          body,
          setupRequest: (req) => ({ ...req, headers: { ...signed, 'x-github-delivery': randomUUID() } }),
        },
      ],
    })

    const trivial = await run({ url: `${patrol.url}/bench/trivial`, connections, duration: seconds })
    const trivialPost = await run({
      url: `${patrol.url}/bench/trivial`,
      connections,
      duration: seconds,
      requests: [
        {
          method: 'POST',
          body,
          setupRequest: (req) => ({ ...req, headers: { ...signed, 'x-github-delivery': randomUUID() } }),
        },
      ],
    })
    const ingest = await run({
      url: `${patrol.url}/webhooks/github`,
      connections,
      duration: seconds,
      requests: [
        {
          method: 'POST',
          body,
          setupRequest: (req) => ({ ...req, headers: { ...signed, 'x-github-delivery': randomUUID() } }),
        },
      ],
    })
    const line = (name: string, r: autocannon.Result) =>
      `${name.padEnd(26)} ${r.requests.average.toFixed(0).padStart(7)} req/s   p50 ${String(r.latency.p50).padStart(4)} ms   p99 ${String(r.latency.p99).padStart(4)} ms   ` +
      `2xx ${r['2xx']}  non-2xx ${r.non2xx}  errors ${r.errors}`
    console.log(
      `bench:ingest  ${cpus().length} cores, ${connections} connections, ${seconds} s each, body ${body.length} bytes`,
    )
    console.log(line('GET /bench/trivial', trivial))
    console.log(line('POST /bench/trivial (8 KB)', trivialPost))
    console.log(line('POST /webhooks/github', ingest))
    const ratio = ingest.requests.average / trivial.requests.average
    const ratioSameShape = ingest.requests.average / trivialPost.requests.average
    console.log(
      `ratio ${(ratio * 100).toFixed(1)}% of the trivial GET, ${(ratioSameShape * 100).toFixed(1)}% of the trivial POST with the same body (target ≥ 50%)`,
    )
    console.log(`webhook p99 ${ingest.latency.p99} ms (target < 50 ms)`)
    console.log(
      `targets: throughput ${ratio >= 0.5 ? 'met' : 'MISSED'} (vs GET), ${ratioSameShape >= 0.5 ? 'met' : 'MISSED'} (vs same-shape POST), p99 ${ingest.latency.p99 < 50 ? 'met' : 'MISSED'}`,
    )
  } finally {
    await patrol.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

void main()
