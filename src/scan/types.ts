/**
 * The scanner's vocabulary: what a finding is, shared by the service, the CLI and the Workers runtime.
 * Pure types; no runtime code (kinds come from the catalog, src/kinds).
 *
 * @example
 * import type { Finding } from './types.js'
 * const f: Finding = { kind: 'github-classic-pat', issuer: 'github', confidence: 'high', secret: '…', line: 1, column:
 * 7, encoding: 'plain' }
 */
import type { TokenKindId } from '../kinds/index.js'
import type { PlatformId } from '../platforms/ids.js'

/** Stable ids used in output, the database and the API: the catalog's (src/kinds). */
export type TokenKind = TokenKindId

/** The platform that issued a token, and so the one that can revoke it. */
export type Issuer = PlatformId

/** `high`: the checksum holds. `low`: shape only (or a form without a checksum); never acted on. */
export type Confidence = 'high' | 'low'

/** `published-example`: a token others publish as an example (src/kinds/published-examples.ts). */
export type FindingTag = 'published-example'

/**
 * One token found in a piece of text. `secret` is the raw token: keep it in memory only (invariant 1,
 * docs/architecture.md).
 */
export interface Finding {
  kind: TokenKind
  issuer: Issuer
  confidence: Confidence
  /** The raw token. Never log, store in clear or print it (except the CLI's --show-secrets). */
  secret: string
  /** 1-based line within the scanned text. */
  line: number
  /** 1-based column (UTF-16 code units) where the token, or the encoded text that holds it, starts. */
  column: number
  /** `plain`, or the decoder chain joined by `>`, e.g. `base64`, `base64>utf16le`, `url-userinfo`, `percent`. */
  encoding: string
  /** Present only when the finding has tags. */
  tags?: FindingTag[]
}

/** One line a diff or a push added, at its line number in the new file. */
export interface AddedLine {
  path: string
  /** 1-based line number in the new version of the file. */
  line: number
  text: string
  /** The commit that added it, when known. */
  commit?: string
}

/** A finding located in a file (from a diff, a push, or the file system). */
export interface LocatedFinding extends Finding {
  path: string
  commit?: string
}

export interface ScanOptions {
  /** Report shape matches that fail their checksum, as `low`. Default false. */
  includeLow?: boolean
}
