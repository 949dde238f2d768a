/**
 * Base64 (standard and URL-safe alphabets) for the scanner: decoding that never throws and accepts
 * both alphabets at once, because leaked text mixes them and a scanner must not stop on bad input.
 * Azure DevOps' 84-character PAT is itself base64 text whose decoded bytes carry the checksum.
 *
 * @example
 * base64Decode('OmdocF8=') // bytes of ':ghp_'
 * base64Encode([1, 2, 3]) // 'AQID'
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'

/** Value of each character code (both `+/` and `-_`), or -1. */
export const BASE64_VALUES = (() => {
  const v = new Int8Array(128).fill(-1)
  for (let i = 0; i < 64; i++) v[ALPHABET.charCodeAt(i)] = i
  v[0x2d] = 62 // -
  v[0x5f] = 63 // _
  return v
})()

/**
 * Decodes `text[start, end)`, stopping at the first character outside both alphabets (so `=` padding
 * simply ends it). A trailing partial group yields the whole bytes it holds.
 */
export function base64Decode(text: string, start = 0, end = text.length): Uint8Array {
  const out = new Uint8Array(Math.floor(((end - start) * 3) / 4))
  let o = 0
  let buffer = 0
  let bits = 0
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i)
    const v = c < 128 ? (BASE64_VALUES[c] ?? -1) : -1
    if (v < 0) break
    buffer = ((buffer << 6) | v) & 0xffffff
    bits += 6
    if (bits >= 8) {
      bits -= 8
      out[o++] = (buffer >>> bits) & 0xff
    }
  }
  return o === out.length ? out : out.subarray(0, o)
}

/** Standard base64 with `=` padding. */
export function base64Encode(bytes: ArrayLike<number>): string {
  let out = ''
  let i = 0
  for (; i + 2 < bytes.length; i += 3) {
    const n = ((bytes[i] ?? 0) << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0)
    out += ALPHABET[n >>> 18] + ALPHABET[(n >>> 12) & 63]! + ALPHABET[(n >>> 6) & 63]! + ALPHABET[n & 63]!
  }
  const rest = bytes.length - i
  if (rest === 1) {
    const n = (bytes[i] ?? 0) << 16
    out += `${ALPHABET[n >>> 18] + ALPHABET[(n >>> 12) & 63]!}==`
  } else if (rest === 2) {
    const n = ((bytes[i] ?? 0) << 16) | ((bytes[i + 1] ?? 0) << 8)
    out += `${ALPHABET[n >>> 18] + ALPHABET[(n >>> 12) & 63]! + ALPHABET[(n >>> 6) & 63]!}=`
  }
  return out
}
