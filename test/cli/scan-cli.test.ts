/**
 * `patrol scan` end to end: the command's sources (src/cli.ts, through tsx's loader) in a child process,
 * on real files, standard input and a real git repository in a temporary folder. The compiled launcher
 * (bin/patrol.js over dist/) is tested from an installed package in test/cli/package.test.ts.
 */
import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Ajv from 'ajv-draft-04'
import addFormats from 'ajv-formats'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateAdoLegacyPat, generateAdoPat, generateGithubToken } from '../support/tokens.js'
import { gitIn, runPatrol } from './git.js'

const patrol = runPatrol

const sha256 = (secret: string): string => createHash('sha256').update(secret).digest('hex')

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
        secretSha256: sha256(ado),
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
        secretSha256: sha256(ghp),
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
        secretSha256: sha256(legacy),
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
    expect(run.stdout).toContain(`src/config.ts\n  2:23  github-classic-pat  high  ${ghp}\n`)
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
    const git = gitIn(repo)
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
        secretSha256: sha256(ghp),
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

describe('what a developer sees and acts on', () => {
  it('groups the text report by file, with line, kind and redacted token, and says what to do', async () => {
    const run = await patrol(['scan', 'src'], { cwd: dir })
    expect(run.code).toBe(1)
    expect(run.stdout).toContain(
      `src/ci.yml\n  2:15  azure-devops-pat  high  ${ado.slice(0, 4)}…${ado.slice(-4)}  (base64)\n\n` +
        `src/config.ts\n  2:23  github-classic-pat  high  ghp_…${ghp.slice(-4)}\n\n` +
        `src/notes.ps1\n  2:9  azure-devops-pat-legacy  high  ${legacy.slice(0, 4)}…${legacy.slice(-4)}\n\n`,
    )
    const advice = run.stdout.slice(run.stdout.indexOf('What to do:'))
    // One line per kind found, in the catalog's words, with where its owner revokes it.
    expect(advice).toContain('Azure DevOps personal access token: revoke it now (Azure DevOps: User settings')
    expect(advice).toContain('GitHub personal access token (classic): revoke it now (GitHub: Settings')
    expect(advice).toMatch(/3 findings \(3 high confidence\) in 4 files/)
    for (const secret of [ghp, ado, legacy]) expect(run.stdout).not.toContain(secret)
  })

  it('prints the version of the package with --version', async () => {
    const run = await patrol(['--version'])
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '../../package.json'), 'utf8')) as { version: string }
    expect(run).toMatchObject({ code: 0, stdout: `patrol ${pkg.version}\n` })
  })
})

describe('patrol scan --staged (pre-commit)', () => {
  it('scans only the lines git add staged, by path and new-file line, before and after the first commit', async () => {
    const repo = mkdtempSync(join(tmpdir(), 'patrol-staged-'))
    const git = gitIn(repo)
    git('init', '-q')
    writeFileSync(join(repo, 'app.env'), `A=1\nOLD=${ado}\n`)
    git('add', 'app.env')
    const first = await patrol(['scan', '--staged', '--format', 'json'], { cwd: repo })
    expect(first.code).toBe(1)
    expect(JSON.parse(first.stdout).findings).toMatchObject([{ kind: 'azure-devops-pat', path: 'app.env', line: 2 }])
    git('commit', '-qm', 'first')

    // The committed token is not staged again; an unstaged token is not what the commit will hold.
    writeFileSync(join(repo, 'app.env'), `A=1\nB=2\nNEW=${ghp}\nOLD=${ado}\n`)
    git('add', 'app.env')
    writeFileSync(join(repo, 'app.env'), `A=1\nB=2\nNEW=${ghp}\nOLD=${ado}\nLATER=${legacy}\n`)
    const staged = await patrol(['scan', '--staged', '--format', 'json'], { cwd: repo })
    expect(staged.code).toBe(1)
    expect(JSON.parse(staged.stdout).findings).toMatchObject([
      { kind: 'github-classic-pat', path: 'app.env', line: 3, column: 5 },
    ])

    git('reset', '-q')
    const nothing = await patrol(['scan', '--staged'], { cwd: repo })
    expect(nothing.code).toBe(0)
    expect(nothing.stdout).toMatch(/^0 findings/)
    rmSync(repo, { recursive: true, force: true })
  })

  it('exits 2 outside a repository, and when combined with other inputs', async () => {
    const [outside, mixed] = await Promise.all([
      patrol(['scan', '--staged'], { cwd: tmpdir() }),
      patrol(['scan', '--staged', 'src'], { cwd: dir }),
    ])
    expect(outside.code).toBe(2)
    expect(outside.stderr).toContain('git diff failed')
    expect(mixed.code).toBe(2)
    expect(mixed.stderr).toContain('--staged reads what git staged')
  })
})

describe('patrol scan --baseline', () => {
  it('leaves out findings the baseline knows, even after their line moved, and reports new ones', async () => {
    const work = mkdtempSync(join(tmpdir(), 'patrol-baseline-'))
    writeFileSync(join(work, 'a.ts'), `export const t = '${ghp}'\n`)
    const first = await patrol(['scan', '--format', 'json', '.'], { cwd: work })
    expect(first.code).toBe(1)
    writeFileSync(join(work, 'baseline.json'), first.stdout)
    expect(first.stdout).not.toContain(ghp)

    writeFileSync(join(work, 'a.ts'), `// moved down\n\nexport const t = '${ghp}'\n`)
    const known = await patrol(['scan', '--baseline', 'baseline.json', 'a.ts'], { cwd: work })
    expect(known.code).toBe(0)
    expect(known.stdout).toMatch(
      /^0 findings \(0 high confidence\) in 1 file, .*, 1 known from the baseline not shown\n$/,
    )

    // The same token in another file, and a new token next to the known one, are new findings.
    writeFileSync(join(work, 'b.ts'), `export const t = '${ghp}'\n`)
    writeFileSync(join(work, 'a.ts'), `export const t = '${ghp}'\nexport const u = '${ado}'\n`)
    const fresh = await patrol(['scan', '--baseline', 'baseline.json', '--format', 'json', 'a.ts', 'b.ts'], {
      cwd: work,
    })
    expect(fresh.code).toBe(1)
    const out = JSON.parse(fresh.stdout) as { findings: unknown[]; stats: { baselined: number } }
    expect(out.findings).toMatchObject([
      { path: 'a.ts', line: 2, kind: 'azure-devops-pat' },
      { path: 'b.ts', line: 1, kind: 'github-classic-pat' },
    ])
    expect(out.stats.baselined).toBe(1)
    rmSync(work, { recursive: true, force: true })
  })

  it('exits 2 naming the problem when the baseline is missing or not a patrol JSON report', async () => {
    const bad = join(dir, 'bad-baseline.json')
    writeFileSync(bad, JSON.stringify({ findings: [{ path: 'a', kind: 'github-classic-pat', preview: 'x' }] }))
    const [missing, malformed] = await Promise.all([
      patrol(['scan', '--baseline', 'no-such.json', 'src/clean.md'], { cwd: dir }),
      patrol(['scan', '--baseline', bad, 'src/clean.md'], { cwd: dir }),
    ])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('cannot read baseline no-such.json: ENOENT')
    expect(malformed.code).toBe(2)
    expect(malformed.stderr).toContain("needs a 'findings' list whose entries have path, kind and secretSha256")
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
