/**
 * GitHub tokens, validated offline.
 *
 * - `ghp_` `gho_` `ghu_` `ghs_` (40 characters) and `ghr_` (80): the last 6 characters are
 *   base62(CRC32(body)), left-padded with `0` (GitHub's 2021 token-format post).
 * - `github_pat_` + 22 + `_` + 59 (93 characters): characters 77..85 are the first 8 of
 *   base32(SHA-256(first 77 characters)) (reverse-engineered by Kingfisher; holds on real tokens).
 * - `ghs_<app id>_<JWT>` (installation tokens from 2026): GitHub signs them and there is no checksum,
 *   so they are only ever `low` (a fixture whose JWT merely parses must not become an incident).
 *
 * Which prefix is which kind, and how long it is, comes from the catalog (src/kinds). A token glued
 * after a word character (`nawak_ghp_…`) is reported only when its checksum holds: the checksum
 * makes that safe, while shape-only (low) matches keep the word boundary.
 *
 * Sources: docs/reference/token-formats.md §2.
 *
 * @example
 * githubTokenAt('x ghp_…', 2, false) // { kind: 'github-classic-pat', confidence: 'high', secret: 'ghp_…' }
 */

import { detectorsOf } from '../../kinds/index.js'
import { ALNUM, BASE64URL, isIn, WORD } from '../chars.js'
import { base32Encode } from '../checksums/base32.js'
import { base62Padded } from '../checksums/base62.js'
import { base64Decode } from '../checksums/base64.js'
import { crc32Ascii } from '../checksums/crc32.js'
import { sha256 } from '../checksums/sha256.js'
import { escapeEndingAt } from '../escapes.js'
import type { Detection } from '../hit.js'
import type { TokenKind } from '../types.js'

/** Every GitHub token starts with these two letters; the scanner finds them with indexOf. */
export const GITHUB_PREFIX = 'gh'

/** `gh?_` prefixes by their third letter (the engine finds `gh`, the letter picks the kind). */
const CLASSIC: Record<string, { kind: TokenKind; length: number }> = {}
for (const { kind, detector } of detectorsOf('github-prefixed')) {
  if (detector.prefix.length !== 4) throw new Error(`${kind}: a github-prefixed prefix is gh + one letter + _`)
  CLASSIC[detector.prefix[2]!] = { kind, length: detector.length }
}
const FINE_GRAINED_KIND = detectorsOf('github-fine-grained')[0]?.kind
const JWT_KIND = detectorsOf('github-installation-jwt')[0]?.kind

/** Fine-grained PATs do not contain `gh`; they get their own literal search. */
export const FINE_GRAINED_PREFIX = 'github_pat_'
const FINE_GRAINED_LENGTH = 93
/** The checksummed part: `github_pat_` + id + `_` + body. */
const FINE_GRAINED_SIGNED = 77
/** JWT tokens are long (about 520 characters); anything far beyond is not one token. */
const MAX_JWT_LENGTH = 8192

/** True when a `gh?_` token's last 6 characters are base62(CRC32(body)). */
export function validateGithubClassic(token: string): boolean {
  const spec = CLASSIC[token[2] ?? '']
  if (!spec || token.length !== spec.length || token[3] !== '_') return false
  return token.slice(-6) === base62Padded(crc32Ascii(token, 4, token.length - 6), 6)
}

/** True when a fine-grained PAT's characters 77..85 are base32(SHA-256(first 77))[0..8]. */
export function validateFineGrainedPat(token: string): boolean {
  if (token.length !== FINE_GRAINED_LENGTH || !token.startsWith(FINE_GRAINED_PREFIX)) return false
  const signed = new Uint8Array(FINE_GRAINED_SIGNED)
  for (let i = 0; i < FINE_GRAINED_SIGNED; i++) signed[i] = token.charCodeAt(i) & 0xff
  return base32Encode(sha256(signed)).slice(0, 8) === token.slice(FINE_GRAINED_SIGNED, FINE_GRAINED_SIGNED + 8)
}

/**
 * True when the JWT of a `ghs_<id>_<jwt>` token has a JSON header with `alg` and a JSON payload.
 * Not a checksum: fabricated tokens pass it too, so it never makes a finding high.
 */
export function validateGhsJwt(token: string): boolean {
  const m = /^ghs_[0-9]{1,20}_([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{16,})$/.exec(token)
  if (!m) return false
  const header = jsonObject(m[1] ?? '')
  return header !== undefined && typeof header.alg === 'string' && jsonObject(m[2] ?? '') !== undefined
}

function jsonObject(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(base64Decode(segment)))
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined
  } catch {
    return undefined
  }
}

function alnumRun(text: string, from: number, to: number): boolean {
  if (to > text.length) return false
  for (let i = from; i < to; i++) if (!isIn(ALNUM, text.charCodeAt(i))) return false
  return true
}

/** `low` findings are wanted and the token starts at a word boundary. */
type LowAllowed = boolean

function detection(kind: TokenKind, valid: boolean, secret: string, low: LowAllowed): Detection | undefined {
  if (!valid && !low) return undefined
  return { kind, confidence: valid ? 'high' : 'low', secret }
}

/** The GitHub token starting at `at` (where `gh` or `github_pat_` was found), if the text there has a token's shape. */
export function githubTokenAt(text: string, at: number, includeLow: boolean): Detection | undefined {
  if (text.charCodeAt(at + 3) !== 0x5f /* _ */ && text.charCodeAt(at + 2) !== 0x74 /* t */) return undefined
  // `user%3Aghp_…`: the character before is the end of an escape, which is a boundary.
  const glued = at > 0 && isIn(WORD, text.charCodeAt(at - 1)) && !escapeEndingAt(text, at - 1)
  const low = includeLow && !glued
  const letter = text[at + 2] ?? ''
  if (text.charCodeAt(at + 3) === 0x5f /* _ */) {
    const spec = CLASSIC[letter]
    if (!spec) return undefined
    const end = at + spec.length
    if (alnumRun(text, at + 4, end) && !isIn(WORD, text.charCodeAt(end))) {
      const secret = text.slice(at, end)
      return detection(spec.kind, validateGithubClassic(secret), secret, low)
    }
    return letter === 's' && low ? ghsJwtAt(text, at) : undefined
  }
  if (letter === 't' && text.startsWith(FINE_GRAINED_PREFIX, at)) return fineGrainedAt(text, at, low)
  return undefined
}

function fineGrainedAt(text: string, at: number, low: LowAllowed): Detection | undefined {
  if (!FINE_GRAINED_KIND) return undefined
  const id = at + FINE_GRAINED_PREFIX.length
  const c = text.charCodeAt(id)
  if (c < 0x30 || c > 0x39) return undefined
  if (!alnumRun(text, id + 1, id + 22) || text.charCodeAt(id + 22) !== 0x5f) return undefined
  const end = at + FINE_GRAINED_LENGTH
  if (!alnumRun(text, id + 23, end) || isIn(WORD, text.charCodeAt(end))) return undefined
  const secret = text.slice(at, end)
  return detection(FINE_GRAINED_KIND, validateFineGrainedPat(secret), secret, low)
}

/**
 * `ghs_<digits>_<seg>.<seg>.<seg>`: the 2026 installation-token format, always `low`. It has no
 * checksum (GitHub signs it), so a parsing JWT proves nothing: scanners' test suites ship
 * fabricated ones. Called only when low findings are wanted.
 */
function ghsJwtAt(text: string, at: number): Detection | undefined {
  if (!JWT_KIND) return undefined
  let i = at + 4
  const digitsFrom = i
  while (i < text.length && i - digitsFrom <= 20 && text.charCodeAt(i) >= 0x30 && text.charCodeAt(i) <= 0x39) i++
  if (i === digitsFrom || i - digitsFrom > 20 || text.charCodeAt(i) !== 0x5f) return undefined
  i++
  const limit = Math.min(text.length, at + MAX_JWT_LENGTH)
  for (let segment = 0; segment < 3; segment++) {
    const from = i
    while (i < limit && isIn(BASE64URL, text.charCodeAt(i))) i++
    if (i === from) return undefined
    if (segment < 2) {
      if (text.charCodeAt(i) !== 0x2e /* . */) return undefined
      i++
    }
  }
  if (i < text.length && isIn(BASE64URL, text.charCodeAt(i))) return undefined
  // A fourth segment means something else (a JWE, a dotted identifier): not this token.
  if (text.charCodeAt(i) === 0x2e && isIn(BASE64URL, text.charCodeAt(i + 1))) return undefined
  const secret = text.slice(at, i)
  return { kind: JWT_KIND, confidence: 'low', secret }
}
