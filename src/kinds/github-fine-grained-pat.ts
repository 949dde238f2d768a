/**
 * GitHub fine-grained personal access token, `github_pat_` (93 characters).
 *
 * @example
 * kindOf('github-fine-grained-pat').label // 'GitHub fine-grained personal access token'
 */
import { FOUR_AND_FOUR, GITHUB_PAT_SETTINGS } from './common.js'
import { defineKind } from './types.js'

const SONAR =
  'SonarSource/sonar-text sonar-text-plugin/src/main/resources/org/sonar/plugins/secrets/configuration/github.yaml'

export const githubFineGrainedPat = defineKind({
  id: 'github-fine-grained-pat',
  label: 'GitHub fine-grained personal access token',
  issuer: 'github',
  detectors: [{ family: 'github-fine-grained', prefix: 'github_pat_', length: 93 }],
  confidence: {
    high: 'characters 77..85 are base32(SHA-256(first 77 characters))',
    low: 'the shape of the token without its checksum',
  },
  revocation: { revocable: true },
  manage: GITHUB_PAT_SETTINGS,
  redaction: FOUR_AND_FOUR,
  examples: [
    {
      source: SONAR,
      parts: ['github_pat_11A2ZRGRI0m2mlfCz3I3B0_7Hm0U0OxefLL', 'Y7qc8wFnQVopA2XOnaH6D9mWJt7yH8zPMQDC6FGc29zVc4z'],
    },
    {
      source: SONAR,
      parts: ['github_pat_11A2ZRGRI0l6aQvvz2758f_GiGAWYrCoUUK', '7ljsOzIlSGJlamMwlWLCPUSKrpBm37sGLUJWG3NSBWcX904'],
    },
    {
      source:
        'secretlint/secretlint packages/@secretlint/secretlint-rule-github/test/snapshots/ng.fine_grained_pat/input.txt',
      parts: ['github_pat_11AAGI73I0HFY8wJru4mTw_ZlpxaViSYQuK', 'ETGMTXMkbWFrZCqjas5OpXSUP6g5zbrE2PRUI7CfRZ3m3z3'],
    },
  ],
  negatives: [
    {
      source: SONAR,
      parts: ['github_pat_1234567890abcdefg2758f_GiGAWYrCoUUK', '7ljsOzIlSGJlamMwlWLCPUSKrpBm37sGLUJWG3NSBWcX904'],
    },
    {
      source: 'mongodb/kingfisher data/rules/github.yml',
      parts: ['github_pat_11AAOKYUI0JqmGpRMr5nGt_LiPrTSWAOOZZ', 'XUwkT9YLUT0fJE9Wh3EbPGXYisTF6w5NZKZJ4GJgZLTL7dK'],
    },
    {
      source: 'mongodb/kingfisher data/rules/github.yml',
      parts: ['github_pat_11AALKJEA04kc5Z9kNGzwK_zLv1venPjF9I', 'Fl5QvO2plAgKD9KWmCiq6seyWr9nftbTMABK664eCS9JYG2'],
    },
    {
      source: 'gitleaks/gitleaks cmd/generate/config/rules/github.go',
      parts: ['github_pat_', 'x'.repeat(22), '_', 'x'.repeat(59)],
    },
  ],
})
