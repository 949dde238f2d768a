#!/usr/bin/env node
/**
 * Scans what a pull request or a push adds, for CI: the GitHub Action (action.yml) and the Azure Pipelines
 * template (templates/patrol-scan.yml) both run it. It asks git for the added lines, runs `patrol scan --diff` on
 * them, writes SARIF for code scanning and prints the text report to the log. Exit codes are patrol's: 0 nothing
 * of high confidence, 1 found, 2 an input error (the message says what to do).
 *
 * Ranges: a pull request is `BASE...HEAD` (what the branch adds since it left the target branch); a push is
 * `BEFORE..AFTER`. A push that creates a branch has an all-zero BEFORE: then the branch is compared with
 * `--default-base` (`BASE...AFTER`) when that ref exists, or else every file at AFTER is scanned. A commit
 * missing from a shallow clone is fetched from `origin` once before giving up.
 *
 * @example
 * // $ node scripts/scan-changes.js --mode pull-request --base origin/main --head HEAD --sarif patrol.sarif
 * // $ node scripts/scan-changes.js --mode push --base "$BEFORE" --head "$AFTER" --default-base origin/main
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

/** git's well-known empty tree: diffing against it lists every file as added. */
const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904'
/** The patrol entry run on the diff; PATROL_CLI lets the tests run the TypeScript sources instead. */
const PATROL = process.env.PATROL_CLI ?? join(dirname(fileURLToPath(import.meta.url)), '../bin/patrol.js')

function fail(message) {
  process.stderr.write(`patrol scan-changes: ${message}\n`)
  process.exit(2)
}

function git(args, options = {}) {
  return spawnSync('git', ['-c', 'core.quotePath=false', ...args], { encoding: 'utf8', ...options })
}

const isCommit = (ref) => git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]).status === 0
const isZero = (ref) => ref === '' || /^0+$/.test(ref)

/** The commit exists here, or is fetched from origin (a shallow clone's base often is not there). */
function ensureCommit(ref, what) {
  if (isCommit(ref)) return
  git(['fetch', '--no-tags', '--quiet', 'origin', ref])
  if (!isCommit(ref))
    fail(`${what} ${ref} is not in this clone and could not be fetched; check out with full history (fetch-depth: 0)`)
}

/** `BASE...HEAD` needs their merge base: deepen a shallow clone once if it is missing. */
function ensureMergeBase(base, head) {
  if (git(['merge-base', base, head]).status === 0) return
  if (git(['rev-parse', '--is-shallow-repository']).stdout.trim() === 'true')
    git(['fetch', '--no-tags', '--quiet', '--unshallow', 'origin'])
  if (git(['merge-base', base, head]).status !== 0)
    fail(`${base} and ${head} have no common history; check out with full history (fetch-depth: 0)`)
}

function range(mode, base, head, defaultBase) {
  ensureCommit(head, 'head')
  if (mode === 'pull-request') {
    if (isZero(base)) fail('a pull request needs --base (the target branch or its commit)')
    ensureCommit(base, 'base')
    ensureMergeBase(base, head)
    return [`${base}...${head}`]
  }
  if (!isZero(base)) {
    ensureCommit(base, 'before')
    return [base, head]
  }
  // A new branch: compare it with the default branch when there is one, else everything at head is new.
  if (defaultBase && isCommit(defaultBase)) {
    ensureMergeBase(defaultBase, head)
    return [`${defaultBase}...${head}`]
  }
  return [EMPTY_TREE, head]
}

function main() {
  const { values } = parseArgs({
    options: {
      mode: { type: 'string', default: 'push' },
      base: { type: 'string', default: '' },
      head: { type: 'string', default: 'HEAD' },
      'default-base': { type: 'string' },
      sarif: { type: 'string', default: 'patrol.sarif' },
      baseline: { type: 'string' },
    },
  })
  if (values.mode !== 'push' && values.mode !== 'pull-request')
    fail(`--mode must be push or pull-request, not '${values.mode}'`)
  if (git(['rev-parse', '--git-dir']).status !== 0) fail(`${process.cwd()} is not a git repository`)

  const diffRange = range(values.mode, values.base, values.head, values['default-base'])
  process.stdout.write(`patrol: scanning the lines added by git diff ${diffRange.join(' ')}\n`)
  const diff = git(['diff', '--no-color', '--no-ext-diff', '--no-textconv', '-U0', ...diffRange], {
    maxBuffer: 1024 ** 3,
  })
  if (diff.status !== 0) fail(`git diff failed: ${diff.stderr.trim().split('\n')[0]}`)

  const work = mkdtempSync(join(tmpdir(), 'patrol-changes-'))
  try {
    const diffFile = join(work, 'changes.diff')
    writeFileSync(diffFile, diff.stdout)
    const baseline = values.baseline ? ['--baseline', values.baseline] : []
    const patrol = (format) =>
      spawnSync(
        process.execPath,
        [...process.execArgv, PATROL, 'scan', '--diff', '--format', format, ...baseline, diffFile],
        {
          encoding: 'utf8',
          maxBuffer: 1024 ** 3,
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      )
    const sarif = patrol('sarif')
    if (sarif.status === 2 || sarif.stdout === '') {
      process.exitCode = 2
      return
    }
    writeFileSync(values.sarif, sarif.stdout)
    const text = patrol('text')
    process.stdout.write(text.stdout)
    process.stdout.write(`patrol: SARIF written to ${values.sarif}\n`)
    process.exitCode = text.status ?? 2
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

main()
