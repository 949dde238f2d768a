/**
 * What `patrol scan` prints: a line per finding (text), the documented JSON shape, or SARIF 2.1.0
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

export interface ScanStats {
  bytes: number
  files: number
  seconds: number
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

export function renderText(findings: LocatedFinding[], stats: ScanStats, options: RenderOptions): string {
  const lines = findings.map((f) => {
    const where = `${f.path}:${f.line}:${f.column}`
    const commit = f.commit ? `  commit ${f.commit.slice(0, 12)}` : ''
    const tags = f.tags ? `  [${f.tags.join(',')}]` : ''
    return `${where}  ${f.kind}  ${f.confidence}  ${f.encoding}  ${shown(f, options)}${commit}${tags}\n`
  })
  const high = findings.filter((f) => f.confidence === 'high').length
  const summary =
    `${findings.length} finding${findings.length === 1 ? '' : 's'} (${high} high confidence) in ` +
    `${stats.files} file${stats.files === 1 ? '' : 's'}, ${stats.bytes} bytes, ${stats.seconds.toFixed(2)} s\n`
  return lines.join('') + summary
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
      tags: f.tags ?? [],
      ...(options.showSecrets ? { secret: f.secret } : {}),
    })),
    stats: { bytes: stats.bytes, files: stats.files, seconds: Number(stats.seconds.toFixed(3)) },
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
