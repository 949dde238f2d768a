/**
 * `wrangler dev --local` without its devtools inspector, for bench:workers: wrangler's own dev server
 * (`unstable_startWorker`, what the CLI's `dev` runs) with the same configuration, local D1 and Queues, but
 * `dev.inspector: false`, which the CLI cannot ask for. With the inspector on, every D1 statement's request and
 * result reach wrangler's Node process as four devtools events (each a loopback request, and a line in wrangler's
 * debug log file), which costs more CPU than the statement itself; a deployed Worker has no such cost.
 * Started by test/support/wrangler-dev.ts with one JSON argument; stops on SIGTERM.
 *
 * @example
 * node test/support/wrangler-dev-server.mjs '{"config":"wrangler.toml","port":8787,"persist":"/tmp/d1","vars":{}}'
 */
import { unstable_startWorker } from 'wrangler'

const { config, port, persist, vars } = JSON.parse(process.argv[2] ?? '{}')
const worker = await unstable_startWorker({
  config,
  // As secrets, so that wrangler's bindings table shows none of their values (the CLI's `--var` hides them too).
  bindings: Object.fromEntries(Object.entries(vars).map(([name, value]) => [name, { type: 'secret_text', value }])),
  dev: { inspector: false, server: { hostname: '127.0.0.1', port }, persist, logLevel: 'log', watch: false },
})
await worker.ready
process.once('SIGTERM', () => {
  worker.dispose().finally(() => process.exit(0))
})
