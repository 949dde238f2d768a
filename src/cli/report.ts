/**
 * What `patrol scan` prints: findings grouped by file with what to do (text), the documented JSON shape, or SARIF 2.1.0
 * for GitHub code scanning. Secrets are shown redacted; raw only in text and JSON with
 * `--show-secrets`, and never in SARIF (it is made to be uploaded).
 *
 * @example
 * process.stdout.write(renderJson(findings, stats, { showSecrets: false }))
 */
import type { Log, ReportingDescriptor, Result } from 'sarif'
import { PLATFORM_LABELS } from '../platforms/ids.js'
import { type Issuer, issuerOf, type LocatedFinding, redact, TOKEN_KINDS, type TokenKind } from '../scan/index.js'
import { secretSha256 } from './baseline.js'

export interface ScanStats {
  bytes: number
  files: number
  seconds: number
  /** Findings left out because the baseline knows them. */
  baselined?: number
}

export interface RenderOptions {
  showSecrets: boolean
}

/** Human names of each kind, for text output and SARIF rules. */
export const KIND_NAMES: Record<TokenKind, string> = {
  'azure-devops-pat': 'Azure DevOps personal access token',
  'azure-devops-pat-legacy': 'Azure DevOps personal access token (legacy 52-character format)',
  'github-classic-pat': 'GitHub personal access token (classic)',
  'github-oauth': 'GitHub OAuth access token',
  'github-app-user': 'GitHub App user access token',
  'github-app-installation': 'GitHub App installation access token',
  'github-refresh': 'GitHub refresh token',
  'github-fine-grained-pat': 'GitHub fine-grained personal access token',
}

function shown(f: LocatedFinding, options: RenderOptions): string {
  return options.showSecrets ? f.secret : redact(f.secret)
}

/** What to do about a finding, per issuer: shown once under the text report for each issuer found. */
export const ADVICE: Record<Issuer, string> = {
  github:
    'GitHub token: revoke it now. Its owner does so under Settings → Developer settings → Personal access tokens ' +
    '(https://github.com/settings/tokens), or Settings → Applications for OAuth and GitHub App tokens; anyone ' +
    "holding it can report it to GitHub's POST /credentials/revoke.",
  'azure-devops':
    'Azure DevOps token: revoke it now. Its owner does so under User settings → Personal access tokens; a Project ' +
    'Collection Administrator can revoke it through the Token Admin API.',
}
const AFTER_REVOKING =
  'Then remove it from the code. A committed token stays in the history: revoking is what makes it harmless. ' +
  'A finding you have dealt with can be recorded in a baseline (--baseline).'
const LOW_ADVICE = 'low: the shape matches but the checksum fails; most likely not a real token.'

/** Findings grouped by file (in order of first appearance), each with its line, kind and redacted token. */
export function renderText(findings: LocatedFinding[], stats: ScanStats, options: RenderOptions): string {
  // Not Map.groupBy: Node 20 lacks it.
  const byPath = new Map<string, LocatedFinding[]>()
  for (const f of findings) {
    const group = byPath.get(f.path)
    if (group) group.push(f)
    else byPath.set(f.path, [f])
  }
  const out: string[] = []
  for (const [path, group] of byPath) {
    out.push(`${path}\n`)
    for (const f of group) {
      const encoded = f.encoding === 'plain' ? '' : `  (${f.encoding})`
      const commit = f.commit ? `  commit ${f.commit.slice(0, 12)}` : ''
      out.push(`  ${f.line}:${f.column}  ${f.kind}  ${f.confidence}  ${shown(f, options)}${encoded}${commit}\n`)
    }
    out.push('\n')
  }
  const high = findings.filter((f) => f.confidence === 'high')
  const issuers = [...new Set(high.map((f) => issuerOf(f.kind)))].sort()
  if (findings.length > 0) out.push('What to do:\n')
  for (const issuer of issuers) out.push(`  ${ADVICE[issuer]}\n`)
  if (issuers.length > 0) out.push(`  ${AFTER_REVOKING}\n`)
  if (high.length < findings.length) out.push(`  ${LOW_ADVICE}\n`)
  if (findings.length > 0) out.push('\n')
  const baselined = stats.baselined ? `, ${stats.baselined} known from the baseline not shown` : ''
  out.push(
    `${findings.length} finding${findings.length === 1 ? '' : 's'} (${high.length} high confidence) in ` +
      `${stats.files} file${stats.files === 1 ? '' : 's'}, ${stats.bytes} bytes, ${stats.seconds.toFixed(2)} s${baselined}\n`,
  )
  return out.join('')
}

export function renderJson(findings: LocatedFinding[], stats: ScanStats, options: RenderOptions): string {
  const out = {
    findings: findings.map((f) => ({
      kind: f.kind,
      confidence: f.confidence,
      path: f.path,
      line: f.line,
      column: f.column,
      commit: f.commit ?? null,
      encoding: f.encoding,
      preview: redact(f.secret),
      secretSha256: secretSha256(f.secret),
      ...(options.showSecrets ? { secret: f.secret } : {}),
    })),
    stats: {
      bytes: stats.bytes,
      files: stats.files,
      seconds: Number(stats.seconds.toFixed(3)),
      baselined: stats.baselined ?? 0,
    },
  }
  return `${JSON.stringify(out, null, 2)}\n`
}

function rule(kind: TokenKind): ReportingDescriptor {
  const name = KIND_NAMES[kind]
  const issuer = PLATFORM_LABELS[issuerOf(kind)]
  return {
    id: kind,
    name: kind
      .split('-')
      .map((w) => (w[0] ?? '').toUpperCase() + w.slice(1))
      .join(''),
    shortDescription: { text: `${name} leaked` },
    fullDescription: {
      text: `A ${name} was found in the scanned text. Patrol validates the token's checksum offline; a high-confidence finding is a real token.`,
    },
    help: {
      text: `Revoke the token in ${issuer} now, then remove it from the code and its history. Treat it as compromised: anyone who could read this text could use it.`,
    },
    defaultConfiguration: { level: 'error' },
    properties: { tags: ['security', 'secret', issuerOf(kind)], precision: 'very-high', 'security-severity': '9.0' },
  }
}

export function renderSarif(findings: LocatedFinding[], version: string): string {
  const rules = TOKEN_KINDS.map(rule)
  const results: Result[] = findings.map((f) => {
    const result: Result = {
      ruleId: f.kind,
      ruleIndex: TOKEN_KINDS.indexOf(f.kind),
      level: f.confidence === 'high' ? 'error' : 'warning',
      message: {
        text:
          `${KIND_NAMES[f.kind]} ${redact(f.secret)} (${f.confidence === 'high' ? 'checksum valid' : 'shape only, checksum fails'}` +
          `${f.encoding === 'plain' ? '' : `, encoded: ${f.encoding}`}).`,
      },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: encodeURI(f.path) },
            region: { startLine: f.line, startColumn: f.column },
          },
        },
      ],
      properties: { confidence: f.confidence, encoding: f.encoding, ...(f.commit ? { commit: f.commit } : {}) },
    }
    return result
  })
  const log: Log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'patrol', version, rules } },
        results,
      },
    ],
  }
  return `${JSON.stringify(log, null, 2)}\n`
}
