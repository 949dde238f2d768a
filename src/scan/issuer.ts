/**
 * Which platform issued a kind of token, and so which one can revoke it.
 *
 * @example
 * issuerOf('azure-devops-pat') // 'azure-devops'
 */
import type { Issuer, TokenKind } from './types.js'

const ISSUERS: Record<TokenKind, Issuer> = {
  'azure-devops-pat': 'azure-devops',
  'azure-devops-pat-legacy': 'azure-devops',
  'github-classic-pat': 'github',
  'github-oauth': 'github',
  'github-app-user': 'github',
  'github-app-installation': 'github',
  'github-refresh': 'github',
  'github-fine-grained-pat': 'github',
}

/** Every kind patrol detects, in a stable order (for SARIF rules and documentation). */
export const TOKEN_KINDS = Object.keys(ISSUERS) as TokenKind[]

export function issuerOf(kind: TokenKind): Issuer {
  return ISSUERS[kind]
}
