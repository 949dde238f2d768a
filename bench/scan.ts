/**
 * `npm run bench:scan`: `patrol scan --diff` on real `git log -p` history, against ripgrep.
 *
 * The corpus is the `git log -p` output of four real repositories at pinned commits (below,
 * REPOSITORIES: TypeScript, Helm charts, Python, Go; lockfiles full of base64 integrity hashes,
 * bundled and minified files, SVGs, `go.sum`), about 315 MB, with generated tokens planted in every
 * supported encoding as small commits of their own between the real ones (every ~MB, at a commit
 * boundary). Get the repositories with `git clone --mirror https://github.com/OWNER/NAME` into one
 * folder and point PATROL_BENCH_REPOS at it; each is looked up as `NAME.git` or `OWNER+NAME/repo`
 * there, and its pinned commit must be in it. Without them the bench says so and falls back to a
 * corpus of the text files under node_modules written out as `git log -p` (one commit per file),
 * which is easier on the scanner than real history.
 *
 * It measures, best of ROUNDS alternating rounds (this machine is shared: the best run is the one
 * least disturbed, the same rule for every side):
 * (1) the `patrol` command (`bin/patrol.js scan --diff --format json -`) and ripgrep (`rg -j1` with
 *     the four token shapes in RG_PATTERNS, counting matching lines) as processes on the same bytes
 *     from standard input, wall clock including start-up: MB/s for both and the ratio (ripgrep when
 *     installed: `apt-get install ripgrep`);
 * (2) the start-up of `patrol --version`;
 * (3) the scanner in process (DiffScanner over the CLI's pieces) against one combined JavaScript
 *     RegExp of the raw token shapes over the same pieces;
 * and how many planted tokens each found. With `--rss` it also pipes the corpus (repeated up to
 * 300 MB at least) into the command and reports its peak RSS.
 *
 * @example
 * PATROL_BENCH_REPOS=~/bench-repos npm run bench:scan            # real history
 * PATROL_BENCH_REPOS=~/bench-repos npm run bench:scan -- --rss   # plus the command's peak memory
 */
import { spawn, spawnSync } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { lineChunks, PIECE_CHARS } from '../src/cli/line-chunks.js'
import { DiffScanner, type LocatedFinding } from '../src/scan/index.js'
import {
  generateAdoLegacyPat,
  generateAdoPat,
  generateFineGrainedPat,
  generateGithubToken,
} from '../test/support/tokens.js'

const ROOT = join(import.meta.dirname, '..')
const PATROL = join(ROOT, 'bin/patrol.js')
const TARGET_BYTES = 200 * 1024 * 1024
const PIECE = PIECE_CHARS
const ROUNDS = 5
const BASELINE = /\b[a-z2-7]{52}\b|\b[A-Za-z0-9]{84}\b|gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{82}/g
/** The four token shapes for ripgrep: GitHub prefixed, fine-grained, Azure DevOps (signature), legacy. */
const RG_PATTERNS = [
  'gh[pousr]_[A-Za-z0-9]{36,}',
  'github_pat_[A-Za-z0-9_]{82}',
  '[A-Za-z0-9]{52}JQQJ99[A-Za-z0-9]{26,30}',
  '[a-z2-7]{52}',
]
/** Bytes between planted commits in real history. */
const PLANT_EVERY = 1 << 20

/**
 * The real history: `git log -p` of each at its commit (git's default order), the first `maxBytes`
 * when given (cut at a line end). Prometheus is cut because its full history is several GB.
 */
const REPOSITORIES: Array<{ repo: string; commit: string; what: string; maxBytes?: number }> = [
  {
    repo: 'vitejs/vite',
    commit: 'a98c8d95d552c6fa98ab66fb810f5b39ad5abf49',
    what: 'TypeScript: pnpm-lock.yaml integrity hashes, playground bundles, SVGs',
  },
  {
    repo: 'prometheus-community/helm-charts',
    commit: 'cf408a290aec489277a94450bb3511432477a53a',
    what: 'Helm charts: Chart.lock digests, dashboards as JSON, CRDs',
  },
  {
    repo: 'python-poetry/poetry',
    commit: 'f46702336862f30050d5c641d5ed6f7568ded793',
    what: 'Python: poetry.lock sha256 hashes, vendored code',
  },
  {
    repo: 'prometheus/prometheus',
    commit: 'd15adb9ad7e5d9fbde3a9a8f30200593a5a14d86',
    what: 'Go: go.sum, the web UI’s package-lock.json and generated assets',
    maxBytes: 100_000_000,
  },
]

type Plant = (token: string) => string
const tokenMakers: Array<[string, () => string]> = [
  ['azure-devops-pat', generateAdoPat],
  ['azure-devops-pat-legacy', () => generateAdoLegacyPat()],
  ['github-classic-pat', () => generateGithubToken('ghp')],
  ['github-oauth', () => generateGithubToken('gho')],
  ['github-app-user', () => generateGithubToken('ghu')],
  ['github-app-installation', () => generateGithubToken('ghs')],
  ['github-refresh', () => generateGithubToken('ghr')],
  ['github-fine-grained-pat', generateFineGrainedPat],
  // (The JWT form of ghs_ has no checksum: it is only ever low, so it is not planted.)
  ['azure-devops-app-secret', () => generateAdoLegacyPat('application')],
]
const b64 = (s: string, enc: BufferEncoding = 'utf8'): string => Buffer.from(s, enc).toString('base64')
const encodings: Array<[string, Plant]> = [
  ['plain', (t) => `const token = "${t}"`],
  ['base64', (t) => `Authorization: Basic ${b64(`:${t}`)}`],
  ['base64', (t) => `  extraheader = AUTHORIZATION: basic ${b64(`user:${t}`)}`],
  ['base64', (t) => `B64_PAT=${b64(`pat:${t}\n`)}`],
  ['base64>utf16le', (t) => `$h = "Basic ${b64(t, 'utf16le')}"`],
  ['base64url', (t) => `auth=${Buffer.from(`:${t}`).toString('base64url')};`],
  [
    'percent',
    (t) => `curl "https://example.com/?token=${[...t].map((c) => `%${c.charCodeAt(0).toString(16)}`).join('')}"`,
  ],
  [
    'unicode-escape',
    (t) => `{"token": "${[...t].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')}"}`,
  ],
  [
    // One character in the middle escaped: a run too short for the skip search, found by the `\u` search.
    'unicode-escape',
    (t) => `{"token": "${t.slice(0, 20)}\\u${t.charCodeAt(20).toString(16).padStart(4, '0')}${t.slice(21)}"}`,
  ],
  ['url-userinfo', (t) => `git clone https://user:${t}@dev.azure.com/org/proj/_git/repo`],
]

interface Planted {
  path: string
  line: number
  kind: string
  encoding: string
  secret: string
}

interface Corpus {
  /** The corpus as it is given to the command: `git log -p` text. */
  bytes: Buffer
  planted: Planted[]
  description: string
}

/** The git folder of `repo` under `root` holding `commit`, if any. */
function gitDir(root: string, repo: string, commit: string): string | undefined {
  const [owner, name] = repo.split('/') as [string, string]
  for (const dir of [join(root, `${name}.git`), join(root, `${owner}+${name}`, 'repo'), join(root, name)]) {
    const probe = spawnSync('git', ['--git-dir', dir, 'cat-file', '-e', `${commit}^{commit}`])
    if (probe.status === 0) return dir
  }
  return undefined
}

/** `git log -p` of `commit` in `dir`, as the CLI's `--git` runs it, the first `maxBytes` at most (to a line end). */
async function gitLog(dir: string, commit: string, maxBytes = Number.POSITIVE_INFINITY): Promise<Buffer> {
  const git = spawn(
    'git',
    [
      '--git-dir',
      dir,
      '-c',
      'core.quotePath=false',
      'log',
      '-p',
      '--no-color',
      '--no-ext-diff',
      '--no-textconv',
      commit,
    ],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  )
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of git.stdout as AsyncIterable<Buffer>) {
    chunks.push(chunk)
    size += chunk.length
    if (size >= maxBytes) break
  }
  git.kill()
  const all = Buffer.concat(chunks)
  if (all.length <= maxBytes) return all
  return all.subarray(0, all.lastIndexOf(0x0a, maxBytes - 1) + 1)
}

/** A commit of its own adding `planted/N.txt`, whose line 2 holds one token in one encoding. */
function plantedCommit(n: number, planted: Planted[]): string {
  const [kind, make] = tokenMakers[n % tokenMakers.length]!
  const [encoding, plant] = encodings[Math.floor(n / tokenMakers.length) % encodings.length]!
  const secret = make()
  const path = `planted/${n}.txt`
  planted.push({ path, line: 2, kind, encoding, secret })
  return (
    `commit ${(n + 1).toString(16).padStart(40, 'f')}\nAuthor: Bench <bench@example.com>\nDate:   Mon Jan 1 00:00:00 2024 +0000\n\n    plant ${n}\n\n` +
    `diff --git a/${path} b/${path}\nnew file mode 100644\nindex 0000000..1111111\n--- /dev/null\n+++ b/${path}\n` +
    `@@ -0,0 +1,3 @@\n+before\n+${plant(secret)}\n+after\n`
  )
}

async function realHistory(root: string): Promise<Corpus | string> {
  const found = REPOSITORIES.map((r) => ({ ...r, dir: gitDir(root, r.repo, r.commit) }))
  const missing = found.filter((r) => !r.dir).map((r) => `${r.repo}@${r.commit.slice(0, 12)}`)
  if (missing.length > 0) return `not found under ${root}: ${missing.join(', ')}`
  const parts: Buffer[] = []
  const planted: Planted[] = []
  const sizes: string[] = []
  for (const r of found) {
    const log = await gitLog(r.dir!, r.commit, r.maxBytes)
    sizes.push(`${r.repo}@${r.commit.slice(0, 12)} ${mb(log.length)} MB`)
    let from = 0
    for (let at = PLANT_EVERY; at < log.length; at += PLANT_EVERY) {
      const boundary = log.indexOf('\ncommit ', Math.max(at, from))
      if (boundary === -1) break
      parts.push(log.subarray(from, boundary + 1), Buffer.from(plantedCommit(planted.length, planted)))
      from = boundary + 1
      at = from
    }
    parts.push(log.subarray(from))
  }
  return { bytes: Buffer.concat(parts), planted, description: `real git log -p history: ${sizes.join(', ')}` }
}

function textFiles(dir: string, out: string[]): string[] {
  for (const name of readdirSync(dir)) {
    if (name === '.vite-temp' || name === '.cache') continue // scratch space of running tools
    const p = join(dir, name)
    const s = statSync(p, { throwIfNoEntry: false })
    if (!s) continue
    if (s.isDirectory()) textFiles(p, out)
    else if (s.isFile() && s.size > 0 && s.size < 4 << 20) out.push(p)
  }
  return out
}

function isText(buf: Buffer): boolean {
  return !buf.subarray(0, 8000).includes(0)
}

/**
 * The fallback: the text files under node_modules as `git log -p` output, one commit a file, with tokens planted in
 * them.
 */
function nodeModulesCorpus(): Corpus {
  const files = textFiles(join(ROOT, 'node_modules'), []).sort()
  const parts: string[] = []
  const planted: Planted[] = []
  let bytes = 0
  let count = 0
  let plantNo = 0
  for (let round = 0; bytes < TARGET_BYTES; round++) {
    for (const file of files) {
      if (bytes >= TARGET_BYTES) break
      let buf: Buffer
      try {
        buf = readFileSync(file)
      } catch {
        continue // node_modules changes under us when packages are being installed
      }
      if (!isText(buf)) continue
      const path = `r${round}/${relative(join(ROOT, 'node_modules'), file)}`
      const lines = buf.toString('utf8').split('\n')
      if (lines[lines.length - 1] === '') lines.pop()
      // One planted token about every 40 files, in rotation over kinds and encodings.
      if (count % 40 === 7) {
        const [kind, make] = tokenMakers[plantNo % tokenMakers.length]!
        const [encoding, plant] = encodings[Math.floor(plantNo / tokenMakers.length) % encodings.length]!
        const secret = make()
        const at = Math.floor(lines.length / 2)
        lines.splice(at, 0, plant(secret))
        planted.push({ path, line: at + 1, kind, encoding, secret })
        plantNo++
      }
      const sha = (count + 1).toString(16).padStart(40, '0')
      count++
      const text =
        `commit ${sha}\nAuthor: Bench <bench@example.com>\nDate:   Mon Jan 1 00:00:00 2024 +0000\n\n    add ${path}\n\n` +
        `diff --git a/${path} b/${path}\nnew file mode 100644\nindex 0000000..1111111\n--- /dev/null\n+++ b/${path}\n` +
        `@@ -0,0 +1,${lines.length} @@\n${lines.map((l) => `+${l}\n`).join('')}`
      parts.push(text)
      bytes += Buffer.byteLength(text)
    }
  }
  return {
    bytes: Buffer.from(parts.join('')),
    planted,
    description: `${count} text files under node_modules as git log -p (not real history)`,
  }
}

function mb(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1)
}

function timeIt<T>(fn: () => T): [T, number] {
  const t0 = process.hrtime.bigint()
  const r = fn()
  return [r, Number(process.hrtime.bigint() - t0) / 1e9]
}

/** Runs a command with `input` as its standard input (a file); its standard output and wall-clock seconds. */
function run(
  command: string,
  args: string[],
  input: string,
): { stdout: string; seconds: number; status: number | null } {
  const fd = openSync(input, 'r')
  try {
    const [r, seconds] = timeIt(() =>
      spawnSync(command, args, { stdio: [fd, 'pipe', 'inherit'], maxBuffer: 256 << 20, encoding: 'utf8' }),
    )
    return { stdout: r.stdout, seconds, status: r.status }
  } finally {
    closeSync(fd)
  }
}

async function peakRssOfCli(bytes: number, corpus: Buffer): Promise<{ rssMb: number; exit: number | null }> {
  const child = spawn(process.execPath, [PATROL, 'scan', '--diff', '--format', 'json', '-'], {
    stdio: ['pipe', 'ignore', 'ignore'],
  })
  let peak = 0
  const poll = setInterval(() => {
    try {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8')
      const hwm = /VmHWM:\s+(\d+) kB/.exec(status)
      if (hwm) peak = Math.max(peak, Number(hwm[1]) / 1024)
    } catch {
      // the child has exited
    }
  }, 50)
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  for (let written = 0; written < bytes; written += corpus.length) {
    if (!child.stdin.write(corpus)) await new Promise((r) => child.stdin.once('drain', r))
  }
  child.stdin.end()
  const exit = await exited
  clearInterval(poll)
  return { rssMb: peak, exit }
}

/** The corpus as the CLI cuts it: line-aligned pieces of bytes, one character each. */
async function piecesOf(bytes: Buffer): Promise<string[]> {
  const pieces: string[] = []
  async function* once(): AsyncGenerator<Uint8Array> {
    for (let i = 0; i < bytes.length; i += 1 << 20) yield bytes.subarray(i, i + (1 << 20))
  }
  for await (const piece of lineChunks(once(), { bytes: true })) pieces.push(piece.text)
  return pieces
}

function rate(bytes: number, seconds: number): string {
  return `${(bytes / 1024 / 1024 / seconds).toFixed(0)} MB/s`
}

async function main(): Promise<void> {
  const root = process.env.PATROL_BENCH_REPOS
  const t0 = process.hrtime.bigint()
  let corpus: Corpus | string = root ? await realHistory(root) : 'PATROL_BENCH_REPOS is not set'
  if (typeof corpus === 'string') {
    console.log(`real history unavailable (${corpus}): falling back to the node_modules corpus`)
    corpus = nodeModulesCorpus()
  }
  const bytes = corpus.bytes.length
  const buildSeconds = Number(process.hrtime.bigint() - t0) / 1e9
  console.log(
    `corpus: ${mb(bytes)} MB, ${corpus.description}; ${corpus.planted.length} planted tokens (built in ${buildSeconds.toFixed(1)} s)`,
  )
  const folder = mkdtempSync(join(tmpdir(), 'patrol-bench-'))
  const file = join(folder, 'corpus.diff')
  writeFileSync(file, corpus.bytes)
  try {
    await commands(file, corpus)
    await inProcess(corpus)
    if (process.argv.includes('--rss')) {
      const target = Math.max(300 * 1024 * 1024, bytes)
      const { rssMb, exit } = await peakRssOfCli(target, corpus.bytes)
      console.log(
        `patrol on ${mb(Math.ceil(target / bytes) * bytes)} MB of standard input: peak RSS ${rssMb.toFixed(0)} MB (target < 150 MB), exit code ${exit}`,
      )
    }
  } finally {
    rmSync(folder, { recursive: true, force: true })
  }
}

/** The command and ripgrep as processes on the corpus file, and the command's start-up. */
async function commands(file: string, corpus: Corpus): Promise<void> {
  const bytes = corpus.bytes.length
  const hasRg = spawnSync('rg', ['--version']).status === 0
  const rgArgs = ['-j1', '--no-mmap', '-c', ...RG_PATTERNS.flatMap((p) => ['-e', p])]
  console.log(`patrol: node bin/patrol.js scan --diff --format json --show-secrets - < corpus`)
  if (hasRg) console.log(`ripgrep: rg ${rgArgs.map((a) => (a.includes('[') ? `'${a}'` : a)).join(' ')} < corpus`)
  else console.log('ripgrep: not installed (apt-get install ripgrep); only patrol is timed')
  let patrolSeconds = Number.POSITIVE_INFINITY
  let rgSeconds = Number.POSITIVE_INFINITY
  let startSeconds = Number.POSITIVE_INFINITY
  let findings: LocatedFinding[] = []
  let rgLines = 0
  for (let round = 0; round < ROUNDS; round++) {
    const p = run(process.execPath, [PATROL, 'scan', '--diff', '--format', 'json', '--show-secrets', '-'], file)
    findings = (JSON.parse(p.stdout) as { findings: LocatedFinding[] }).findings
    patrolSeconds = Math.min(patrolSeconds, p.seconds)
    let line = `  round ${round + 1}: patrol ${rate(bytes, p.seconds)}`
    if (hasRg) {
      const r = run('rg', rgArgs, file)
      rgLines = Number(r.stdout.trim() || 0)
      rgSeconds = Math.min(rgSeconds, r.seconds)
      line += `, ripgrep ${rate(bytes, r.seconds)}`
    }
    startSeconds = Math.min(startSeconds, run(process.execPath, [PATROL, '--version'], '/dev/null').seconds)
    console.log(line)
  }
  const secrets = new Set(findings.map((f) => f.secret))
  const found = corpus.planted.filter((p) => secrets.has(p.secret)).length
  const extra = findings.filter((f) => f.confidence === 'high' && !corpus.planted.some((p) => p.secret === f.secret))
  console.log(`best of ${ROUNDS} rounds, wall clock including start-up:`)
  console.log(
    `patrol scan --diff: ${rate(bytes, patrolSeconds)} (${patrolSeconds.toFixed(2)} s), planted found ${found}/${corpus.planted.length}, other high-confidence findings ${extra.length}`,
  )
  if (hasRg) {
    console.log(`ripgrep -j1:        ${rate(bytes, rgSeconds)} (${rgSeconds.toFixed(2)} s), ${rgLines} matching lines`)
    const ratio = rgSeconds / patrolSeconds
    console.log(`ratio: patrol at ${ratio.toFixed(2)}x ripgrep (target >= 0.5x): ${ratio >= 0.5 ? 'met' : 'NOT met'}`)
  }
  console.log(`start-up: patrol --version in ${(startSeconds * 1000).toFixed(0)} ms`)
}

/** The scanner in this process against one combined RegExp, on the pieces the CLI makes. */
async function inProcess(corpus: Corpus): Promise<void> {
  const bytes = corpus.bytes.length
  const pieces = await piecesOf(corpus.bytes)
  const runPatrol = (): LocatedFinding[] => {
    const scanner = new DiffScanner({ bytes: true })
    const all: LocatedFinding[] = []
    for (const p of pieces) for (const f of scanner.scan(p)) all.push(f)
    return all
  }
  const runBaseline = (): string[] => {
    const matches: string[] = []
    for (const p of pieces) for (const m of p.matchAll(BASELINE)) matches.push(m[0])
    return matches
  }
  let found: LocatedFinding[] = []
  let baselineMatches: string[] = []
  let patrolSeconds = Number.POSITIVE_INFINITY
  let baselineSeconds = Number.POSITIVE_INFINITY
  for (let round = 0; round < ROUNDS; round++) {
    const [f, ps] = timeIt(runPatrol)
    const [m, bs] = timeIt(runBaseline)
    found = f
    baselineMatches = m
    patrolSeconds = Math.min(patrolSeconds, ps)
    baselineSeconds = Math.min(baselineSeconds, bs)
  }
  const key = (path: string, line: number, secret: string): string => `${path}\0${line}\0${secret}`
  const foundKeys = new Set(found.map((f) => key(f.path, f.line, f.secret)))
  const missed = corpus.planted.filter((p) => !foundKeys.has(key(p.path, p.line, p.secret)))
  const baselineSet = new Set(baselineMatches)
  const baselineFound = corpus.planted.filter((p) =>
    [...baselineSet].some((m) => p.secret.includes(m) || m.includes(p.secret.slice(4, 40))),
  ).length
  const patrolRate = bytes / 1024 / 1024 / patrolSeconds
  const baselineRate = bytes / 1024 / 1024 / baselineSeconds
  console.log(`in process, best of ${ROUNDS} rounds (pieces of ${PIECE} bytes, as the command cuts them):`)
  console.log(
    `DiffScanner:           ${patrolRate.toFixed(0)} MB/s  (${patrolSeconds.toFixed(2)} s), planted found at their path and line ${corpus.planted.length - missed.length}/${corpus.planted.length}`,
  )
  console.log(
    `baseline (one RegExp): ${baselineRate.toFixed(0)} MB/s  (${baselineSeconds.toFixed(2)} s), ${baselineMatches.length} matches, planted found ${baselineFound}/${corpus.planted.length}`,
  )
  console.log(`ratio: ${(patrolRate / baselineRate).toFixed(1)}x the baseline`)
  const byEncoding = new Map<string, [number, number]>()
  for (const p of corpus.planted) {
    const e = byEncoding.get(p.encoding) ?? [0, 0]
    e[1]++
    if (!missed.includes(p)) e[0]++
    byEncoding.set(p.encoding, e)
  }
  console.log(`planted by encoding: ${[...byEncoding].map(([e, [f, n]]) => `${e} ${f}/${n}`).join(', ')}`)
  for (const m of missed.slice(0, 10)) console.log(`  missed ${m.kind} (${m.encoding}) at ${m.path}:${m.line}`)
  const targets = patrolRate >= 200 && patrolRate / baselineRate >= 5 && missed.length === 0
  console.log(
    `in-process targets (>=200 MB/s, >=5x baseline, every planted token found): ${targets ? 'met' : 'NOT met'}`,
  )
}

await main()
