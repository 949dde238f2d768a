/**
 * The Worker bundle is built exactly as `wrangler deploy` would build it (`--dry-run --outdir`), and nothing
 * Node-only is in it: no import of a `node:` module or of a Node-only package, and none of patrol's Node-only files
 * (better-sqlite3 opener, SMTP and outbox mailers, secrets file, Node entry) among its sources. With
 * `nodejs_compat` off, such an import would already fail the build; the check also holds if the flag is turned on,
 * when wrangler would otherwise quietly polyfill.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const run = promisify(execFile)
const WRANGLER = join(import.meta.dirname, '..', 'node_modules', '.bin', 'wrangler')
/** Packages and patrol files that must never reach workerd. */
const NODE_ONLY_PACKAGES = [
  'better-sqlite3',
  'nodemailer',
  '@hono/node-server',
  'smtp-server',
  'mailparser',
  'bindings',
]
/** Node-only code lives under the Node adapter (and the CLI); none of it may reach the Worker. */
const NODE_ONLY_SOURCES = ['src/adapter/node/', 'src/cli.ts', 'src/cli/']
const NODE_BUILTINS = [
  'fs',
  'fs/promises',
  'path',
  'os',
  'child_process',
  'net',
  'tls',
  'http',
  'https',
  'crypto',
  'zlib',
  'stream',
  'url',
  'worker_threads',
  'dns',
]

/** Every module specifier the bundle still imports (static, dynamic or require): what workerd would have to provide. */
function importedSpecifiers(code: string): string[] {
  const found = new Set<string>()
  const patterns = [
    /(?:^|[;\n}])\s*import\s*(?:[\w$*{}\s,]+from\s*)?["']([^"']+)["']/g,
    /(?:^|[;\n}])\s*export\s*[\w$*{}\s,]*from\s*["']([^"']+)["']/g,
    /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g,
    /\b(?:__)?require\s*\(\s*["']([^"']+)["']\s*\)/g,
  ]
  for (const pattern of patterns) for (const match of code.matchAll(pattern)) found.add(match[1]!)
  return [...found].sort()
}

function isNodeOnly(specifier: string): boolean {
  return (
    specifier.startsWith('node:') ||
    NODE_BUILTINS.includes(specifier) ||
    NODE_ONLY_PACKAGES.some((p) => specifier === p || specifier.startsWith(`${p}/`))
  )
}

let outdir: string
let code: string
let sources: string[]
let output: string

beforeAll(async () => {
  outdir = mkdtempSync(join(tmpdir(), 'patrol-worker-bundle-'))
  const result = await run(WRANGLER, ['deploy', '--dry-run', '--outdir', outdir], {
    cwd: join(import.meta.dirname, '..'),
    env: {
      ...process.env,
      CLOUDFLARE_CF_FETCH_ENABLED: 'false',
      WRANGLER_SEND_METRICS: 'false',
      CI: 'true',
      NO_COLOR: '1',
    },
    timeout: 60_000,
  })
  output = result.stdout + result.stderr
  code = readFileSync(join(outdir, 'index.js'), 'utf8')
  sources = (JSON.parse(readFileSync(join(outdir, 'index.js.map'), 'utf8')) as { sources: string[] }).sources
}, 60_000)

afterAll(() => {
  if (outdir) rmSync(outdir, { recursive: true, force: true })
})

describe('the Worker bundle (wrangler deploy --dry-run)', () => {
  it('builds src/adapter/workers/index.ts with the D1 and send_email bindings', () => {
    expect(output).toContain('--dry-run: exiting now.')
    expect(output).toMatch(/env\.DB \(patrol\)\s+D1 Database/)
    expect(output).toMatch(/env\.EMAIL .*Send Email/)
    expect(sources.some((s) => s.endsWith('src/adapter/workers/index.ts'))).toBe(true)
    expect(sources.some((s) => s.endsWith('src/http/app.ts'))).toBe(true)
  })

  it('imports nothing but cloudflare: modules', () => {
    const specifiers = importedSpecifiers(code)
    expect(specifiers.filter(isNodeOnly)).toEqual([])
    expect(specifiers.filter((s) => !s.startsWith('cloudflare:'))).toEqual([])
    // A `node:` name may appear only as an optional runtime probe that finds nothing in workerd without nodejs_compat,
    // e.g. hono/jsx's `global.process?.getBuiltinModule?.("node:async_hooks")`.
    const mentions = [...code.matchAll(/(.{0,2})\(\s*["'](node:[a-z_/]+)["']/g)].map((m) => ({
      name: m[2],
      optional: m[1] === '?.',
    }))
    expect(mentions.filter((m) => !m.optional)).toEqual([])
    expect(code.match(/["']node:[a-z_/]+["']/g)?.length ?? 0).toBe(mentions.length)
  })

  it('contains none of the Node-only packages or patrol files', () => {
    const bundled = sources.map((s) => s.replace(/\\/g, '/'))
    expect(bundled.filter((s) => NODE_ONLY_PACKAGES.some((p) => s.includes(`node_modules/${p}/`)))).toEqual([])
    expect(bundled.filter((s) => NODE_ONLY_SOURCES.some((f) => s.includes(f)))).toEqual([])
  })

  it('would notice a Node-only import (the check itself)', () => {
    const sample =
      'import fs from "node:fs";\nimport { x } from "better-sqlite3";\nconst n = require("nodemailer");\nimport("path");\nimport { connect } from "cloudflare:sockets";\nglobalThis.process?.getBuiltinModule?.("node:os")'
    expect(importedSpecifiers(sample)).toEqual([
      'better-sqlite3',
      'cloudflare:sockets',
      'node:fs',
      'nodemailer',
      'path',
    ])
    expect(importedSpecifiers(sample).filter(isNodeOnly)).toEqual(['better-sqlite3', 'node:fs', 'nodemailer', 'path'])
  })
})
