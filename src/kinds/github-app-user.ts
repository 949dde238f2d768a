/**
 * GitHub App user access token, `ghu_`.
 *
 * @example
 * kindOf('github-app-user').label // 'GitHub App user access token'
 */
import { defineKind, FOUR_AND_FOUR } from './types.js'

export const githubAppUser = defineKind({
  id: 'github-app-user',
  label: 'GitHub App user access token',
  issuer: 'github',
  detectors: [{ family: 'github-prefixed', prefix: 'ghu_', length: 40 }],
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
    { source: 'mongodb/kingfisher data/rules/github.yml', parts: ['ghu_16C7e42F292c69C2', 'E7C10c838347Ae178B4a'] },
  ],
})
