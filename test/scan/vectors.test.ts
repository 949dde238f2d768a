/**
 * Every published vector from shared/research/vectors.md. Checksum-valid tokens are stored in two
 * parts and joined here, so that no file holds a whole token.
 */
import { describe, expect, it } from 'vitest'
import {
  scanText,
  validateAdoLegacyPat,
  validateAdoPat,
  validateFineGrainedPat,
  validateGithubClassic,
} from '../../src/scan/index.js'

const join = (a: string, b: string): string => a + b

const ADO_PAT = join('6RtqHqPc66Y6DYbkydbrrFJTYnRoA7r40ts7LWS2SkINSFsRABxhJQQJ99BF', 'ACAAAAALGcqjAAASAZDO3eqU')
const LEGACY_PAT = join('h5lxeqkz4zujkyvzg5emkejgelxj', '4x64tvyzclprekuloawbbz5q')
const LEGACY_PAT_BASE64 = join('aDVseGVxa3o0enVqa3l2emc1ZW1rZWpn', 'ZWx4ajR4NjR0dnl6Y2xwcmVrdWxvYXdiYno1cQ==')
const CLASSIC = [
  join('ghp_', 'M7H4jxUDDWHP4kZ6A4dxlQYsQIWJuq11T4V4'),
  join('ghp_', 'HEEjXavM6wKtyhAUwDblMznMEhWyTt4XwY6f'),
  join('ghp_', 'yk8LTIKF7M9SgRPBFzu7nkPQBBLcAa2aAbrx'),
]
const FINE_GRAINED = join(
  'github_pat_',
  '11AAGI73I0HFY8wJru4mTw_ZlpxaViSYQuKETGMTXMkbWFrZCqjas5OpXSUP6g5zbrE2PRUI7CfRZ3m3z3',
)

describe('published tokens that must validate', () => {
  it('Azure DevOps 84-character PAT (noseyparker np.azure.4)', () => {
    expect(validateAdoPat(ADO_PAT)).toBe(true)
    expect(scanText(`pat: ${ADO_PAT}`)).toMatchObject([
      { kind: 'azure-devops-pat', issuer: 'azure-devops', confidence: 'high', secret: ADO_PAT, line: 1, column: 6 },
    ])
  })

  it('Azure DevOps legacy PAT, user seed (sarif-pattern-matcher, "valid but expired")', () => {
    expect(validateAdoLegacyPat(LEGACY_PAT)).toBe(true)
    expect(scanText(LEGACY_PAT)).toMatchObject([
      { kind: 'azure-devops-pat-legacy', confidence: 'high', secret: LEGACY_PAT, encoding: 'plain' },
    ])
  })

  it('the same legacy PAT as base64 of its text', () => {
    expect(scanText(`token: ${LEGACY_PAT_BASE64}`)).toMatchObject([
      { kind: 'azure-devops-pat-legacy', confidence: 'high', secret: LEGACY_PAT, encoding: 'base64', column: 8 },
    ])
  })

  it('GitHub classic PATs (DataDog dd-sensitive-data-scanner)', () => {
    for (const token of CLASSIC) {
      expect(validateGithubClassic(token)).toBe(true)
      expect(scanText(`"${token}"`)).toMatchObject([
        { kind: 'github-classic-pat', issuer: 'github', confidence: 'high', secret: token, column: 2 },
      ])
    }
  })

  it('GitHub fine-grained PAT (secretlint PR #322)', () => {
    expect(validateFineGrainedPat(FINE_GRAINED)).toBe(true)
    expect(scanText(`GH_TOKEN=${FINE_GRAINED}\n`)).toMatchObject([
      { kind: 'github-fine-grained-pat', confidence: 'high', secret: FINE_GRAINED, column: 10 },
    ])
  })
})

describe('published near-misses that must be rejected', () => {
  const rejected = [
    join('ghp_', 'M7H4jxUDDWHP4kZ6A4dxlQYsQIWJuq11T4V3'),
    'deadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdead',
    'zpczok4kqgnw5prpfy3ehiylbqvgbjfkdiqkejsxqamy7qbkep7q',
    join('FBdFol081crwkIHWJH2yiqDDyrFjVSi7HWl22hN2hTYfsB8NlGDp', 'JQQJ77BAACAAAAAAAAAAAAASAZDOBucT'),
    join('ghu_', '16C7e42F292c69C2E7C10c838347Ae178B4a'),
    join('github_pat_', '11AALKJEA04kc5Z9kNGzwK_zLv1venPjF9IFl5QvO2plAgKD9KWmCiq6seyWr9nftbTMABK664eCS9JYG2'),
  ]

  it('yields no high-confidence finding', () => {
    for (const value of rejected) expect(scanText(`token = "${value}"`)).toEqual([])
  })

  it('reports checksum failures as low confidence only on request', () => {
    const low = scanText(rejected.map((v) => `token = "${v}"`).join('\n'), { includeLow: true })
    expect(low.map((f) => [f.kind, f.confidence, f.line])).toEqual([
      ['github-classic-pat', 'low', 1],
      ['azure-devops-pat-legacy', 'low', 2],
      ['azure-devops-pat-legacy', 'low', 3],
      // line 4 has JQQJ77: not the PAT shape at all
      ['github-app-user', 'low', 5],
      ['github-fine-grained-pat', 'low', 6],
    ])
  })

  it('the validators reject them directly', () => {
    expect(validateGithubClassic(rejected[0]!)).toBe(false)
    expect(validateAdoLegacyPat(rejected[1]!)).toBe(false)
    expect(validateAdoLegacyPat(rejected[2]!)).toBe(false)
    expect(validateAdoPat(rejected[3]!)).toBe(false)
    expect(validateGithubClassic(rejected[4]!)).toBe(false)
    expect(validateFineGrainedPat(rejected[5]!)).toBe(false)
  })
})
