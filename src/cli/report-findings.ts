/**
 * `patrol scan --report URL`: hands the scan's high-confidence findings, raw tokens included, to a running patrol's
 * `POST /api/findings` (src/http/routes/findings.ts) so that they are recorded and revoked like a push's. Authenticated
 * with a reporter token from `PATROL_REPORTER_TOKEN`. The repository and platform come from the `origin` remote
 * (a mirror clone keeps it), each commit's time from git, for the service's `PATROL_HISTORY_RESPONSE`. Sends batches,
 * with a progress bar on standard error and a summary (sent, recorded, duplicates, refused). The service records
 * each token and place once, so an interrupted run is simply run again. Tokens never reach standard error.
 *
 * @example
 * const summary = await reportFindings(findings, { url: 'https://patrol.example', token, cwd: process.cwd() })
 * // stderr: patrol: sent 12 findings to https://patrol.example: 10 recorded, 2 duplicates, 0 refused
 */
import { execFileSync } from 'node:child_process'
import type { PlatformId } from '../platforms/ids.js'
import type { LocatedFinding } from '../scan/index.js'

export const REPORTER_TOKEN_VARIABLE = 'PATROL_REPORTER_TOKEN'
const BATCH = 500

export interface ReportTarget {
  /** The patrol service's base URL. */
  url: string
  token: string
  /** The repository the scan ran in; its `origin` names the repository. */
  cwd: string
  stream?: NodeJS.WriteStream
  fetch?: typeof fetch
}

export interface ReportSummary {
  sent: number
  recorded: number
  duplicates: number
  refused: number
  /** Why each refused finding was refused, by its location (never its token). */
  refusals: string[]
}

export class ReportError extends Error {}

interface Origin {
  platform?: PlatformId
  repository?: string
}

/** The platform and repository an `origin` URL names: GitHub `owner/name`, Azure Repos `project/name`. */
export function repositoryOf(remote: string): Origin {
  const url = remote.trim().replace(/\.git$/, '')
  const azure =
    /^(?:https?:\/\/)?(?:[^@/]+@)?dev\.azure\.com\/[^/]+\/([^/]+)\/_git\/([^/?#]+)/.exec(url) ??
    /^(?:https?:\/\/)?(?:[^@/]+@)?[^/.]+\.visualstudio\.com\/(?:DefaultCollection\/)?([^/]+)\/_git\/([^/?#]+)/.exec(
      url,
    ) ??
    /^(?:ssh:\/\/)?[^@]+@(?:ssh\.dev\.azure\.com|vs-ssh\.visualstudio\.com):(?:22\/)?v3\/[^/]+\/([^/]+)\/([^/]+)$/.exec(
      url,
    )
  if (azure)
    return {
      platform: 'azure-devops',
      repository: `${decodeURIComponent(azure[1]!)}/${decodeURIComponent(azure[2]!)}`,
    }
  const github = /^(?:https?:\/\/(?:[^@/]+@)?|ssh:\/\/git@|git@)([^/:]+)[/:]([^/]+)\/([^/]+)$/.exec(url)
  if (github && /github/i.test(github[1]!)) return { platform: 'github', repository: `${github[2]}/${github[3]}` }
  return {}
}

function git(cwd: string, args: string[]): string | undefined {
  try {
    return execFileSync('git', args, { cwd, stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 << 20 }).toString()
  } catch {
    return undefined
  }
}

/** Each commit's committer time (ISO 8601), asked of git in chunks. */
function commitTimes(cwd: string, commits: string[]): Map<string, string> {
  const times = new Map<string, string>()
  for (let i = 0; i < commits.length; i += 200) {
    const out = git(cwd, ['show', '-s', '--format=%H %cI', ...commits.slice(i, i + 200)]) ?? ''
    for (const line of out.split('\n')) {
      const [sha, at] = line.split(' ')
      if (sha && at) times.set(sha, at)
    }
  }
  return times
}

function progressBar(done: number, total: number): string {
  const width = 30
  const filled = total ? Math.round((done / total) * width) : width
  return `[${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${done}/${total}`
}

export async function reportFindings(findings: LocatedFinding[], target: ReportTarget): Promise<ReportSummary> {
  const stream = target.stream ?? process.stderr
  const send = target.fetch ?? fetch
  const endpoint = new URL('/api/findings', target.url).href
  const high = findings.filter((f) => f.confidence === 'high')
  const origin = repositoryOf(git(target.cwd, ['remote', 'get-url', 'origin']) ?? '')
  const times = commitTimes(target.cwd, [...new Set(high.flatMap((f) => (f.commit ? [f.commit] : [])))])
  // One finding per token and place, as the service records them.
  const unique = new Map<string, LocatedFinding>()
  for (const f of high) unique.set(`${f.secret}\0${f.commit ?? ''}\0${f.path}\0${f.line}`, f)
  const all = [...unique.values()]

  const summary: ReportSummary = { sent: 0, recorded: 0, duplicates: 0, refused: 0, refusals: [] }
  const show = () =>
    stream.write(
      stream.isTTY
        ? `\r\x1b[Kpatrol: reporting ${progressBar(summary.sent, all.length)}`
        : `patrol: reporting ${summary.sent}/${all.length} findings\n`,
    )
  show()
  for (let i = 0; i < all.length; i += BATCH) {
    const batch = all.slice(i, i + BATCH)
    const body = {
      findings: batch.map((f) => ({
        kind: f.kind,
        secret: f.secret,
        ...(origin.platform ? { platform: origin.platform } : {}),
        ...(origin.repository ? { repository: origin.repository } : {}),
        ...(f.commit ? { commit: f.commit } : {}),
        ...(f.commit && times.has(f.commit) ? { committedAt: times.get(f.commit) } : {}),
        path: f.path,
        line: f.line,
        column: f.column,
        encoding: f.encoding,
      })),
    }
    let res: Response
    try {
      res = await send(endpoint, {
        method: 'POST',
        headers: { authorization: `Bearer ${target.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
    } catch (e) {
      throw new ReportError(`cannot reach ${endpoint}: ${(e as Error).message}`)
    }
    const answer = (await res.json().catch(() => ({}))) as {
      error?: string
      recorded?: number
      duplicates?: number
      refused?: number
      results?: { outcome: string; error?: string }[]
    }
    if (res.status !== 200)
      throw new ReportError(`${endpoint} answered ${res.status}: ${answer.error ?? 'no explanation'}`)
    summary.sent += batch.length
    summary.recorded += answer.recorded ?? 0
    summary.duplicates += answer.duplicates ?? 0
    summary.refused += answer.refused ?? 0
    for (const [j, r] of (answer.results ?? []).entries())
      if (r.outcome === 'refused') {
        const f = batch[j]!
        summary.refusals.push(`${f.path}:${f.line} ${f.kind}: ${r.error?.replace(/^findings\.\d+\./, '') ?? 'refused'}`)
      }
    show()
  }
  if (stream.isTTY) stream.write('\n')
  for (const refusal of summary.refusals) stream.write(`patrol: refused ${refusal}\n`)
  stream.write(
    `patrol: sent ${summary.sent} findings to ${target.url}: ${summary.recorded} recorded, ${summary.duplicates} duplicates, ${summary.refused} refused\n`,
  )
  return summary
}
