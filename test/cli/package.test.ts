/**
 * The package as users get it: `npm pack` (which builds dist/ through `prepare`), the tarball installed
 * into an empty folder, and `patrol` run from there with plain node: no TypeScript sources, no tsx.
 * Install scripts are skipped (better-sqlite3 is not compiled): `patrol scan` never opens a database.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateGithubToken } from '../support/tokens.js'

const ROOT = join(import.meta.dirname, '../..')
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm'

let work: string
let installed: string
let bin: string

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'patrol-pack-'))
  const quiet = { stdio: ['ignore', 'ignore', 'pipe'] as ('ignore' | 'pipe')[] }
  execFileSync(NPM, ['pack', '--pack-destination', work], { cwd: ROOT, ...quiet })
  const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'))
  if (!tarball) throw new Error(`npm pack wrote no tarball into ${work}`)
  installed = join(work, 'app')
  mkdirSync(installed)
  writeFileSync(join(installed, 'package.json'), '{"name":"app","private":true}\n')
  execFileSync(
    NPM,
    ['install', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund', join(work, tarball)],
    { cwd: installed, ...quiet },
  )
  bin = join(installed, 'node_modules/.bin/patrol')
}, 300_000)

afterAll(() => {
  rmSync(work, { recursive: true, force: true })
})

describe('the published package', () => {
  it('holds the compiled JavaScript, the launcher and the migrations, not the TypeScript sources', () => {
    const pkg = join(installed, 'node_modules/patrol')
    for (const file of ['bin/patrol.js', 'dist/cli.js', 'dist/scan/index.js', 'dist/scan/index.d.ts'])
      expect(existsSync(join(pkg, file)), file).toBe(true)
    expect(readdirSync(join(pkg, 'migrations')).some((f) => f.endsWith('.sql'))).toBe(true)
    expect(existsSync(join(pkg, 'src'))).toBe(false)
    expect(existsSync(join(installed, 'node_modules/tsx'))).toBe(false)
  })

  it('runs `patrol scan` from the folder it was installed into, with plain node', () => {
    const ghp = generateGithubToken('ghp')
    writeFileSync(join(installed, 'deploy.sh'), `#!/bin/sh\ncurl -H "Authorization: token ${ghp}" …\n`)
    const run = spawnSync(bin, ['scan', '--format', 'json', 'deploy.sh'], { cwd: installed, encoding: 'utf8' })
    expect(run.status).toBe(1)
    expect(JSON.parse(run.stdout).findings).toMatchObject([
      { kind: 'github-classic-pat', confidence: 'high', path: 'deploy.sh', line: 2 },
    ])
    const version = spawnSync(bin, ['--version'], { cwd: installed, encoding: 'utf8' })
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }
    expect(version.stdout).toBe(`patrol ${pkg.version}\n`)
  })

  it('finds its migrations from the compiled service code', async () => {
    const database = join(installed, 'node_modules/patrol/dist/adapter/node/database.js')
    const { MIGRATIONS_FOLDER } = (await import(database)) as { MIGRATIONS_FOLDER: string }
    expect(MIGRATIONS_FOLDER).toBe(join(installed, 'node_modules/patrol/migrations'))
    expect(existsSync(join(MIGRATIONS_FOLDER, 'meta/_journal.json'))).toBe(true)
  })

  it('exports the scanner as a library', async () => {
    const run = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "import { KINDS, scanText } from 'patrol'; console.log(KINDS.length + scanText('nothing here').length)",
      ],
      { cwd: installed, encoding: 'utf8' },
    )
    expect(run.stderr).toBe('')
    expect(Number(run.stdout)).toBeGreaterThan(0)
  })
})
