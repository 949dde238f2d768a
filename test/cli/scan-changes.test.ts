/**
 * scripts/scan-changes.js, the script the GitHub Action (action.yml) and the Azure Pipelines template
 * (templates/patrol-scan.yml) run: real git repositories in temporary folders (a clone of an "origin" for the
 * fetch of a missing commit), the script in a child process running patrol's sources, and the SARIF it writes.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateAdoPat, generateGithubToken } from '../support/tokens.js'
import { gitIn, TSX } from './git.js'

const ROOT = join(import.meta.dirname, '../..')
const SCRIPT = join(ROOT, 'scripts/scan-changes.js')

interface Sarif {
  runs: Array<{ results: Array<{ ruleId: string; locations: Array<{ physicalLocation: Record<string, unknown> }> }> }>
}

let dir: string
let origin: string
const onMain = generateGithubToken('ghp') // on main before the branch: not the branch's doing
const laterOnMain = generateAdoPat() // main moves on after the branch left it
const onBranch = generateGithubToken('ghp')

function scanChanges(repo: string, args: string[]) {
  const run = spawnSync(process.execPath, ['--import', TSX, SCRIPT, ...args], {
    cwd: repo,
    encoding: 'utf8',
    env: { ...process.env, PATROL_CLI: join(ROOT, 'src/cli.ts') },
  })
  const sarifPath = join(repo, 'patrol.sarif')
  let sarif: Sarif | undefined
  try {
    sarif = JSON.parse(readFileSync(sarifPath, 'utf8')) as Sarif
    rmSync(sarifPath)
  } catch {
    sarif = undefined
  }
  const results = sarif?.runs[0]?.results.map((r) => ({ ruleId: r.ruleId, ...r.locations[0]?.physicalLocation }))
  return { code: run.status, stdout: run.stdout, stderr: run.stderr, results }
}

const commits: Record<string, string> = {}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'patrol-changes-'))
  origin = join(dir, 'origin')
  mkdirSync(origin)
  const git = gitIn(origin)
  git('init', '-q', '-b', 'main')
  writeFileSync(join(origin, 'config.env'), `A=1\nOLD=${onMain}\n`)
  git('add', '.')
  git('commit', '-qm', 'main: config')
  commits.base = git('rev-parse', 'HEAD')
  git('checkout', '-qb', 'feature')
  writeFileSync(join(origin, 'config.env'), `A=1\nOLD=${onMain}\nB=2\nNEW=${onBranch}\n`)
  writeFileSync(join(origin, 'notes.md'), 'nothing secret\n')
  git('add', '.')
  git('commit', '-qm', 'feature: leak')
  commits.leak = git('rev-parse', 'HEAD')
  writeFileSync(join(origin, 'notes.md'), 'still nothing secret\n')
  git('commit', '-qam', 'feature: clean')
  commits.feature = git('rev-parse', 'HEAD')
  git('checkout', '-q', 'main')
  writeFileSync(join(origin, 'main.env'), `ADO=${laterOnMain}\n`)
  git('add', '.')
  git('commit', '-qm', 'main: moves on')
  commits.main = git('rev-parse', 'HEAD')
})

afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

describe('scan-changes for a pull request', () => {
  it('reports only what the branch adds since it left the target, writes SARIF, and exits 1', () => {
    const run = scanChanges(origin, ['--mode', 'pull-request', '--base', 'main', '--head', commits.feature!])
    expect(run.code).toBe(1)
    expect(run.results).toEqual([
      {
        ruleId: 'github-classic-pat',
        artifactLocation: { uri: 'config.env' },
        region: { startLine: 4, startColumn: 5 },
      },
    ])
    expect(run.stdout).toContain(`config.env\n  4:5  github-classic-pat  high  ghp_…${onBranch.slice(-4)}`)
    expect(run.stdout).toContain('SARIF written to patrol.sarif')
    for (const secret of [onMain, laterOnMain, onBranch]) expect(run.stdout + run.stderr).not.toContain(secret)
  })

  it('exits 0 with an empty SARIF when the added lines are clean, and 0 when a baseline knows the finding', () => {
    const clean = scanChanges(origin, ['--mode', 'pull-request', '--base', commits.leak!, '--head', commits.feature!])
    expect(clean.code).toBe(0)
    expect(clean.results).toEqual([])

    const json = spawnSync(process.execPath, ['--import', TSX, join(ROOT, 'src/cli.ts'), 'scan', '--format', 'json'], {
      cwd: origin,
      input: `NEW=${onBranch}\n`,
      encoding: 'utf8',
    }).stdout.replace('"path": "-"', '"path": "config.env"')
    writeFileSync(join(dir, 'baseline.json'), json)
    const known = scanChanges(origin, [
      '--mode',
      'pull-request',
      '--base',
      'main',
      '--head',
      commits.feature!,
      '--baseline',
      join(dir, 'baseline.json'),
    ])
    expect(known.code).toBe(0)
    expect(known.results).toEqual([])
  })
})

describe('scan-changes for a push', () => {
  it('scans before..after', () => {
    const run = scanChanges(origin, ['--mode', 'push', '--base', commits.base!, '--head', commits.leak!])
    expect(run.code).toBe(1)
    expect(run.results).toMatchObject([{ ruleId: 'github-classic-pat', region: { startLine: 4 } }])
    expect(scanChanges(origin, ['--mode', 'push', '--base', commits.leak!, '--head', commits.feature!]).code).toBe(0)
  })

  it('compares a new branch (all-zero before) with the default branch, or scans every file when there is none', () => {
    const zero = '0'.repeat(40)
    const withDefault = scanChanges(origin, [
      '--mode',
      'push',
      '--base',
      zero,
      '--head',
      commits.feature!,
      '--default-base',
      'main',
    ])
    expect(withDefault.code).toBe(1)
    expect(withDefault.results?.map((r) => r.ruleId)).toEqual(['github-classic-pat'])

    const everything = scanChanges(origin, ['--mode', 'push', '--base', zero, '--head', commits.main!])
    expect(everything.code).toBe(1)
    expect(everything.results).toMatchObject([
      { ruleId: 'github-classic-pat', artifactLocation: { uri: 'config.env' }, region: { startLine: 2 } },
      { ruleId: 'azure-devops-pat', artifactLocation: { uri: 'main.env' }, region: { startLine: 1 } },
    ])
  })

  it('fetches a commit a shallow clone lacks from origin, and exits 2 naming a commit nowhere to be found', () => {
    const clone = join(dir, 'shallow')
    execFileSync('git', ['clone', '-q', '--depth', '1', '--branch', 'feature', `file://${origin}`, clone])
    const run = scanChanges(clone, ['--mode', 'push', '--base', commits.base!, '--head', 'HEAD'])
    expect(run.code).toBe(1)
    expect(run.results).toMatchObject([{ ruleId: 'github-classic-pat', region: { startLine: 4 } }])

    const missing = scanChanges(clone, ['--mode', 'push', '--base', 'f'.repeat(40), '--head', 'HEAD'])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain(`before ${'f'.repeat(40)} is not in this clone and could not be fetched`)
    expect(missing.results).toBeUndefined()
  })
})
