/**
 * patrol for the benchmarks, in its own process: `startNode` as `npm start` runs it. With BENCH_TRIVIAL_ROUTE=1 it
 * serves the app built by createApp plus `GET|POST /bench/trivial` (POST reads the body and ignores it) on the same
 * Hono instance, and runs no job runner: the ingest benchmark compares the webhook route with routes that do
 * nothing, on the same server.
 * Prints one line `{"event":"bench.ready","url":…}` when it listens.
 *
 * @example
 * spawn(process.execPath, ['--import', 'tsx', 'bench/support/patrol-child.ts'], { env: { …,
 * PATROL_GITHUB_BATCH_DELAY_MS: '100' } })
 */

import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { openNodeDatabase } from '../../src/adapter/node/database.js'
import { groupCommitDeliveries } from '../../src/adapter/node/group-commit.js'
import { startNode } from '../../src/adapter/node/index.js'
import { parseConfig } from '../../src/config.js'
import { createApp } from '../../src/http/app.js'
import { importKeys } from '../../src/incidents/sealing.js'
import { createLogger } from '../../src/log.js'

async function main() {
  if (process.env.BENCH_TRIVIAL_ROUTE === '1') {
    const config = parseConfig(process.env)
    const database = openNodeDatabase(config.databasePath)
    const keys = await importKeys(config.secrets)
    const log = createLogger({ level: config.logLevel })
    // The same deps as startNode's (group-committed delivery storage), without a job runner.
    const storeDelivery = groupCommitDeliveries(database.drizzle, keys)
    const app = createApp(() => ({
      config,
      db: database.db,
      keys,
      log,
      now: Date.now,
      storeDelivery,
      jobsEnqueued: () => {},
    }))
    app.get('/bench/trivial', (c) => c.text('ok'))
    // The same request shape as a webhook (8 KB body read), doing nothing with it: the transport's share.
    app.post('/bench/trivial', async (c) => c.text(String((await c.req.text()).length)))
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => {
      console.log(
        JSON.stringify({ event: 'bench.ready', url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }),
      )
    })
    process.once('SIGTERM', () => server.close(() => process.exit(0)))
    return
  }
  const service = await startNode(process.env)
  console.log(JSON.stringify({ event: 'bench.ready', url: service.url }))
  process.once('SIGTERM', () => void service.stop().then(() => process.exit(0)))
}

void main()
