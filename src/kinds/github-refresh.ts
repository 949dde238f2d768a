/**
 * GitHub App refresh token, `ghr_` (80 characters).
 *
 * @example
 * kindOf('github-refresh').label // 'GitHub App refresh token'
 */
import { defineKind, FOUR_AND_FOUR } from './types.js'

export const githubRefresh = defineKind({
  id: 'github-refresh',
  label: 'GitHub App refresh token',
  issuer: 'github',
  detectors: [{ family: 'github-prefixed', prefix: 'ghr_', length: 80 }],
  confidence: {
    high: 'the last 6 characters are base62(CRC32(body))',
    low: 'the shape of the token without its checksum',
  },
  revocation: { revocable: true },
  manage: "GitHub: Settings → Applications → Authorized GitHub Apps (revoke the app's access)",
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
