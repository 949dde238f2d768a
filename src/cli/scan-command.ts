/**
 * `patrol scan`: find Azure DevOps and GitHub tokens in files, folders, standard input, a diff or a
 * repository's history, validated offline. Arguments are parsed with node:util's parseArgs
 * (built in, strict: an unknown option is a usage error, exit code 2).
 *
 * @example
 * // $ git diff | patrol scan --diff
 * // $ patrol scan --staged                     (a pre-commit hook)
 * // $ patrol scan --git origin/main..HEAD --format sarif > patrol.sarif
 * await runScan(['--format', 'json', 'src'])
 */
import { parseArgs } from 'node:util'
import type { LocatedFinding, ScanOptions } from '../scan/index.js'
import { baselineKey, loadBaseline } from './baseline.js'
import { InputError, type Sink, scanFile, scanGit, scanStaged, scanStream, standardInput, walk } from './inputs.js'
import { startProgress } from './progress.js'
import { renderJson, renderSarif, renderText } from './report.js'
import { REPORTER_TOKEN_VARIABLE, ReportError, reportFindings } from './report-findings.js'
import { packageVersion } from './version.js'

export const USAGE = `Usage: patrol scan [options] [PATH...]

Find Azure DevOps and GitHub tokens, validated offline by their checksums.

  PATH...              files and folders to scan (.git, node_modules and binary files are
                       skipped); '-' or no PATH reads standard input
  --diff               treat the input as a unified diff (git diff, git log -p) and scan only
                       added lines, reported by path and new-file line number
  --git [RANGE...]     scan 'git log -p RANGE' (default --all) of the current repository
  --all                with --git: every ref (the default when no RANGE is given)
  --staged             scan what 'git add' staged (added lines only): for a pre-commit hook
  --baseline FILE      leave out findings already in FILE, an earlier '--format json' output
                       (matched on path, kind and the token's SHA-256; it holds no token)
  --format FORMAT      text (default), json, or sarif (SARIF 2.1.0 for code scanning)
  --include-low        also report shape matches whose checksum fails (low confidence)
  --show-secrets       print raw tokens instead of redacted previews (text and json only)
  --report URL         send high-confidence findings (with their tokens, for revocation) to the
                       patrol service at URL, authenticated with PATROL_REPORTER_TOKEN; the
                       repository is the 'origin' remote's
  -h, --help           show this help

Exit codes: 0 nothing of high confidence found, 1 found, 2 usage or input error.
'patrol --version' prints patrol's version.
`

const FORMATS = ['text', 'json', 'sarif'] as const
type Format = (typeof FORMATS)[number]

function usageError(message: string): number {
  process.stderr.write(`patrol scan: ${message}\n\n${USAGE}`)
  return 2
}

export async function runScan(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseScanArgs>
  try {
    parsed = parseScanArgs(argv)
  } catch (e) {
    return usageError((e as Error).message)
  }
  const { values, positionals } = parsed
  if (values.help) {
    process.stdout.write(USAGE)
    return 0
  }
  const format = values.format as Format
  if (!FORMATS.includes(format))
    return usageError(`--format must be one of ${FORMATS.join(', ')}, not '${values.format}'`)
  if (values.git && values.diff) return usageError('--git already reads a diff; do not combine it with --diff')
  if (values.all && !values.git) return usageError('--all goes with --git (every ref of the history)')
  if (values.staged && (values.git || values.diff || positionals.length > 0))
    return usageError('--staged reads what git staged; do not combine it with --git, --diff or paths')
  const reporterToken = process.env[REPORTER_TOKEN_VARIABLE]
  if (values.report !== undefined) {
    if (!URL.canParse(values.report) || !/^https?:$/.test(new URL(values.report).protocol))
      return usageError('--report expects the URL of a patrol service (http:// or https://)')
    if (!reporterToken) return usageError(`--report needs a reporter token in ${REPORTER_TOKEN_VARIABLE}`)
  }

  const options: ScanOptions = { includeLow: values['include-low'] }
  const findings: LocatedFinding[] = []
  const stats = { bytes: 0, files: 0, findings: 0 }
  const errors: string[] = []
  const sink: Sink = {
    options,
    found(batch) {
      for (const f of batch) findings.push(f)
      stats.findings += batch.length
    },
    bytes(n) {
      stats.bytes += n
    },
    file() {
      stats.files++
    },
  }
  const onError = (message: string): void => {
    errors.push(message)
    process.stderr.write(`patrol scan: ${message}\n`)
  }

  const started = performance.now()
  const progress = startProgress(stats)
  let known: Set<string> | undefined
  try {
    if (values.baseline !== undefined) known = loadBaseline(values.baseline)
    if (values.staged) {
      await scanStaged(sink)
    } else if (values.git) {
      await scanGit(values.all ? ['--all', ...positionals] : positionals, sink)
    } else if (positionals.length === 0 || (positionals.length === 1 && positionals[0] === '-')) {
      sink.file()
      await scanStream(standardInput(), '-', values.diff, sink)
    } else {
      if (positionals.includes('-')) return usageError("'-' (standard input) cannot be mixed with paths")
      for await (const path of walk(positionals, onError)) {
        try {
          await scanFile(path, values.diff, sink)
        } catch (e) {
          onError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)
        }
      }
    }
  } catch (e) {
    progress.stop()
    if (e instanceof InputError) {
      process.stderr.write(`patrol scan: ${e.message}\n`)
      return 2
    }
    throw e
  }
  progress.stop()

  const seconds = (performance.now() - started) / 1000
  const reported = known ? findings.filter((f) => !known.has(baselineKey(f))) : findings
  const result = { bytes: stats.bytes, files: stats.files, seconds, baselined: findings.length - reported.length }
  const render = { showSecrets: values['show-secrets'] }
  const output =
    format === 'json'
      ? renderJson(reported, result, render)
      : format === 'sarif'
        ? renderSarif(reported, packageVersion())
        : renderText(reported, result, render)
  await new Promise<void>((resolve) => process.stdout.write(output, () => resolve()))
  if (values.report !== undefined && reporterToken) {
    try {
      const summary = await reportFindings(reported, { url: values.report, token: reporterToken, cwd: process.cwd() })
      if (summary.refused) errors.push('some findings were refused')
    } catch (e) {
      if (!(e instanceof ReportError)) throw e
      process.stderr.write(`patrol scan: --report: ${e.message}\n`)
      return 2
    }
  }
  if (reported.some((f) => f.confidence === 'high')) return 1
  return errors.length > 0 ? 2 : 0
}

function parseScanArgs(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      diff: { type: 'boolean', default: false },
      git: { type: 'boolean', default: false },
      all: { type: 'boolean', default: false },
      staged: { type: 'boolean', default: false },
      baseline: { type: 'string' },
      format: { type: 'string', default: 'text' },
      'include-low': { type: 'boolean', default: false },
      'show-secrets': { type: 'boolean', default: false },
      report: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
}
