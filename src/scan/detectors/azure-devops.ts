/**
 * Azure DevOps personal access tokens, validated offline.
 *
 * - 84-character format (since July 2024): 52 random base62 characters, `JQQJ99`, year, month,
 *   reserved fields, `AZDO` at 76, then a Marvin32 checksum (seeded from "Default0") in 4
 *   characters, or 8 in the 88-character long form. Both checksum encodings that Microsoft's
 *   validator accepts (base62, and the older raw-bytes base64) are accepted here.
 * - legacy 52-character format: lower-case base32 of 32 bytes carrying a CRC32 of the other 28,
 *   XORed with a seed that tells the kind: the user-PAT seed (a legacy PAT) or the application
 *   seed (an application secret, not a PAT). The seeds and kinds come from the catalog (src/kinds).
 *
 * Layouts and sources: docs/reference/token-formats.md §1.
 *
 * @example
 * validateAdoPat(token) // true when the Marvin32 checksum holds
 * validateAdoLegacyPat('h5lx…') // true for a checksum-valid legacy PAT
 */

import { detectorsOf } from '../../kinds/index.js'
import { decodeBytes } from '../bytes.js'
import { ADO_TAIL, ALNUM, isIn } from '../chars.js'
import { base32Decode } from '../checksums/base32.js'
import { base62Bytes } from '../checksums/base62.js'
import { base64Decode, base64Encode } from '../checksums/base64.js'
import { crc32 } from '../checksums/crc32.js'
import { marvin32 } from '../checksums/marvin32.js'
import { escapeEndingAt } from '../escapes.js'
import type { Detection } from '../hit.js'
import type { TokenKind } from '../types.js'

/** The CASK signature plus the "org" bits and the PAT key kind; found with indexOf. */
export const ADO_PAT_SIGNATURE = 'JQQJ99'
/** Where the signature sits in the token. */
export const SIGNATURE_AT = 52
/** Length of a PAT in its short form (the long form adds `AA==`). */
export const ADO_PAT_LENGTH = 84
/** `ComputeHisV1ChecksumSeed("Default0")` = 0x44656661756c7430, as low and high halves. */
const SEED_LOW = 0x756c7430
const SEED_HIGH = 0x44656661

const PAT_KIND = detectorsOf('azure-devops-pat')[0]?.kind
/** Seeds XORed into the legacy format's CRC32 (`IdentifiableMetadata.cs`), and the kind each one means. */
const LEGACY_SEEDS = detectorsOf('azure-devops-legacy').map(({ kind, detector }) => ({ kind, seed: detector.seed }))
/** The kind a checksum-invalid legacy-format run is reported as (low): the first legacy kind, a PAT. */
const LEGACY_LOW_KIND = LEGACY_SEEDS[0]?.kind

/** Length of a legacy PAT: 52 base32 characters. */
export const ADO_LEGACY_LENGTH = 52

/** Marvin32 over the 60 bytes that the first 80 characters decode to, as little-endian bytes. */
function checksumBytes(token: string): number[] {
  const h = marvin32(base64Decode(token, 0, 80), SEED_LOW, SEED_HIGH)
  return [h & 0xff, (h >>> 8) & 0xff, (h >>> 16) & 0xff, h >>> 24]
}

/** True when an 84- or 88-character Azure DevOps PAT's checksum holds (shape is not checked here). */
export function validateAdoPat(token: string): boolean {
  if (token.length !== 84 && token.length !== 88) return false
  const le = checksumBytes(token)
  const b62 = base62Bytes(le).padEnd(6, '0')
  const stored = token.slice(80)
  if (token.length === 84) return stored === b62.slice(0, 4) || stored === base64Encode(le.slice(0, 3))
  // Long form: the 6 base62 characters re-encoded through base64 (the last loses its low 4 bits), then `==`.
  return stored === base64Encode(base64Decode(b62)) || stored === base64Encode(le)
}

/**
 * The 84/88-character PAT whose `JQQJ99` signature is at `at`, if the text there has the shape.
 * The boundaries follow Microsoft's pattern: no base62 character before, no base64 character after.
 */
export function adoPatAt(text: string, at: number, includeLow: boolean): Detection | undefined {
  const start = at - SIGNATURE_AT
  if (!PAT_KIND || start < 0 || at + 32 > text.length) return undefined
  // Glued after a base62 character: only a checksum-valid PAT is reported (the checksum keeps that safe).
  const glued = start > 0 && isIn(ALNUM, text.charCodeAt(start - 1)) && !escapeEndingAt(text, start - 1)
  for (let i = start; i < at; i++) if (!isIn(ALNUM, text.charCodeAt(i))) return undefined
  // JQQJ99 · key-kind'd year [A-Za-z0-9] · month [A-L] · 16 reserved · AZDO · 4 checksum
  if (!isIn(ALNUM, text.charCodeAt(at + 6))) return undefined
  const month = text.charCodeAt(at + 7)
  if (month < 0x41 || month > 0x4c) return undefined
  for (let i = at + 8; i < at + 24; i++) if (!isIn(ALNUM, text.charCodeAt(i))) return undefined
  if (!text.startsWith('AZDO', at + 24)) return undefined
  for (let i = at + 28; i < at + 32; i++) if (!isIn(ALNUM, text.charCodeAt(i))) return undefined
  let end = at + 32
  if (isIn(ALNUM, text.charCodeAt(end)) && isIn(ALNUM, text.charCodeAt(end + 1)) && text.startsWith('==', end + 2)) {
    end += 4
  }
  if (end < text.length && isIn(ADO_TAIL, text.charCodeAt(end))) return undefined
  const secret = text.slice(start, end)
  const valid = validateAdoPat(secret)
  if (!valid && (!includeLow || glued)) return undefined
  return { kind: PAT_KIND, confidence: valid ? 'high' : 'low', secret }
}

/** True when a 52-character legacy-format token (either case) carries a valid user-PAT or application CRC32. */
export function validateAdoLegacyPat(token: string): boolean {
  return legacyKindOf(token) !== undefined
}

/** The kind whose seed the legacy-format token's CRC32 carries, or undefined when it carries none. */
export function legacyKindOf(token: string): TokenKind | undefined {
  if (token.length !== ADO_LEGACY_LENGTH) return undefined
  // 52 characters carry 260 bits for 256: a real PAT's last character has its 4 spare bits clear
  // (it is one of a, q, A, Q). Requiring that keeps one token from having 16 spellings.
  const last = token.charCodeAt(ADO_LEGACY_LENGTH - 1) | 0x20
  if (last !== 0x61 && last !== 0x71) return undefined
  const b = base32Decode(token)
  if (b?.length !== 32) return undefined
  const data = new Uint8Array(28)
  data.set(b.subarray(0, 2), 0)
  data.set(b.subarray(3, 7), 2)
  data.set(b.subarray(9, 22), 6)
  data.set(b.subarray(23, 32), 19)
  const embedded = ((b[22] ?? 0) | ((b[8] ?? 0) << 8) | ((b[7] ?? 0) << 16) | ((b[2] ?? 0) << 24)) >>> 0
  const crc = crc32(data)
  return LEGACY_SEEDS.find(({ seed }) => embedded === (crc ^ seed) >>> 0)?.kind
}

/** Words that make a checksum-invalid 52-character run worth reporting as low confidence. */
const LEGACY_CONTEXT = /ado|azure|devops|vsts|visualstudio|pat|token/i
/** How far before the run the context word may be. */
const CONTEXT_WINDOW = 64

/**
 * The legacy PAT at `text[start, start + 52)`, a maximal run of lower-case base32 that the caller found.
 * A checksum-valid run needs no context; an invalid one is reported (low) only with a keyword nearby,
 * because 52 lower-case letters alone are too common to mean anything.
 */
export function adoLegacyPatAt(text: string, start: number, includeLow: boolean, bytes = false): Detection | undefined {
  const secret = text.slice(start, start + ADO_LEGACY_LENGTH)
  const kind = legacyKindOf(secret)
  if (kind) return { kind, confidence: 'high', secret }
  if (!includeLow || !LEGACY_LOW_KIND) return undefined
  // In UTF-8 bytes (bytes.ts) the window is the same CONTEXT_WINDOW code units of decoded text: a
  // unit takes at most 3 bytes, so 4 bytes a unit also cover a sequence cut at the window's start.
  let from = Math.max(0, start - (bytes ? 4 * CONTEXT_WINDOW : CONTEXT_WINDOW))
  const newline = text.lastIndexOf('\n', start)
  if (newline >= from) from = newline + 1
  const context = bytes ? decodeBytes(text, from, start).slice(-CONTEXT_WINDOW) : text.slice(from, start)
  if (!LEGACY_CONTEXT.test(context)) return undefined
  return { kind: LEGACY_LOW_KIND, confidence: 'low', secret }
}
