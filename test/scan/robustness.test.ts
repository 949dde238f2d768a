/**
 * Pathological and real-world inputs: every scan completes (linear-time loops, no backtracking
 * patterns) and yields what it should. Results are asserted, not timings.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { kindOf } from '../../src/kinds/index.js'
import { redact, scanText, scanUnifiedDiff } from '../../src/scan/index.js'
import { generateAdoPat, generateGithubToken } from '../support/tokens.js'

describe('pathological input', () => {
  it('a 1 MB line of one letter, of base64 letters, of escapes', () => {
    expect(scanText('a'.repeat(1 << 20), { includeLow: true })).toEqual([])
    expect(scanText('QUFB'.repeat(1 << 18), { includeLow: true })).toEqual([])
    expect(scanText('%41'.repeat(1 << 18), { includeLow: true })).toEqual([])
    expect(scanText('\\u0041'.repeat(1 << 17), { includeLow: true })).toEqual([])
    expect(scanText(`${'gh'.repeat(1 << 19)}p_`, { includeLow: true })).toEqual([])
    expect(scanText('JQQJ99'.repeat(1 << 17), { includeLow: true })).toEqual([])
  })

  it('a token at the end of a 1 MB line is still found, at the right column', () => {
    const token = generateGithubToken('ghp')
    expect(scanText(`${'a'.repeat(1 << 20)} ${token}`)).toMatchObject([{ secret: token, column: (1 << 20) + 2 }])
  })

  it('NUL bytes, invalid UTF-8 and lone surrogates around a token', () => {
    const token = generateAdoPat()
    const dirty = new TextDecoder().decode(Buffer.from([0xff, 0xc3, 0x28, 0xa0, 0xa1]))
    const text = `\0\0${dirty}\ud800 ${token}\0${dirty}\n\0`.repeat(3)
    expect(scanText(text).map((f) => [f.line, f.secret])).toEqual([
      [1, token],
      [2, token],
      [3, token],
    ])
    expect(scanText('\0'.repeat(100000))).toEqual([])
  })

  it('random binary decoded as text, and as a diff', () => {
    let seed = 1
    const bytes = Buffer.alloc(1 << 20)
    for (let i = 0; i < bytes.length; i++) bytes[i] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24
    const text = new TextDecoder().decode(bytes)
    expect(scanText(text).filter((f) => f.confidence === 'high')).toEqual([])
    expect(scanUnifiedDiff(`--- a/x\n+++ b/x\n@@ -0,0 +1,1 @@\n+${text.replaceAll('\n', ' ')}\n`)).toEqual([])
  })

  it('many short lines and many candidates', () => {
    const lines = Array.from({ length: 100000 }, (_, i) => (i % 2 ? 'ghp_short' : 'JQQJ99')).join('\n')
    expect(scanText(lines, { includeLow: true })).toEqual([])
  })
})

/** Text files under node_modules, up to a budget, to keep this test fast. */
function sampleNodeModules(budget: number): { text: string[]; bytes: number } {
  const root = join(import.meta.dirname, '../../node_modules')
  const text: string[] = []
  let bytes = 0
  const visit = (dir: string): void => {
    let names: string[]
    try {
      names = readdirSync(dir).sort()
    } catch {
      return
    }
    for (const name of names) {
      if (bytes >= budget) return
      const path = join(dir, name)
      const info = statSync(path, { throwIfNoEntry: false })
      if (!info) continue
      if (info.isDirectory()) visit(path)
      else if (info.isFile() && info.size < 1 << 20 && /\.(js|cjs|mjs|ts|json|md|map|txt|yml|yaml)$/.test(name)) {
        try {
          const buf = readFileSync(path)
          if (buf.subarray(0, 8000).includes(0)) continue
          text.push(buf.toString('utf8'))
          bytes += buf.length
        } catch {
          // a package being installed right now
        }
      }
    }
  }
  visit(root)
  return { text, bytes }
}

describe("node_modules' own text", () => {
  it('yields no high-confidence finding (a bounded sample of about 24 MB)', () => {
    const sample = sampleNodeModules(24 << 20)
    expect(sample.bytes).toBeGreaterThan(4 << 20)
    const high = sample.text.flatMap((t) => scanText(t)).filter((f) => f.confidence === 'high')
    // Any hit would have to be shown to be a real published token; there are none.
    expect(high.map((f) => `${f.kind} ${redact(f.secret)}`)).toEqual([])
  })
})

describe('redact and the issuer of a kind', () => {
  it('never shows more than 8 characters of a secret', () => {
    for (const length of [0, 1, 3, 4, 7, 8, 15, 16, 40, 93, 600]) {
      const secret = 'x'.repeat(length)
      const shownChars = redact(secret).replace('…', '').length
      expect(shownChars).toBeLessThanOrEqual(Math.min(8, length / 2))
    }
    const token = generateGithubToken('ghp')
    expect(redact(token)).toBe(`ghp_…${token.slice(-4)}`)
    // A record asking for more still shows at most 8 characters in all.
    expect(redact(token, { head: 8, tail: 8 }).replace('…', '')).toHaveLength(8)
  })

  it('names the issuer of each kind', () => {
    expect(kindOf('azure-devops-pat-legacy').issuer).toBe('azure-devops')
    expect(kindOf('azure-devops-app-secret').issuer).toBe('azure-devops')
    expect(kindOf('github-fine-grained-pat').issuer).toBe('github')
    expect(() => kindOf('gitlab-pat')).toThrow(/unknown token kind "gitlab-pat": known kinds are azure-devops-pat, /)
  })
})
