/**
 * GitHub App refresh token, `ghr_` (80 characters).
 *
 * @example
 * kindOf('github-refresh').label // 'GitHub App refresh token'
 */
import { FOUR_AND_FOUR, GITHUB_AUTHORIZED_APPS, GITHUB_CRC32 } from './common.js'
import { defineKind } from './types.js'

export const githubRefresh = defineKind({
  id: 'github-refresh',
  label: 'GitHub App refresh token',
  issuer: 'github',
  detectors: [{ family: 'github-prefixed', prefix: 'ghr_', length: 80 }],
  confidence: GITHUB_CRC32,
  revocation: { revocable: true },
  manage: GITHUB_AUTHORIZED_APPS,
  redaction: FOUR_AND_FOUR,
  // No checksum-valid one is published; the catalog test generates them.
  examples: [],
  negatives: [
    {
      source: 'mongodb/kingfisher data/rules/github.yml',
      parts: ['ghr_1B4a2e77838347a7E420ce178F2E7c6912E1', '69246c3CE1ccbF66C46812d16D5B1A9Dc86A1498'],
    },
  ],
})
