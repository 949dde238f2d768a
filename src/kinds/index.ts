/**
 * The catalog of token kinds: every kind patrol detects, in one ordered list. Everything that
 * names a kind (the scanner's detectors, labels in the page, emails and CLI, SARIF rules, the
 * API's enums and so the OpenAPI document, metric labels, the README's table) reads it from here.
 * Pure data: no I/O, no Node-only imports (the scanner, Workers and the CLI share it).
 *
 * Adding a kind: one module in this folder and one line in KINDS (docs/adding-a-token-kind.md).
 *
 * @example
 * kindOf('github-classic-pat').issuer        // 'github'
 * kindOf('azure-devops-app-secret').revocation // { revocable: false, reason: '…' }
 */
import { azureDevopsAppSecret } from './azure-devops-app-secret.js'
import { azureDevopsPat } from './azure-devops-pat.js'
import { azureDevopsPatLegacy } from './azure-devops-pat-legacy.js'
import { githubAppInstallation } from './github-app-installation.js'
import { githubAppUser } from './github-app-user.js'
import { githubClassicPat } from './github-classic-pat.js'
import { githubFineGrainedPat } from './github-fine-grained-pat.js'
import { githubOauth } from './github-oauth.js'
import { githubRefresh } from './github-refresh.js'
import type { Detector, TokenKindRecord } from './types.js'

/** Every kind, in a stable order (SARIF rule indexes, the README table, filters). */
export const KINDS = [
  azureDevopsPat,
  azureDevopsPatLegacy,
  azureDevopsAppSecret,
  githubClassicPat,
  githubOauth,
  githubAppUser,
  githubAppInstallation,
  githubRefresh,
  githubFineGrainedPat,
] as const

/** A kind's stable id. */
export type TokenKindId = (typeof KINDS)[number]['id']

/** The ids as a non-empty tuple, for `z.enum(TOKEN_KIND_IDS)` and Drizzle's `text({ enum })`. */
export const TOKEN_KIND_IDS = KINDS.map((k) => k.id) as unknown as readonly [TokenKindId, ...TokenKindId[]]

const BY_ID = new Map<string, TokenKindRecord<TokenKindId>>(KINDS.map((k) => [k.id, k]))

/** Kinds no issuer API can revoke (their records say why): kept out of revocation calls. */
export const NOT_REVOCABLE_KIND_IDS: TokenKindId[] = KINDS.filter((k) => !k.revocation.revocable).map((k) => k.id)

/** True when `id` names a kind in the catalog (for ids read back from the database or a request). */
export function isTokenKind(id: string): id is TokenKindId {
  return BY_ID.has(id)
}

/** The record of a kind; throws for an id the catalog does not have (a row from a newer or older patrol). */
export function kindOf(id: string): TokenKindRecord<TokenKindId> {
  const kind = BY_ID.get(id)
  if (!kind) throw new Error(`unknown token kind "${id}": known kinds are ${TOKEN_KIND_IDS.join(', ')}`)
  return kind
}

/** A kind's label, or the id itself for an id the catalog does not know (display only, never throws). */
export function labelOf(id: string): string {
  return BY_ID.get(id)?.label ?? id
}

/** Every detector of a family, with the kind it reports (the scanner builds its tables from these). */
export function detectorsOf<F extends Detector['family']>(
  family: F,
): { kind: TokenKindId; detector: Extract<Detector, { family: F }> }[] {
  return KINDS.flatMap((k) =>
    k.detectors
      .filter((d): d is Extract<Detector, { family: F }> => d.family === family)
      .map((detector) => ({ kind: k.id, detector })),
  )
}

export type { Detector, Example, Platform, Revocation, TokenKindRecord } from './types.js'
