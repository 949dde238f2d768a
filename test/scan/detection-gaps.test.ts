/**
 * The detection gaps that running patrol on peer scanners' published examples revealed (issue 11):
 * tokens glued after a word character, `ghs_` JWT tokens, Azure DevOps application secrets, tokens
 * partly written as unicode escapes, and published examples. Tokens are generated at test time;
 * published ones come from the catalog, where they are stored in parts.
 */
import { describe, expect, it } from 'vitest'
import { renderJson, renderSarif, renderText } from '../../src/cli/report.js'
import { githubAppInstallation } from '../../src/kinds/github-app-installation.js'
import { githubClassicPat } from '../../src/kinds/github-classic-pat.js'
import { kindOf } from '../../src/kinds/index.js'
import { type LocatedFinding, scanText } from '../../src/scan/index.js'
import {
  generateAdoLegacyPat,
  generateAdoPat,
  generateFineGrainedPat,
  generateGithubToken,
  mutateOneChar,
} from '../support/tokens.js'

const u = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()}`
const braced = (c: string): string => `\\u{${c.charCodeAt(0).toString(16)}}`
/** `token` with every `every`-th character (from `start`) written by `write`. */
const escaped = (token: string, write: (c: string) => string, every: number, start = 0): string =>
  [...token].map((c, i) => (i >= start && (i - start) % every === 0 ? write(c) : c)).join('')

describe('a token glued after a word character', () => {
  it('is found when its checksum holds, after _ or a letter or a digit', () => {
    for (const token of [generateGithubToken('ghp'), generateGithubToken('ghr'), generateFineGrainedPat()]) {
      for (const glue of ['nawak_', 'x', '9']) {
        expect(scanText(`value=${glue}${token}`)).toMatchObject([
          { confidence: 'high', secret: token, column: 7 + glue.length },
        ])
      }
    }
    const ado = generateAdoPat()
    expect(scanText(`id=a${ado}`)).toMatchObject([{ kind: 'azure-devops-pat', confidence: 'high', secret: ado }])
  })

  it('is not reported, even as low, when its checksum fails: shape-only matches keep the word boundary', () => {
    const broken = mutateOneChar(generateGithubToken('ghp'), 20)
    expect(scanText(`nawak_${broken}`, { includeLow: true })).toEqual([])
    expect(scanText(`nawak ${broken}`, { includeLow: true })).toMatchObject([{ confidence: 'low', secret: broken }])
    const brokenAdo = mutateOneChar(generateAdoPat(), 10)
    expect(scanText(`a${brokenAdo}`, { includeLow: true })).toEqual([])
  })

  it('does not make words that merely contain "gh" cost findings', () => {
    expect(scanText('rough_high_light_ghost_weight_thought', { includeLow: true })).toEqual([])
  })
})

describe('stateless ghs_ installation tokens (the JWT form)', () => {
  const fixture = githubAppInstallation.negatives.find((n) => n.parts.length === 3)!.parts.join('')

  it('are never high: the fixture two scanners ship, whose JWT parses, is low and only on request', () => {
    expect(scanText(`GITHUB_TOKEN=${fixture}`)).toEqual([])
    expect(scanText(`GITHUB_TOKEN=${fixture}`, { includeLow: true })).toMatchObject([
      { kind: 'github-app-installation', confidence: 'low', secret: fixture },
    ])
  })

  it('are of a kind GitHub cannot revoke', () => {
    expect(kindOf('github-app-installation').revocation).toMatchObject({ revocable: false })
  })
})

describe('Azure DevOps application secrets', () => {
  it('are their own kind, high when the application-seed checksum holds, never labelled a PAT', () => {
    const secret = generateAdoLegacyPat('application')
    expect(scanText(`ClientSecret=${secret}`)).toMatchObject([
      { kind: 'azure-devops-app-secret', issuer: 'azure-devops', confidence: 'high', secret },
    ])
    const kind = kindOf('azure-devops-app-secret')
    expect(kind.label).not.toMatch(/personal access token|PAT/)
    expect(kind.revocation).toMatchObject({ revocable: false, reason: expect.stringContaining('Token Admin') })
  })

  it('leave user PATs of the same format a PAT', () => {
    const pat = generateAdoLegacyPat('user')
    expect(scanText(pat)).toMatchObject([{ kind: 'azure-devops-pat-legacy', confidence: 'high' }])
  })
})

describe('tokens written partly or wholly as unicode escapes', () => {
  const tokens: [string, string][] = [
    ['github-classic-pat', generateGithubToken('ghp')],
    ['github-refresh', generateGithubToken('ghr')],
    ['github-fine-grained-pat', generateFineGrainedPat()],
    ['azure-devops-pat', generateAdoPat()],
    ['azure-devops-pat-legacy', generateAdoLegacyPat()],
  ]

  it.each(tokens)('%s: found with any share of its characters escaped, as \\uXXXX or \\u{…}', (kind, token) => {
    for (const write of [u, braced]) {
      for (const [every, start] of [
        [token.length, 0], // only the first character
        [token.length, token.length - 1], // only the last
        [token.length, 17], // one in the middle
        [7, 3],
        [2, 1],
        [1, 0], // all of them
      ] as const) {
        const text = `const token = "${escaped(token, write, every, start)}";`
        expect(scanText(text), `every ${every} from ${start}`).toMatchObject([
          { kind, confidence: 'high', secret: token },
        ])
      }
    }
  })

  it('finds base64 values whose +, / and = are escaped as .NET writes them (\\u002B, \\u002F, \\u003D)', () => {
    // Base64 of token text alone never has + or /; binary bytes in front (as in a packed credential blob) bring them.
    const binary = Buffer.from([0xfb, 0xef, 0xbe, 0xff, 0xff, 0xff]) // '++++////'
    for (const token of [generateGithubToken('ghp'), generateAdoPat(), generateAdoLegacyPat()]) {
      const b64 = Buffer.concat([binary, Buffer.from(`:${token}`)]).toString('base64')
      expect(b64).toMatch(/^\+{4}\/{4}.*=$/)
      for (const write of [u, braced]) {
        const json = `{"Credential":"${b64.replace(/[+/=]/g, write)}"}`
        expect(scanText(json), json).toMatchObject([{ confidence: 'high', secret: token }])
      }
    }
  })

  it('are not found when the escapes spell something that is not a token', () => {
    const broken = mutateOneChar(generateGithubToken('ghp'), 25)
    expect(scanText(`"${escaped(broken, u, 3)}"`)).toEqual([])
  })
})

describe('published examples', () => {
  const published = githubClassicPat.examples[0]!.parts.join('')

  it('are reported high and tagged published-example; a fresh token is not tagged', () => {
    const fresh = generateGithubToken('ghp')
    const findings = scanText(`a = "${published}"\nb = "${fresh}"`)
    expect(findings).toMatchObject([
      { secret: published, confidence: 'high', tags: ['published-example'] },
      { secret: fresh, confidence: 'high' },
    ])
    expect(findings[1]!.tags).toBeUndefined()
  })

  it('carry the tag in the CLI text, JSON and SARIF', () => {
    const findings: LocatedFinding[] = scanText(`a = "${published}"`).map((f) => ({ ...f, path: 'x.py' }))
    const options = { showSecrets: false }
    const stats = { bytes: 1, files: 1, seconds: 0 }
    expect(renderText(findings, stats, options)).toContain('[published-example]')
    expect(JSON.parse(renderJson(findings, stats, options)).findings[0].tags).toEqual(['published-example'])
    const sarif = JSON.parse(renderSarif(findings, '0.0.0'))
    expect(sarif.runs[0].results[0].properties.tags).toEqual(['published-example'])
    expect(sarif.runs[0].results[0].message.text).toContain('a published example')
  })
})
