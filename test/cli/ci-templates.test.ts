/**
 * The CI entry points as CI runs them: the GitHub Action's scan step (action.yml) and the Azure Pipelines template's
 * scan step (templates/patrol-scan.yml), their bash taken from the YAML and run with the variables each CI sets, in
 * a clone of a fixture repository with real git. patrol runs from its sources (PATROL_CLI, tsx through NODE_OPTIONS).
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { generateGithubToken } from '../support/tokens.js'
import { gitIn, TSX } from './git.js'

const ROOT = join(import.meta.dirname, '../..')
const PATROL_ENV = { PATROL_CLI: join(ROOT, 'src/cli.ts'), NODE_OPTIONS: `--import=${TSX}` }

interface Step {
  name?: string
  displayName?: string
  run?: string
  bash?: string
  env?: Record<string, string>
}

let dir: string
let clone: string
const leak = generateGithubToken('ghp')
const sha: Record<string, string> = {}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'patrol-ci-'))
  const origin = join(dir, 'origin')
  mkdirSync(origin)
  const git = gitIn(origin)
  git('init', '-q', '-b', 'main')
  writeFileSync(join(origin, 'app.env'), 'A=1\n')
  git('add', '.')
  git('commit', '-qm', 'first')
  sha.first = git('rev-parse', 'HEAD')
  git('checkout', '-qb', 'feature')
  writeFileSync(join(origin, 'app.env'), `A=1\nTOKEN=${leak}\n`)
  git('commit', '-qam', 'leak')
  sha.leak = git('rev-parse', 'HEAD')
  git('checkout', '-q', 'main')
  writeFileSync(join(origin, 'readme.md'), 'clean\n')
  git('add', '.')
  git('commit', '-qm', 'clean')
  sha.clean = git('rev-parse', 'HEAD')
  clone = join(dir, 'clone')
  execFileSync('git', ['clone', '-q', `file://${origin}`, clone])
})

afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

function runStep(script: string, env: Record<string, string>, checkout: string) {
  gitIn(clone)('checkout', '-q', '--detach', checkout)
  return spawnSync('bash', ['-eo', 'pipefail', '-c', script], {
    cwd: clone,
    encoding: 'utf8',
    env: { ...process.env, ...PATROL_ENV, ...env },
  })
}

function sarifResults(path: string): Array<{ ruleId: string }> {
  const log = JSON.parse(readFileSync(path, 'utf8')) as { runs: Array<{ results: Array<{ ruleId: string }> }> }
  rmSync(path)
  return log.runs[0]!.results
}

describe('the GitHub Action (action.yml)', () => {
  const action = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as {
    runs: { using: string; steps: Step[] }
  }
  const scan = action.runs.steps.find((s) => s.name === 'Scan the added lines')!
  const github = (event: Record<string, string>) => ({
    PATROL_ACTION: ROOT,
    DEFAULT_BRANCH: 'main',
    INPUT_BASE: '',
    INPUT_SARIF: 'patrol.sarif',
    INPUT_BASELINE: '',
    PR_BASE: '',
    BEFORE: '',
    AFTER: '',
    ...event,
  })

  it('is a composite action whose scan step reads its inputs through env, never spliced into the script', () => {
    expect(action.runs.using).toBe('composite')
    expect(scan.run).not.toContain('${{')
  })

  it('fails a pull request that adds a token and writes SARIF for the upload step', () => {
    const run = runStep(scan.run!, github({ EVENT: 'pull_request', PR_BASE: sha.first! }), sha.leak!)
    expect(run.status).toBe(1)
    expect(run.stdout).toContain(`app.env\n  2:7  github-classic-pat  high  ghp_…${leak.slice(-4)}`)
    expect(sarifResults(join(clone, 'patrol.sarif'))).toMatchObject([{ ruleId: 'github-classic-pat' }])
  })

  it('passes a push of clean commits, a new branch compared with the default branch, and a branch deletion', () => {
    const push = runStep(scan.run!, github({ EVENT: 'push', BEFORE: sha.first!, AFTER: sha.clean! }), sha.clean!)
    expect(push.status, push.stderr).toBe(0)
    expect(sarifResults(join(clone, 'patrol.sarif'))).toEqual([])

    const zero = '0'.repeat(40)
    const newBranch = runStep(scan.run!, github({ EVENT: 'push', BEFORE: zero, AFTER: sha.leak! }), sha.leak!)
    expect(newBranch.status).toBe(1)
    expect(newBranch.stdout).toContain(`git diff origin/main...${sha.leak}`)
    expect(sarifResults(join(clone, 'patrol.sarif'))).toHaveLength(1)

    const deleted = runStep(scan.run!, github({ EVENT: 'push', BEFORE: sha.leak!, AFTER: zero }), sha.clean!)
    expect(deleted.status).toBe(0)
    expect(existsSync(join(clone, 'patrol.sarif'))).toBe(false)
  })
})

describe('the Azure Pipelines template (templates/patrol-scan.yml)', () => {
  const template = parse(readFileSync(join(ROOT, 'templates/patrol-scan.yml'), 'utf8')) as { steps: Step[] }
  const scan = template.steps.find((s) => s.bash && s.displayName?.startsWith('patrol scan'))!
  let staging: string

  /** What Azure does before bash sees the step: template parameters and $(macro) variables expanded. */
  function azure(parameters: Record<string, string>, variables: Record<string, string>) {
    staging = mkdtempSync(join(dir, 'staging-'))
    const values: Record<string, string> = {
      patrolPath: ROOT,
      defaultBranch: 'main',
      base: '',
      baseline: '',
      ...parameters,
    }
    const expand = (text: string) =>
      text
        .replace(/\$\{\{ parameters\.(\w+) \}\}/g, (_, name: string) => values[name] ?? '')
        .replace('$(Build.ArtifactStagingDirectory)', staging)
    const env = Object.fromEntries(Object.entries(scan.env ?? {}).map(([k, v]) => [k, expand(v)]))
    return {
      script: expand(scan.bash!).replaceAll('$(Build.ArtifactStagingDirectory)', staging),
      env: { ...env, ...variables },
    }
  }

  it('fails a pull request build that adds a token, comparing with the target branch, and writes SARIF', () => {
    const { script, env } = azure(
      {},
      {
        BUILD_REASON: 'PullRequest',
        SYSTEM_PULLREQUEST_TARGETBRANCH: 'refs/heads/main',
        BUILD_SOURCEBRANCH: 'refs/pull/1/merge',
      },
    )
    const run = runStep(script, env, sha.leak!)
    expect(run.status).toBe(1)
    expect(run.stdout).toContain(`git diff origin/main...HEAD`)
    expect(sarifResults(join(staging, 'CodeAnalysisLogs/patrol.sarif'))).toMatchObject([
      { ruleId: 'github-classic-pat' },
    ])
  })

  it('compares a CI build of the default branch with its previous commit, and of another branch with the default', () => {
    const main = azure({}, { BUILD_REASON: 'IndividualCI', BUILD_SOURCEBRANCH: 'refs/heads/main' })
    const onMain = runStep(main.script, main.env, sha.clean!)
    expect(onMain.status, onMain.stderr).toBe(0)
    expect(onMain.stdout).toContain('git diff HEAD~1 HEAD')

    const branch = azure({}, { BUILD_REASON: 'IndividualCI', BUILD_SOURCEBRANCH: 'refs/heads/feature' })
    const onBranch = runStep(branch.script, branch.env, sha.leak!)
    expect(onBranch.status).toBe(1)
    expect(onBranch.stdout).toContain('git diff origin/main...HEAD')
  })
})
