/**
 * `--baseline FILE`: findings already known are left out of the report and the exit code, as gitleaks'
 * baseline does. The baseline is an earlier `patrol scan --format json` output. It holds no raw token:
 * a finding is matched on its path, its kind and the SHA-256 of the token (`secretSha256`), not on its
 * line, so known findings stay known when lines above them move. The same token in another file, or a
 * new token in the same file, is reported.
 *
 * @example
 * // $ patrol scan --format json . > .patrol-baseline.json
 * // $ patrol scan --baseline .patrol-baseline.json .
 * const known = loadBaseline('.patrol-baseline.json')
 * const fresh = findings.filter((f) => !known.has(baselineKey(f)))
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { LocatedFinding } from '../scan/index.js'
import { InputError } from './inputs.js'

/** SHA-256 (hex) of a token: enough to recognise it again, useless to anyone who reads the baseline. */
export function secretSha256(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex')
}

interface Keyed {
  path: string
  kind: string
  secretSha256: string
}

function key(f: Keyed): string {
  return JSON.stringify([f.path, f.kind, f.secretSha256])
}

export function baselineKey(f: LocatedFinding): string {
  return key({ path: f.path, kind: f.kind, secretSha256: secretSha256(f.secret) })
}

function isKeyed(f: unknown): f is Keyed {
  const o = f as Partial<Keyed> | null
  return (
    typeof o === 'object' &&
    o !== null &&
    typeof o.path === 'string' &&
    typeof o.kind === 'string' &&
    typeof o.secretSha256 === 'string' &&
    /^[0-9a-f]{64}$/.test(o.secretSha256)
  )
}

/** The keys of the findings in a baseline file; a missing or malformed file is an input error. */
export function loadBaseline(file: string): Set<string> {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (e) {
    throw new InputError(`cannot read baseline ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)
  }
  let findings: unknown
  try {
    findings = (JSON.parse(text) as { findings?: unknown }).findings
  } catch {
    throw new InputError(`baseline ${file} is not JSON; make it with 'patrol scan --format json'`)
  }
  if (!Array.isArray(findings) || !findings.every(isKeyed))
    throw new InputError(
      `baseline ${file} needs a 'findings' list whose entries have path, kind and secretSha256; make it with 'patrol scan --format json'`,
    )
  return new Set(findings.map(key))
}
