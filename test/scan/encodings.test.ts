/** Tokens leak encoded: each supported encoding is decoded, validated and reported where the encoded text starts. */
import { describe, expect, it } from 'vitest'
import { scanText } from '../../src/scan/index.js'
import {
  generateAdoLegacyPat,
  generateAdoPat,
  generateFineGrainedPat,
  generateGhsJwt,
  generateGithubToken,
} from '../support/tokens.js'

const b64 = (s: string, enc: BufferEncoding = 'utf8'): string => Buffer.from(s, enc).toString('base64')
const percentAll = (s: string): string =>
  [...s].map((c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`).join('')
const unicodeAll = (s: string): string =>
  [...s].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')

const TOKENS = [
  ['azure-devops-pat', generateAdoPat],
  ['azure-devops-pat-legacy', () => generateAdoLegacyPat()],
  ['github-classic-pat', () => generateGithubToken('ghp')],
  ['github-refresh', () => generateGithubToken('ghr')],
  ['github-fine-grained-pat', generateFineGrainedPat],
] as const

describe.each(TOKENS)('%s', (kind, generate) => {
  const cases: Array<[string, (t: string) => { line: string; column: number }, string]> = [
    ['Basic auth of ":" + token', (t) => ({ line: `Authorization: Basic ${b64(`:${t}`)}`, column: 22 }), 'base64'],
    [
      'Basic auth of "user:" + token',
      (t) => ({ line: `-H "Authorization: Basic ${b64(`user:${t}`)}"`, column: 26 }),
      'base64',
    ],
    [
      'echo "pat:$PAT" | base64 (trailing newline)',
      (t) => ({ line: `B64_PAT=${b64(`pat:${t}\n`)}`, column: 9 }),
      'base64',
    ],
    [
      'base64 of UTF-16LE (old PowerShell docs)',
      (t) => ({ line: `$h = "Basic ${b64(t, 'utf16le')}"`, column: 13 }),
      'base64>utf16le',
    ],
    // base64url differs from base64 only where a byte group ends in 62 or 63: '>' (0x3e) makes one.
    ['base64url', (t) => ({ line: `auth=${Buffer.from(`>>>:${t}`).toString('base64url')}`, column: 6 }), 'base64url'],
    ['percent-encoding', (t) => ({ line: `?token=${percentAll(t)}&x=1`, column: 8 }), 'percent'],
    ['\\uXXXX escapes', (t) => ({ line: `{"token": "${unicodeAll(t)}"}`, column: 12 }), 'unicode-escape'],
    [
      'URL userinfo with a user',
      (t) => ({ line: `git clone https://org:${t}@dev.azure.com/org/p/_git/r`, column: 23 }),
      'url-userinfo',
    ],
    [
      'URL userinfo without a user',
      (t) => ({ line: `url = https://${t}@dev.azure.com/org/p/_git/r`, column: 15 }),
      'url-userinfo',
    ],
  ]

  it.each(cases)('%s', (_name, make, encoding) => {
    const token = generate()
    const { line, column } = make(token)
    // Whether the encoded form's start lines up with a 3-byte group or not, the column is the encoded text's.
    const findings = scanText(`first line\n${line}\n`)
    expect(findings).toHaveLength(1)
    expect(findings[0]).toMatchObject({ kind, confidence: 'high', secret: token, line: 2, encoding })
    if (encoding === 'base64>utf16le' || !encoding.startsWith('base64')) expect(findings[0]!.column).toBe(column)
    else expect(findings[0]!.column - column).toBeLessThanOrEqual(4)
  })
})

describe('decoding, more', () => {
  it('x-access-token:ghs_… in a GitHub URL, classic and JWT forms (the JWT form only as low)', () => {
    const classic = generateGithubToken('ghs')
    const jwt = generateGhsJwt()
    const text = `https://x-access-token:${classic}@github.com/o/r.git\ngit+https://x-access-token:${jwt}@github.com/o/r`
    expect(scanText(text, { includeLow: true })).toMatchObject([
      { kind: 'github-app-installation', confidence: 'high', secret: classic, encoding: 'url-userinfo', column: 24 },
      {
        kind: 'github-app-installation',
        confidence: 'low',
        secret: jwt,
        encoding: 'url-userinfo',
        line: 2,
        column: 28,
      },
    ])
  })

  it('a token after a percent-encoded colon is found (the escape is a boundary)', () => {
    const token = generateGithubToken('gho')
    expect(scanText(`https://example.com/?auth=user%3A${token}`)).toMatchObject([{ secret: token, column: 34 }])
  })

  it('decodes two levels deep (percent-encoded base64) but not three', () => {
    const token = generateGithubToken('ghu')
    expect(scanText(`cookie=${percentAll(b64(`x:${token}`))}`)).toMatchObject([
      { secret: token, encoding: 'percent>base64', column: 8 },
    ])
    expect(scanText(`"${unicodeAll(b64(`:${token}`))}"`)).toMatchObject([
      { secret: token, encoding: 'unicode-escape>base64', column: 2 },
    ])
    const three = b64(b64(b64(token)))
    expect(scanText(three)).toEqual([])
    expect(scanText(b64(b64(token)))).toMatchObject([{ secret: token, encoding: 'base64>base64' }])
  })

  it('a JSON string with escaped slashes and a stray escape letter still decodes', () => {
    const token = generateAdoLegacyPat()
    // '???' puts a '?' (0x3f) last in some 3-byte group, which base64 writes as '/': the \/ escape matters.
    const encoded = b64(`???:${token}`)
    expect(encoded).toContain('/')
    const json = `{"a":"line\\n${encoded.replaceAll('/', '\\/')}"}`
    const findings = scanText(json)
    expect(findings).toMatchObject([{ secret: token, confidence: 'high' }])
  })

  it('the same token plain and encoded on one line is one finding, the plain one', () => {
    const token = generateGithubToken('ghp')
    const line = `TOKEN=${token} AUTH=Basic ${b64(`:${token}`)} X=${percentAll(token)}`
    expect(scanText(line)).toEqual([
      {
        kind: 'github-classic-pat',
        issuer: 'github',
        confidence: 'high',
        secret: token,
        line: 1,
        column: 7,
        encoding: 'plain',
      },
    ])
    // On its own line, the encoded copy is its own finding.
    expect(scanText(`${token}\nAUTH=Basic ${b64(`:${token}`)}`).map((f) => f.encoding)).toEqual(['plain', 'base64'])
  })

  it('two different tokens in one base64 value are two findings', () => {
    const a = generateGithubToken('ghp')
    const b = generateAdoPat()
    expect(scanText(b64(`a=${a}\nb=${b}\n`)).map((f) => f.secret)).toEqual([a, b])
  })

  it('base64 of random bytes, hashes and long identifiers yield nothing', () => {
    const noise = [
      Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7919) % 251)).toString('base64'),
      `sha512-${Buffer.alloc(64, 7).toString('base64')}`,
      'this_is_a_very_long_identifier_name_that_goes_on_and_on_and_on_for_a_while',
      '%E2%9C%93%20done%20'.repeat(20),
      '\\u00e9\\u00e8'.repeat(40),
    ]
    expect(scanText(noise.join('\n'), { includeLow: true })).toEqual([])
  })
})
