/**
 * The catalog of token kinds, run as a table (as Nosey Parker and Kingfisher test their rule files):
 * every kind's published examples must be reported high with its kind and tagged
 * `published-example`, fresh tokens generated from each detector's parameters must be reported
 * high and untagged, and every negative must never be high, plain and in several encodings.
 * Examples are stored in parts and joined here, so no file holds a whole token.
 */
import { describe, expect, it } from 'vitest'
import { type Detector, KINDS, kindOf, NOT_REVOCABLE_KIND_IDS, TOKEN_KIND_IDS } from '../../src/kinds/index.js'
import { isPublishedExample, PUBLISHED_EXAMPLE_DIGESTS, tokenDigest } from '../../src/kinds/published-examples.js'
import { scanText } from '../../src/scan/index.js'
import {
  generateAdoLegacyPat,
  generateAdoPat,
  generateFineGrainedPat,
  generateGhsJwt,
  generateGithubToken,
} from '../support/tokens.js'

const joined = (parts: readonly string[]): string => parts.join('')
const hex4 = (c: string): string => c.charCodeAt(0).toString(16).padStart(4, '0')

/** Ways a token is written, and the encoding the scanner reports for each. */
const FORMS: { name: string; write: (token: string) => string; encoding: string }[] = [
  { name: 'plain, quoted', write: (t) => `token = "${t}"`, encoding: 'plain' },
  { name: 'glued after an underscore', write: (t) => `export TOKEN=nawak_${t}`, encoding: 'plain' },
  {
    name: 'base64 of ":" + token',
    write: (t) => `Authorization: Basic ${Buffer.from(`:${t}`).toString('base64')}`,
    encoding: 'base64',
  },
  {
    // (Not the first: `\u0036` ends in the digit it stands for, so an escaped leading digit leaves the token in plain.)
    name: 'one character in the middle as \\uXXXX',
    write: (t) => `{"token": "${t.slice(0, 20)}\\u${hex4(t[20]!)}${t.slice(21)}"}`,
    encoding: 'unicode-escape',
  },
  {
    name: 'every character as \\u{…}',
    write: (t) => `let token = "${[...t].map((c) => `\\u{${c.charCodeAt(0).toString(16)}}`).join('')}";`,
    encoding: 'unicode-escape',
  },
  {
    name: 'URL userinfo',
    write: (t) => `git remote add origin https://me:${t}@example.com/r.git`,
    encoding: 'url-userinfo',
  },
]

/**
 * A fresh checksum-valid token for a detector, from the detector's own parameters; undefined when it has no checksum.
 */
function generate(d: Detector): string | undefined {
  switch (d.family) {
    case 'github-prefixed':
      return generateGithubToken(d.prefix.slice(0, -1), d.length)
    case 'github-fine-grained':
      return generateFineGrainedPat()
    case 'azure-devops-pat':
      return generateAdoPat()
    case 'azure-devops-legacy':
      return generateAdoLegacyPat(d.seed)
    case 'github-installation-jwt':
      return undefined
    default:
      // A new detector family must say here how to generate its tokens (the compiler insists).
      return d satisfies never
  }
}

describe('the catalog', () => {
  it('has unique ids and labels, in the order TOKEN_KIND_IDS gives', () => {
    expect(TOKEN_KIND_IDS).toEqual(KINDS.map((k) => k.id))
    expect(new Set(TOKEN_KIND_IDS).size).toBe(KINDS.length)
    expect(new Set(KINDS.map((k) => k.label)).size).toBe(KINDS.length)
    for (const id of TOKEN_KIND_IDS) expect(kindOf(id).id).toBe(id)
  })

  it('names an unknown kind and lists the known ones when asked for it', () => {
    expect(() => kindOf('gitlab-pat')).toThrow(
      `unknown token kind "gitlab-pat": known kinds are ${TOKEN_KIND_IDS.join(', ')}`,
    )
  })

  it('says why each kind that cannot be revoked cannot, and shows at most 8 characters of any token', () => {
    for (const k of KINDS) {
      if (!k.revocation.revocable) expect(k.revocation.reason.length).toBeGreaterThan(20)
      expect(k.redaction.head + k.redaction.tail).toBeLessThanOrEqual(8)
    }
    expect(NOT_REVOCABLE_KIND_IDS).toEqual(['azure-devops-app-secret', 'github-app-installation'])
  })

  it('gives every kind a way to be reported high: a published example or a detector with a checksum', () => {
    for (const k of KINDS) {
      const generated = k.detectors.map(generate).filter((t) => t !== undefined)
      expect(k.examples.length + generated.length, k.id).toBeGreaterThan(0)
    }
  })

  it('ships exactly the fingerprints of the published examples, and never a whole example in one part', () => {
    const digests = KINDS.flatMap((k) => k.examples.map((e) => tokenDigest(joined(e.parts))))
    expect(new Set(digests)).toEqual(PUBLISHED_EXAMPLE_DIGESTS)
    for (const k of KINDS)
      for (const e of [...k.examples, ...k.negatives])
        for (const part of e.parts) expect(scanText(part), `${k.id} ${e.source}`).toEqual([])
  })
})

describe.each(KINDS.map((k) => [k.id, k] as const))('%s', (id, kind) => {
  it.each(FORMS)('reports every published example high, tagged published-example: $name', (form) => {
    for (const example of kind.examples) {
      const token = joined(example.parts)
      const findings = scanText(form.write(token))
      expect(findings, example.source).toMatchObject([
        { kind: id, issuer: kind.issuer, confidence: 'high', secret: token, encoding: form.encoding },
      ])
      expect(findings[0]!.tags).toEqual(['published-example'])
    }
  })

  it.each(FORMS)('reports tokens generated by its detectors high, untagged: $name', (form) => {
    for (const detector of kind.detectors) {
      const token = generate(detector)
      if (token === undefined) continue
      const findings = scanText(form.write(token))
      expect(findings).toMatchObject([{ kind: id, confidence: 'high', secret: token, encoding: form.encoding }])
      expect(findings[0]!.tags).toBeUndefined()
      expect(isPublishedExample(token)).toBe(false)
    }
  })

  it.each(FORMS)('never reports a negative high: $name', (form) => {
    for (const negative of kind.negatives) {
      const text = form.write(joined(negative.parts))
      expect(scanText(text), negative.source).toEqual([])
      for (const f of scanText(text, { includeLow: true })) expect(f.confidence).toBe('low')
    }
  })
})

describe('detectors without a checksum', () => {
  it('report the JWT form of ghs_ low only, however well its JWT parses', () => {
    const token = generateGhsJwt()
    expect(scanText(`GITHUB_TOKEN=${token}`)).toEqual([])
    expect(scanText(`GITHUB_TOKEN=${token}`, { includeLow: true })).toMatchObject([
      { kind: 'github-app-installation', confidence: 'low', secret: token },
    ])
  })
})
