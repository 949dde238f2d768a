/**
 * GitHub App installation access token, `ghs_`: the classic 40-character form (CRC32) and the stateless form `ghs_<app
 * id>_<JWT>`, which has no checksum and so is never high.
 *
 * @example
 * kindOf('github-app-installation').label // 'GitHub App installation access token'
 */
import { FOUR_AND_FOUR } from './common.js'
import { defineKind } from './types.js'

export const githubAppInstallation = defineKind({
  id: 'github-app-installation',
  label: 'GitHub App installation access token',
  issuer: 'github',
  detectors: [
    { family: 'github-prefixed', prefix: 'ghs_', length: 40 },
    { family: 'github-installation-jwt', prefix: 'ghs_' },
  ],
  confidence: {
    high: 'the 40-character form whose last 6 characters are base62(CRC32(body)); never the JWT form',
    low: 'the shape without its checksum, or the JWT form (signed by GitHub, no checksum to check offline)',
  },
  revocation: { revocable: false, reason: 'installation token: expires within an hour, not revocable' },
  manage:
    "GitHub: the GitHub App's settings (installation tokens expire within an hour; rotate the app's private key if it leaked too)",
  redaction: FOUR_AND_FOUR,
  // No checksum-valid one is published; the catalog test generates them.
  examples: [],
  negatives: [
    { source: 'mongodb/kingfisher data/rules/github.yml', parts: ['ghs_RguXIkihJjwHAP6e', 'XEYxaPNvywurTr5IOAbg'] },
    {
      source: 'trufflesecurity/trufflehog pkg/detectors/github/v2/github_test.go',
      parts: ['ghs_RWGUZ6kS8_Ut7Pbt', 'R72k2miJwwYtxkpe8mOp'],
    },
    {
      // A fabricated JWT-form token: its JWT parses, but nothing about it can be verified offline.
      source:
        'secretlint/secretlint packages/@secretlint/secretlint-rule-github/test/snapshots/ng.app_installation_token/input.txt',
      parts: [
        'ghs_12345_eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.',
        'eyJpYXQiOjE3NDU1NjgwMDAsImV4cCI6MTc0NTU2ODM2MCwiaXNzIjoiMTIzNDUiLCJzdWIiOiJnaXRodWJ8MTIzNDUifQ.',
        'SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c',
      ],
    },
  ],
})
