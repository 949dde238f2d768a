/**
 * GitHub OAuth app access token, `gho_`.
 *
 * @example
 * kindOf('github-oauth').label // 'GitHub OAuth access token'
 */
import { FOUR_AND_FOUR, GITHUB_CRC32 } from './common.js'
import { defineKind } from './types.js'

export const githubOauth = defineKind({
  id: 'github-oauth',
  label: 'GitHub OAuth access token',
  issuer: 'github',
  detectors: [{ family: 'github-prefixed', prefix: 'gho_', length: 40 }],
  confidence: GITHUB_CRC32,
  revocation: { revocable: true },
  manage: "GitHub: Settings → Applications → Authorized OAuth Apps (revoke the app's access)",
  redaction: FOUR_AND_FOUR,
  // No checksum-valid one is published; the catalog test generates them.
  examples: [],
  negatives: [
    { source: 'mongodb/kingfisher data/rules/github.yml', parts: ['gho_fq75OMU7UVbS9pTZ', 'moCCzJT6TM5d1w099FgG'] },
    { source: 'mongodb/kingfisher data/rules/github.yml', parts: ['gho_psT9pqNFsehnc4se', '0ZzzR0HBxapxZD35hNHi'] },
  ],
})
