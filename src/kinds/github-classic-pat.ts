/**
 * GitHub personal access token (classic), `ghp_`.
 *
 * @example
 * kindOf('github-classic-pat').label // 'GitHub personal access token (classic)'
 */
import { FOUR_AND_FOUR, GITHUB_CRC32, GITHUB_PAT_SETTINGS } from './common.js'
import { defineKind } from './types.js'

export const githubClassicPat = defineKind({
  id: 'github-classic-pat',
  label: 'GitHub personal access token (classic)',
  issuer: 'github',
  detectors: [{ family: 'github-prefixed', prefix: 'ghp_', length: 40 }],
  confidence: GITHUB_CRC32,
  revocation: { revocable: true },
  manage: GITHUB_PAT_SETTINGS,
  redaction: FOUR_AND_FOUR,
  examples: [
    {
      source: 'DataDog/dd-sensitive-data-scanner sds/src/scanner/test/validators.rs',
      parts: ['ghp_M7H4jxUDDWHP4kZ6', 'A4dxlQYsQIWJuq11T4V4'],
    },
    {
      source: 'DataDog/dd-sensitive-data-scanner sds/src/secondary_validation/github_token_checksum.rs',
      parts: ['ghp_HEEjXavM6wKtyhAU', 'wDblMznMEhWyTt4XwY6f'],
    },
    {
      source: 'DataDog/dd-sensitive-data-scanner sds/src/secondary_validation/github_token_checksum.rs',
      parts: ['ghp_yk8LTIKF7M9SgRPB', 'Fzu7nkPQBBLcAa2aAbrx'],
    },
    {
      // Also published glued to a word: `nawak_ghp_…`.
      source: 'DataDog/dd-sensitive-data-scanner sds/src/secondary_validation/github_token_checksum.rs',
      parts: ['ghp_vKdQ4XtRZOBFd16Y', 'ZEgyLKyQ8Cee4g2NJ0mT'],
    },
    {
      source:
        'SonarSource/sonar-text sonar-text-plugin/src/main/resources/org/sonar/l10n/secrets/rules/secrets/S6689.html',
      parts: ['ghp_CID7e8gGxQcMIJeF', 'mEfRsV3zkXPUC42CjFbm'],
    },
    {
      source: 'Yelp/detect-secrets tests/plugins/github_token_test.py',
      parts: ['ghp_wWPw5k4aXcaT4fNP', '0UcnZwJUVFk6LO0pINUx'],
    },
    { source: 'mongodb/kingfisher data/rules/github.yml', parts: ['ghp_ZJDeVREhkptGF7Wv', 'ep0NwJWlPEQP7a0t2nxL'] },
    {
      // Published plain and in every escape form (`\uXXXX`, `\u{XX}`, …).
      source: 'trufflesecurity/trufflehog pkg/decoders/escaped_unicode_test.go',
      parts: ['ghp_IwdMx9WFWRRfMhTY', 'iaVjZ78Jfuamvn0YWRM0'],
    },
  ],
  negatives: [
    {
      source: 'DataDog/dd-sensitive-data-scanner sds/src/scanner/test/validators.rs',
      parts: ['ghp_M7H4jxUDDWHP4kZ6', 'A4dxlQYsQIWJuq11T4V5'],
    },
    {
      source: 'DataDog/dd-sensitive-data-scanner sds/src/secondary_validation/github_token_checksum.rs',
      parts: ['ghp_M7H4jxUDDWHP4kZ6', 'A4dxlQYsQIWJuq11T4V3'],
    },
    { source: 'mongodb/kingfisher data/rules/github.yml', parts: ['ghp_XIxB7KMNdAr3zqWt', 'QqhE94qglHqOzn1D1stg'] },
    { source: 'mongodb/kingfisher data/rules/github.yml', parts: ['ghp_4U3LSowpDx8XvYE7', 'A8GH56oxU5aWnY2mzIbV'] },
    { source: 'mongodb/kingfisher src/decompress.rs', parts: ['ghp_1wuHFikBKQtCcH3E', 'B2FBUkyn8krXhP2qLqPa'] },
    {
      source: 'trufflesecurity/trufflehog pkg/decoders/escaped_unicode_test.go',
      parts: ['ghp_9ovSHEBCq0drG42y', 'joam76iNybtqLN25CgSf'],
    },
    { source: 'gitleaks/gitleaks cmd/generate/config/rules/github.go', parts: ['ghp_', 'x'.repeat(36)] },
  ],
})
