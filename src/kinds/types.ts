/**
 * What the catalog says about one kind of token: a plain record, no code. The scanner, the
 * service, the CLI and the Workers runtime all read the same records (src/kinds/index.ts), so a
 * label, an issuer or a revocation rule is written once.
 *
 * @example
 * export const githubOauth = defineKind({ id: 'github-oauth', label: 'GitHub OAuth access token', issuer: 'github', …
 * })
 */

import type { PlatformId } from '../platforms/ids.js'

/** The platform that issues a kind of token, and so the only one that could revoke it (src/platforms/ids.ts). */
export type Platform = PlatformId

/**
 * How a kind is found. Each `family` is one detector in src/scan/detectors (with its anchor in the
 * engine); a record only gives the family's parameters. A new kind of an existing family needs
 * no scanner change; a new family needs a detector (docs/adding-a-token-kind.md).
 */
export type Detector =
  /** `gh?_` + base62 body + base62(CRC32(body)) in the last 6 characters; anchored on `gh`. */
  | { family: 'github-prefixed'; prefix: `gh${string}_`; length: number }
  /** `github_pat_` + id + `_` + body; characters 77..85 are base32(SHA-256(first 77)). */
  | { family: 'github-fine-grained'; prefix: 'github_pat_'; length: number }
  /** `ghs_<app id>_<JWT>`: signed by GitHub, no checksum; its shape is all patrol can check. */
  | { family: 'github-installation-jwt'; prefix: 'ghs_' }
  /** 84/88-character PAT with the `JQQJ99` signature and a Marvin32 checksum. */
  | { family: 'azure-devops-pat'; signature: 'JQQJ99'; length: number }
  /** 52 lower-case base32 characters carrying a CRC32 XORed with `seed`. */
  | { family: 'azure-devops-legacy'; seed: number; length: 52 }

/** Whether the issuer can revoke a leaked token of this kind, and if not, why (shown to people). */
export type Revocation = { revocable: true } | { revocable: false; reason: string }

/** A token published by someone else (a peer scanner's rules or tests, vendor documentation). */
export interface Example {
  /** `owner/repository path` or a URL: where it is published. */
  source: string
  /**
   * The token in pieces, joined at test time: no file holds a whole checksum-valid token, so push
   * protection and other scanners do not flag this repository.
   */
  parts: readonly string[]
}

export interface TokenKindRecord<Id extends string = string> {
  /** Stable id used in output, the database, the API, SARIF rule ids and metric labels. */
  id: Id
  /** What people read: emails, the admin page, the CLI, SARIF rule names, the README. */
  label: string
  issuer: Platform
  /** One or more detectors; the first is the kind's main form. */
  detectors: readonly Detector[]
  /** When a finding of this kind is `high` and when `low` (for documentation and SARIF help). */
  confidence: { high: string; low: string }
  revocation: Revocation
  /** Where its owner revokes or replaces it (the email's steps name it). */
  manage: string
  /** Preview shown instead of the token: this many characters from each end (at most 8 in all). */
  redaction: { head: number; tail: number }
  /** Published checksum-valid tokens: must be reported high (and tagged `published-example`). */
  examples: readonly Example[]
  /** Published look-alikes (fixtures with a broken checksum, placeholders): must never be high. */
  negatives: readonly Example[]
}

/** Declares a kind, keeping its id as a literal type (so the ids form a union). */
export function defineKind<const Id extends string>(record: TokenKindRecord<Id>): TokenKindRecord<Id> {
  return record
}
