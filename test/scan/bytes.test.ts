import { describe, expect, it } from 'vitest'
import { DiffScanner } from '../../src/scan/index.js'
import { generateAdoLegacyPat, generateAdoPat, generateGithubToken } from '../support/tokens.js'

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)
const latin1 = (b: Uint8Array): string => Buffer.from(b).toString('latin1')
const concat = (...parts: Array<string | Uint8Array>): Uint8Array =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? utf8(p) : p)))

/** Findings for `bytes` read as decoded text (as before) and as bytes, over the same line-aligned pieces. */
function bothWays(bytes: Uint8Array, includeLow: boolean, pieceBytes = 1 << 20) {
  const text = new DiffScanner({ includeLow })
  const raw = new DiffScanner({ includeLow, bytes: true })
  const decoder = new TextDecoder('utf-8')
  const asText = []
  const asBytes = []
  for (let start = 0; start < bytes.length; ) {
    let end = bytes.indexOf(0x0a, start + pieceBytes)
    end = end === -1 ? bytes.length : end + 1
    const piece = bytes.subarray(start, end)
    asText.push(...text.scan(decoder.decode(piece, { stream: true })))
    asBytes.push(...raw.scan(latin1(piece)))
    start = end
  }
  return { asText, asBytes }
}

/** 52 lower-case base32 characters whose checksum fails: reported (low) only with a keyword nearby. */
const INVALID_LEGACY = `${'abcdefghijklmnopqrstuvwxyz234567'.repeat(2).slice(0, 51)}q`

describe('DiffScanner over bytes', () => {
  it('reports the same findings, columns and paths as over decoded text, around characters of every UTF-8 length', () => {
    const ghp = generateGithubToken('ghp')
    const legacy = generateAdoLegacyPat()
    const pat = generateAdoPat()
    const b64 = Buffer.from(`:${generateGithubToken('gho')}`).toString('base64')
    const diff = concat(
      `commit ${'a'.repeat(40)}\n\n    ünïcode\n\n`,
      // git quotes a path with special characters and writes its non-ASCII bytes in octal
      'diff --git "a/caf\\303\\251 \\342\\202\\254\\t.txt" "b/caf\\303\\251 \\342\\202\\254\\t.txt"\n',
      'new file mode 100644\n--- /dev/null\n+++ "b/caf\\303\\251 \\342\\202\\254\\t.txt"\n@@ -0,0 +1,4 @@\n',
      `+é€😀 token=${ghp}\n`,
      '+bad ',
      new Uint8Array([0xff, 0xfe, 0xc3, 0x20, 0xe2, 0x82]),
      ` then ${legacy} and 𝄞 ${b64}\n`,
      `+${'€'.repeat(100)}"${pat}"\n`,
      `+plain ${ghp}\n`,
      // core.quotePath=false: the path as it is
      `diff --git a/docs/naïve/résumé.md b/docs/naïve/résumé.md\n--- a/docs/naïve/résumé.md\n+++ b/docs/naïve/résumé.md\n`,
      `@@ -1,2 +1,2 @@\n context ✓\n-${pat}\n+😀😀😀 ${pat} ${ghp}\n`,
    )
    for (const includeLow of [false, true]) {
      const { asText, asBytes } = bothWays(diff, includeLow)
      expect(asBytes).toEqual(asText)
    }
    const { asBytes } = bothWays(diff, false)
    expect(asBytes.map((f) => [f.path, f.line, f.column, f.encoding])).toEqual([
      ['café €\t.txt', 1, 'é€😀 token='.length + 1, 'plain'],
      ['café €\t.txt', 2, 'bad \ufffd\ufffd\ufffd \ufffd then '.length + 1, 'plain'],
      ['café €\t.txt', 2, `bad \ufffd\ufffd\ufffd \ufffd then ${legacy} and 𝄞 `.length + 1, 'base64'],
      ['café €\t.txt', 3, 102, 'plain'],
      ['café €\t.txt', 4, 7, 'plain'],
      ['docs/naïve/résumé.md', 2, 8, 'plain'],
      ['docs/naïve/résumé.md', 2, 8 + pat.length + 1, 'plain'],
    ])
  })

  it('looks for the context of a low-confidence legacy PAT in the same characters as over text', () => {
    const diff = concat(
      '--- a/x\n+++ b/x\n@@ -0,0 +1,3 @@\n',
      // 37 characters from the keyword to the run, but 97 bytes: still within the window
      `+token ${'€'.repeat(30)} ${INVALID_LEGACY}\n`,
      // 67 characters: outside it, as over text
      `+token ${'é'.repeat(60)} ${INVALID_LEGACY}\n`,
      `+token ${'😀'.repeat(20)} ${INVALID_LEGACY}\n`,
    )
    const { asText, asBytes } = bothWays(diff, true)
    expect(asBytes).toEqual(asText)
    expect(asBytes.map((f) => [f.line, f.confidence])).toEqual([
      [1, 'low'],
      [3, 'low'],
    ])
  })

  it('agrees with the scan of decoded text on a long diff of mixed scripts, invalid bytes and encoded tokens, over pieces', () => {
    const parts: Array<string | Uint8Array> = []
    const words = ['naïve', '日本語', '😀', 'plain', 'Ω', '\u00a0', 'x'.repeat(60)]
    for (let c = 0; c < 40; c++) {
      parts.push(`commit ${c.toString(16).padStart(40, '0')}\n\n    m\n\ndiff --git a/d${c}/ß${c} b/d${c}/ß${c}\n`)
      parts.push(`--- a/d${c}/ß${c}\n+++ b/d${c}/ß${c}\n@@ -1,200 +1,200 @@\n`)
      for (let i = 0; i < 200; i++) {
        const word = words[(i * 7 + c) % words.length]!
        const token =
          i % 41 === c % 41
            ? generateGithubToken('ghs')
            : i % 43 === c % 43
              ? Buffer.from(`pat:${generateAdoPat()}`).toString('base64')
              : i % 47 === c % 47
                ? `token ${INVALID_LEGACY}`
                : ''
        parts.push(i % 2 === 0 ? '+' : ' ', `${word} ${i} `)
        if (i % 13 === 0) parts.push(new Uint8Array([0xc3, 0x28, 0xf0, 0x9f]))
        parts.push(` ${word}${token} ${word}\n`)
        if (i % 2 === 1) parts.push(`-${word}\n`)
      }
    }
    const diff = concat(...parts)
    for (const pieceBytes of [4096, 65536]) {
      const { asText, asBytes } = bothWays(diff, true, pieceBytes)
      expect(asBytes.length).toBeGreaterThan(30)
      expect(asBytes).toEqual(asText)
    }
  })
})
