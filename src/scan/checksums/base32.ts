/**
 * RFC 4648 base32 (alphabet `A-Z2-7`, no padding). Azure DevOps' legacy PATs are lower-case base32
 * of 32 bytes; GitHub's fine-grained PAT checksum is upper-case base32 of a SHA-256.
 *
 * @example
 * base32Encode(new TextEncoder().encode('foobar')) // 'MZXW6YTBOI'
 * base32Decode('mzxw6ytboi') // bytes of 'foobar'
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'

const VALUES = (() => {
  const v = new Int8Array(128).fill(-1)
  for (let i = 0; i < 32; i++) {
    v[ALPHABET.charCodeAt(i)] = i
    v[ALPHABET.toLowerCase().charCodeAt(i)] = i
  }
  return v
})()

/** Upper-case base32 of bytes, without `=` padding. */
export function base32Encode(bytes: ArrayLike<number>): string {
  let out = ''
  let buffer = 0
  let bits = 0
  for (let i = 0; i < bytes.length; i++) {
    buffer = ((buffer << 8) | (bytes[i] ?? 0)) & 0xffff
    bits += 8
    while (bits >= 5) {
      bits -= 5
      out += ALPHABET[(buffer >>> bits) & 31]
    }
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31]
  return out
}

/**
 * Decodes `text[start, end)` (either case, no padding), most significant bit first. Leftover bits
 * that do not fill a byte are dropped. Returns undefined on a character outside the alphabet.
 */
export function base32Decode(text: string, start = 0, end = text.length): Uint8Array | undefined {
  const out = new Uint8Array(Math.floor(((end - start) * 5) / 8))
  let buffer = 0
  let bits = 0
  let o = 0
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i)
    const v = c < 128 ? (VALUES[c] ?? -1) : -1
    if (v < 0) return undefined
    buffer = ((buffer << 5) | v) & 0xffff
    bits += 5
    if (bits >= 8) {
      bits -= 8
      out[o++] = (buffer >>> bits) & 0xff
    }
  }
  return out
}
