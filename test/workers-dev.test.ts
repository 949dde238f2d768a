/**
 * The local Workers path an operator follows, with the real wrangler CLI: `wrangler d1 migrations apply DB --local`
 * migrates a fresh local D1 from `migrations/`, then `wrangler dev --local` starts the Worker, answers `/healthz` from
 * that database, and runs the cron handler on request (`--test-scheduled`). Secrets are passed as `--var`, as
 * `.dev.vars` would. The dev server is stopped by its process group.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TEST_ADMIN_TOKEN, TEST_AZURE_PASSWORD, TEST_GITHUB_SECRET } from './support/env.js'

const run = promisify(execFile)
const ROOT = join(import.meta.dirname, '..')
const WRANGLER = join(ROOT, 'node_modules', '.bin', 'wrangler')
const ENV = {
  ...process.env,
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  WRANGLER_SEND_METRICS: 'false',
  CI: 'true',
  NO_COLOR: '1',
}

let persist: string
let dev: ChildProcess | undefined
let url: string
let migrateOutput: string
let devOutput = ''

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

async function ready(ms: number): Promise<Response> {
  const end = Date.now() + ms
  for (;;) {
    if (dev?.exitCode !== null) throw new Error(`wrangler dev exited:\n${devOutput}`)
    try {
      return await fetch(`${url}/healthz`)
    } catch {
      if (Date.now() > end) throw new Error(`wrangler dev did not answer within ${ms} ms:\n${devOutput}`)
      await new Promise((r) => setTimeout(r, 200))
    }
  }
}

beforeAll(async () => {
  persist = mkdtempSync(join(tmpdir(), 'patrol-wrangler-'))
  const migrated = await run(WRANGLER, ['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', persist], {
    cwd: ROOT,
    env: ENV,
    timeout: 60_000,
  })
  migrateOutput = migrated.stdout + migrated.stderr

  const [port, inspector] = [await freePort(), await freePort()]
  url = `http://127.0.0.1:${port}`
  const vars = {
    PATROL_ADMIN_TOKENS: `tester:${TEST_ADMIN_TOKEN}`,
    GITHUB_WEBHOOK_SECRET: TEST_GITHUB_SECRET,
    AZURE_DEVOPS_WEBHOOK_PASSWORD: TEST_AZURE_PASSWORD,
    PATROL_SEALING_KEY: Buffer.alloc(32, 1).toString('base64'),
    PATROL_FINGERPRINT_KEY: Buffer.alloc(32, 2).toString('base64'),
  }
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
  ]
  for (const [name, value] of Object.entries(vars)) args.push('--var', `${name}:${value}`)
  // Its own process group, so that stopping it also stops the workerd it starts.
  dev = spawn(WRANGLER, args, { cwd: ROOT, env: ENV, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
  dev.stdout!.on('data', (d: Buffer) => (devOutput += d.toString()))
  dev.stderr!.on('data', (d: Buffer) => (devOutput += d.toString()))
}, 60_000)

afterAll(async () => {
  if (dev?.pid && dev.exitCode === null) {
    const exited = new Promise((resolve) => dev!.once('exit', resolve))
    process.kill(-dev.pid, 'SIGTERM')
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))])
    if (dev.exitCode === null) process.kill(-dev.pid, 'SIGKILL')
  }
  if (persist) rmSync(persist, { recursive: true, force: true })
})

describe('wrangler, locally', () => {
  it('applies every file of migrations/ to a fresh local D1', () => {
    const files = readdirSync(join(ROOT, 'migrations')).filter((f) => f.endsWith('.sql'))
    expect(migrateOutput).toContain(`About to apply ${files.length} migration(s)`)
    for (const file of files) expect(migrateOutput).toMatch(new RegExp(`${file.replace('.', '\\.')}\\s*│\\s*✅`))
  })

  it('starts `wrangler dev --local`, which answers /healthz from the migrated D1', async () => {
    const res = await ready(40_000)
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ status: 'ok', database: 'ok', queue: { depth: 0 } })
  }, 45_000)

  it('runs the cron handler on request', async () => {
    const res = await fetch(`${url}/__scheduled?cron=*+*+*+*+*`)
    expect(res.status).toBe(200)
  })

  it('refuses an unsigned GitHub delivery, storing nothing', async () => {
    const res = await fetch(`${url}/webhooks/github`, {
      method: 'POST',
      headers: { 'x-github-event': 'push', 'x-github-delivery': 'd-1' },
      body: '{}',
    })
    expect(res.status).toBe(401)
    const health = (await (await fetch(`${url}/healthz`)).json()) as { queue: { depth: number } }
    expect(health.queue.depth).toBe(0)
  })
})
