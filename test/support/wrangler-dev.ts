/**
 * The local Workers path an operator follows, with the real wrangler CLI: `wrangler d1 migrations apply DB --local`
 * migrates a fresh local D1 (in a temporary folder) from `migrations/`, then `wrangler dev --local` starts the Worker
 * with local D1 and Queues (miniflare's). Vars and secrets are passed as `--var`, as `.dev.vars` would. The dev
 * server runs in its own process group, so that stopping it also stops the workerd it starts. Benches may ask for
 * wrangler's dev server without its devtools inspector instead (`inspector: false`, wrangler-dev-server.mjs): the
 * same Worker, configuration and local bindings, without the inspector's cost per D1 statement.
 *
 * @example
 * const dev = await startWranglerDev({ GITHUB_WEBHOOK_SECRET: 's' })
 * await dev.ready(40_000)   // → the first /healthz Response
 * await dev.stop()
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)
const ROOT = join(import.meta.dirname, '..', '..')
const WRANGLER = join(ROOT, 'node_modules', '.bin', 'wrangler')
const ENV = {
  ...process.env,
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  WRANGLER_SEND_METRICS: 'false',
  CI: 'true',
  NO_COLOR: '1',
}

export interface WranglerDev {
  url: string
  /** The dev server's process id, also its process group's (workerd included). */
  pid: number
  /** What `wrangler d1 migrations apply` printed. */
  migrateOutput: string
  /** Everything `wrangler dev` printed so far (the Worker's log lines included). */
  output(): string
  ready(ms: number): Promise<Response>
  stop(): Promise<void>
}

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

/**
 * `config`: another wrangler configuration than patrol's (bench/support/queue-floor.toml); it is not migrated.
 * `inspector: false`: wrangler's dev server without its devtools inspector (wrangler-dev-server.mjs), for benches.
 */
export async function startWranglerDev(
  vars: Record<string, string>,
  o: { config?: string; inspector?: boolean } = {},
): Promise<WranglerDev> {
  const persist = mkdtempSync(join(tmpdir(), 'patrol-wrangler-'))
  const migrated = o.config
    ? { stdout: '', stderr: '' }
    : await run(WRANGLER, ['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', persist], {
        cwd: ROOT,
        env: ENV,
        timeout: 60_000,
      })
  const [port, inspector] = [await freePort(), await freePort()]
  const url = `http://127.0.0.1:${port}`
  const args = [
    'dev',
    '--local',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--inspector-port',
    String(inspector),
    '--persist-to',
    persist,
    '--test-scheduled',
    '--show-interactive-dev-session=false',
    ...(o.config ? ['--config', o.config] : []),
  ]
  for (const [name, value] of Object.entries(vars)) args.push('--var', `${name}:${value}`)
  const quiet = [
    join(import.meta.dirname, 'wrangler-dev-server.mjs'),
    JSON.stringify({ config: o.config ?? join(ROOT, 'wrangler.toml'), port, persist, vars }),
  ]
  let output = ''
  const [command, argv] = o.inspector === false ? [process.execPath, quiet] : [WRANGLER, args]
  const dev: ChildProcess = spawn(command, argv, {
    cwd: ROOT,
    env: ENV,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  dev.stdout!.on('data', (d: Buffer) => (output += d.toString()))
  dev.stderr!.on('data', (d: Buffer) => (output += d.toString()))
  return {
    url,
    pid: dev.pid!,
    migrateOutput: migrated.stdout + migrated.stderr,
    output: () => output,
    async ready(ms) {
      const end = Date.now() + ms
      for (;;) {
        if (dev.exitCode !== null) throw new Error(`wrangler dev exited:\n${output}`)
        try {
          return await fetch(`${url}/healthz`)
        } catch {
          if (Date.now() > end) throw new Error(`wrangler dev did not answer within ${ms} ms:\n${output}`)
          await new Promise((r) => setTimeout(r, 200))
        }
      }
    },
    async stop() {
      if (dev.pid && dev.exitCode === null) {
        const exited = new Promise((resolve) => dev.once('exit', resolve))
        process.kill(-dev.pid, 'SIGTERM')
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))])
        if (dev.exitCode === null) process.kill(-dev.pid, 'SIGKILL')
      }
      rmSync(persist, { recursive: true, force: true })
    },
  }
}
