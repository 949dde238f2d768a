/**
 * What `patrol scan` prints: findings grouped by file with what to do (text), the documented JSON shape, or SARIF 2.1.0
 * for GitHub code scanning. Secrets are shown redacted; raw only in text and JSON with
 * `--show-secrets`, and never in SARIF (it is made to be uploaded).
 *
 * @example
 * process.stdout.write(renderJson(findings, stats, { showSecrets: false }))
 */
import type { Log, ReportingDescriptor, Result } from 'sarif'
import { KINDS, kindOf, TOKEN_KIND_IDS, type TokenKindRecord } from '../kinds/index.js'
import { PLATFORM_LABELS } from '../platforms/ids.js'
import { type LocatedFinding, redact } from '../scan/index.js'
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

/** True when the finding is a token others publish as an example (src/kinds/published-examples.ts). */
function published(f: LocatedFinding): boolean {
  return f.tags?.includes('published-example') ?? false
}

function preview(f: LocatedFinding): string {
  return redact(f.secret, kindOf(f.kind).redaction)
}

function shown(f: LocatedFinding, options: RenderOptions): string {
  return options.showSecrets ? f.secret : preview(f)
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
      const tags = f.tags?.length ? `  [${f.tags.join(',')}]` : ''
      out.push(`  ${f.line}:${f.column}  ${f.kind}  ${f.confidence}  ${shown(f, options)}${encoded}${commit}${tags}\n`)
    }
    out.push('\n')
  }
  const high = findings.filter((f) => f.confidence === 'high')
  // One line per kind found, from the catalog: what it is and where its owner revokes it.
  const kinds = KINDS.filter((k) => high.some((f) => f.kind === k.id))
  if (findings.length > 0) out.push('What to do:\n')
  for (const kind of kinds) out.push(`  ${kind.label}: revoke it now (${kind.manage}).\n`)
  if (kinds.length > 0) out.push(`  ${AFTER_REVOKING}\n`)
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
      preview: preview(f),
      secretSha256: secretSha256(f.secret),
      tags: f.tags ?? [],
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

function rule(kind: TokenKindRecord): ReportingDescriptor {
  const name = kind.label
  const issuer = PLATFORM_LABELS[kind.issuer]
  const action = kind.revocation.revocable
    ? `Revoke the token in ${issuer} now`
    : `${issuer} cannot revoke it (${kind.revocation.reason}): replace it now`
  return {
    id: kind.id,
    name: kind.id
      .split('-')
      .map((w) => (w[0] ?? '').toUpperCase() + w.slice(1))
      .join(''),
    shortDescription: { text: `${name} leaked` },
    fullDescription: {
      text: `A ${name} was found in the scanned text. High confidence: ${kind.confidence.high}. Low confidence: ${kind.confidence.low}.`,
    },
    help: {
      text: `${action}, then remove it from the code and its history. Treat it as compromised: anyone who could read this text could use it.`,
    },
    defaultConfiguration: { level: 'error' },
    properties: { tags: ['security', 'secret', kind.issuer], precision: 'very-high', 'security-severity': '9.0' },
  }
}

export function renderSarif(findings: LocatedFinding[], version: string): string {
  const rules = KINDS.map(rule)
  const results: Result[] = findings.map((f) => {
    const result: Result = {
      ruleId: f.kind,
      ruleIndex: TOKEN_KIND_IDS.indexOf(f.kind),
      level: f.confidence === 'high' ? 'error' : 'warning',
      message: {
        text:
          `${kindOf(f.kind).label} ${preview(f)} (${f.confidence === 'high' ? 'checksum valid' : 'shape only, no valid checksum'}` +
          `${f.encoding === 'plain' ? '' : `, encoded: ${f.encoding}`}${published(f) ? ', a published example' : ''}).`,
      },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: encodeURI(f.path) },
            region: { startLine: f.line, startColumn: f.column },
          },
        },
      ],
      properties: {
        confidence: f.confidence,
        encoding: f.encoding,
        ...(f.commit ? { commit: f.commit } : {}),
        ...(f.tags ? { tags: f.tags } : {}),
      },
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
