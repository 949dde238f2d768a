import { describe, expect, it } from 'vitest'
import { lineChunks, MAX_LINE_CHARS, PIECE_CHARS } from '../../src/cli/line-chunks.js'

async function* chunksOf(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size)
}

async function pieces(bytes: Uint8Array, size: number, asBytes: boolean) {
  const out = []
  for await (const piece of lineChunks(chunksOf(bytes, size), { bytes: asBytes })) out.push(piece)
  return out
}

const fromLatin1 = (s: string): Uint8Array => Buffer.from(s, 'latin1')

describe('lineChunks over bytes', () => {
  it('yields the bytes, one character each, in line-aligned pieces that decode to the text pieces', async () => {
    const lines: string[] = []
    for (let i = 0, length = 0; length < 3 * PIECE_CHARS; i++) {
      lines.push(`+${'日本€x'.repeat(i % 40)} ${i}\n`)
      length += lines[i]!.length
    }
    const bytes = new TextEncoder().encode(`\ufeff${lines.join('')}`)
    for (const size of [1000, 1 << 20]) {
      const raw = await pieces(bytes, size, true)
      const text = await pieces(bytes, size, false)
      expect(raw.length).toBeGreaterThan(1)
      // The byte-order mark is dropped, as the decoder drops it; every piece ends at a line end.
      expect(raw.map((p) => new TextDecoder('utf-8', { ignoreBOM: true }).decode(fromLatin1(p.text)))).toEqual(
        text.map((p) => p.text),
      )
      for (const p of raw) expect(p.text.endsWith('\n')).toBe(true)
      expect(raw.every((p) => p.text.length <= 2 * PIECE_CHARS)).toBe(true)
    }
  })

  it('cuts a line longer than MAX_LINE_CHARS between characters, never inside one', async () => {
    const line = '€'.repeat(Math.ceil(MAX_LINE_CHARS / 3) + 5) // 3 bytes each: the limit falls inside one
    const raw = await pieces(new TextEncoder().encode(`${line}\n`), 1 << 20, true)
    expect(raw[0]?.cut).toBe(true)
    const decoded = raw.map((p) => new TextDecoder('utf-8', { fatal: true }).decode(fromLatin1(p.text)))
    expect(decoded.join('')).toBe(`${line}\n`)
  })
})
