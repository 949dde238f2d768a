/**
 * `patrol scan` end to end: the real launcher (bin/patrol.js) in a child process, on real files,
 * standard input and a real git repository in a temporary folder.
 */
import { execFileSync, spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Ajv from 'ajv-draft-04'
import addFormats from 'ajv-formats'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateAdoLegacyPat, generateAdoPat, generateGithubToken } from '../support/tokens.js'

const BIN = join(import.meta.dirname, '../../bin/patrol.js')

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

function patrol(args: string[], options: { cwd?: string; input?: string } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
    child.stdin.end(options.input ?? '')
  })
}

let dir: string
const ghp = generateGithubToken('ghp')
const ado = generateAdoPat()
const legacy = generateAdoLegacyPat()

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'patrol-cli-'))
  mkdirSync(join(dir, 'src'))
  mkdirSync(join(dir, 'node_modules/pkg'), { recursive: true })
  mkdirSync(join(dir, '.git'))
  writeFileSync(join(dir, 'src/config.ts'), `export const a = 1\nexport const token = '${ghp}'\n`)
  writeFileSync(join(dir, 'src/ci.yml'), `env:\n  AUTH: Basic ${Buffer.from(`:${ado}`).toString('base64')}\n`)
  writeFileSync(join(dir, 'src/clean.md'), '# nothing here\n')
  writeFileSync(
    join(dir, 'src/notes.ps1'),
    Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`\r\n$pat = "${legacy}"\r\n`, 'utf16le')]),
  )
  writeFileSync(join(dir, 'src/blob.bin'), Buffer.concat([Buffer.from([0, 1, 2]), Buffer.from(ghp)]))
  writeFileSync(join(dir, 'node_modules/pkg/index.js'), `module.exports = '${ghp}'\n`)
  writeFileSync(join(dir, '.git/config'), `url = https://${ghp}@github.com/o/r\n`)
})

afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

describe('patrol scan on files and folders', () => {
  it('finds tokens in text files, skips node_modules, .git and binary files, and prints JSON', async () => {
    const run = await patrol(['scan', '--format', 'json', 'src'], { cwd: dir })
    expect(run.code).toBe(1)
    const out = JSON.parse(run.stdout) as { findings: Array<Record<string, unknown>>; stats: Record<string, number> }
    expect(out.findings).toEqual([
      {
        kind: 'azure-devops-pat',
        confidence: 'high',
        path: 'src/ci.yml',
        line: 2,
        column: 15,
        commit: null,
        encoding: 'base64',
        preview: `${ado.slice(0, 4)}…${ado.slice(-4)}`,
        tags: [],
      },
      {
        kind: 'github-classic-pat',
        confidence: 'high',
        path: 'src/config.ts',
        line: 2,
        column: 23,
        commit: null,
        encoding: 'plain',
        preview: `ghp_…${ghp.slice(-4)}`,
        tags: [],
      },
      {
        kind: 'azure-devops-pat-legacy',
        confidence: 'high',
        path: 'src/notes.ps1',
        line: 2,
        column: 9,
        commit: null,
        encoding: 'plain',
        preview: `${legacy.slice(0, 4)}…${legacy.slice(-4)}`,
        tags: [],
      },
    ])
    expect(out.stats.files).toBe(4)
    expect(out.stats.bytes).toBeGreaterThan(100)
    expect(typeof out.stats.seconds).toBe('number')
    for (const secret of [ghp, ado, legacy]) expect(run.stdout + run.stderr).not.toContain(secret)
  })

  it('shows raw tokens only with --show-secrets', async () => {
    const run = await patrol(['scan', '--show-secrets', 'src/config.ts'], { cwd: dir })
    expect(run.code).toBe(1)
    expect(run.stdout).toContain(`src/config.ts:2:23  github-classic-pat  high  plain  ${ghp}`)
    expect(run.stdout).toContain('1 finding (1 high confidence) in 1 file')
  })

  it('exits 0 when nothing of high confidence is found, even with low findings shown', async () => {
    const [clean, low] = await Promise.all([
      patrol(['scan', 'src/clean.md'], { cwd: dir }),
      patrol(['scan', '--include-low', '--format', 'json'], { input: `token = ghp_${'a'.repeat(36)}\n` }),
    ])
    expect(clean.code).toBe(0)
    expect(clean.stdout).toMatch(/^0 findings \(0 high confidence\) in 1 file/)
    expect(low.code).toBe(0)
    expect(JSON.parse(low.stdout).findings).toMatchObject([
      { kind: 'github-classic-pat', confidence: 'low', path: '-', line: 1, column: 9 },
    ])
  })

  it('exits 2 with a clear message on usage and input errors', async () => {
    const [unknown, format, missing, command] = await Promise.all([
      patrol(['scan', '--frobnicate']),
      patrol(['scan', '--format', 'xml']),
      patrol(['scan', 'no/such/path'], { cwd: dir }),
      patrol(['scna']),
    ])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain("Unknown option '--frobnicate'")
    expect(format.code).toBe(2)
    expect(format.stderr).toContain("--format must be one of text, json, sarif, not 'xml'")
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('no such file or folder: no/such/path')
    expect(command.code).toBe(2)
    expect(command.stderr).toContain("unknown command 'scna'")
  })
})

describe('patrol scan on standard input, diffs and git history', () => {
  it('reads a unified diff from standard input with --diff and reports new-file lines', async () => {
    const diff = `commit ${'c'.repeat(40)}\n\ndiff --git a/x.env b/x.env\n--- a/x.env\n+++ b/x.env\n@@ -5,2 +5,3 @@\n keep\n-GH=${ghp}\n+GH=${ghp}\n+ADO=${legacy}\n`
    const run = await patrol(['scan', '--diff', '--format', 'json', '-'], { input: diff })
    expect(run.code).toBe(1)
    expect(JSON.parse(run.stdout).findings).toMatchObject([
      { kind: 'github-classic-pat', path: 'x.env', line: 6, column: 4, commit: 'c'.repeat(40) },
      { kind: 'azure-devops-pat-legacy', path: 'x.env', line: 7, column: 5, commit: 'c'.repeat(40) },
    ])
  })

  it('numbers lines across the pieces of a large standard input', async () => {
    const filler = `${'0123456789 abcdefghij '.repeat(10)}\n`.repeat(20000)
    const run = await patrol(['scan', '--format', 'json'], { input: `${filler}x ${ghp}\n${filler}` })
    expect(run.code).toBe(1)
    expect(JSON.parse(run.stdout).findings).toMatchObject([{ line: 20001, column: 3, path: '-' }])
  })

  it('--git scans the history of the repository it runs in, as git log -p streams', async () => {
    const repo = join(dir, 'repo')
    mkdirSync(repo)
    const git = (...args: string[]): string =>
      execFileSync('git', args, {
        cwd: repo,
        env: {
          ...process.env,
          GIT_AUTHOR_NAME: 't',
          GIT_AUTHOR_EMAIL: 't@example.com',
          GIT_COMMITTER_NAME: 't',
          GIT_COMMITTER_EMAIL: 't@example.com',
        },
      }).toString()
    git('init', '-q')
    writeFileSync(join(repo, 'deploy.sh'), `#!/bin/sh\ngit clone https://x:${ghp}@github.com/o/r\n`)
    git('add', '.')
    git('commit', '-qm', 'add deploy')
    const leaked = git('rev-parse', 'HEAD').trim()
    writeFileSync(join(repo, 'deploy.sh'), '#!/bin/sh\ngit clone https://github.com/o/r\n')
    git('commit', '-qam', 'remove token')
    const run = await patrol(['scan', '--git', '--format', 'json'], { cwd: repo })
    expect(run.code).toBe(1)
    expect(JSON.parse(run.stdout).findings).toEqual([
      {
        kind: 'github-classic-pat',
        confidence: 'high',
        path: 'deploy.sh',
        line: 2,
        column: 21,
        commit: leaked,
        encoding: 'url-userinfo',
        preview: `ghp_…${ghp.slice(-4)}`,
        tags: [],
      },
    ])
    const [range, outside] = await Promise.all([
      patrol(['scan', '--git', `${leaked}..HEAD`], { cwd: repo }),
      patrol(['scan', '--git'], { cwd: tmpdir() }),
    ])
    expect(range.code).toBe(0)
    expect(outside.code).toBe(2)
    expect(outside.stderr).toContain('git log failed')
  })
})

describe('SARIF output', () => {
  it('validates against the SARIF 2.1.0 schema and carries rule, level and location', async () => {
    const run = await patrol(['scan', '--format', 'sarif', '--include-low', 'src'], { cwd: dir })
    expect(run.code).toBe(1)
    const require = createRequire(import.meta.url)
    const schema = JSON.parse(
      readFileSync(require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8'),
    ) as object
    const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false })
    addFormats(ajv)
    const validate = ajv.compile(schema)
    const log = JSON.parse(run.stdout) as {
      version: string
      runs: Array<{ tool: { driver: { rules: Array<{ id: string }> } }; results: Array<Record<string, unknown>> }>
    }
    expect(validate(log), JSON.stringify(validate.errors)).toBe(true)
    expect(log.version).toBe('2.1.0')
    const results = log.runs[0]!.results
    expect(results).toHaveLength(3)
    expect(results[1]).toMatchObject({
      ruleId: 'github-classic-pat',
      level: 'error',
      locations: [
        { physicalLocation: { artifactLocation: { uri: 'src/config.ts' }, region: { startLine: 2, startColumn: 23 } } },
      ],
    })
    const rules = log.runs[0]!.tool.driver.rules.map((r) => r.id)
    expect(rules[(results[1] as { ruleIndex: number }).ruleIndex]).toBe('github-classic-pat')
    for (const secret of [ghp, ado, legacy]) expect(run.stdout).not.toContain(secret)
  })
})
