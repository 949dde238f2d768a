/**
 * GitHub App user access token, `ghu_`.
 *
 * @example
 * kindOf('github-app-user').label // 'GitHub App user access token'
 */
import { FOUR_AND_FOUR, GITHUB_AUTHORIZED_APPS, GITHUB_CRC32 } from './common.js'
import { defineKind } from './types.js'

export const githubAppUser = defineKind({
  id: 'github-app-user',
  label: 'GitHub App user access token',
  issuer: 'github',
  detectors: [{ family: 'github-prefixed', prefix: 'ghu_', length: 40 }],
  confidence: GITHUB_CRC32,
  revocation: { revocable: true },
  manage: GITHUB_AUTHORIZED_APPS,
  redaction: FOUR_AND_FOUR,
  // No checksum-valid one is published; the catalog test generates them.
  examples: [],
  negatives: [
    { source: 'mongodb/kingfisher data/rules/github.yml', parts: ['ghu_16C7e42F292c69C2', 'E7C10c838347Ae178B4a'] },
  ],
})
