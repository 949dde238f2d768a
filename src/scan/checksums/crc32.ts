/**
 * CRC-32 (IEEE 802.3: reflected polynomial 0xEDB88320, init and final XOR 0xFFFFFFFF).
 * GitHub's `gh*_` tokens and Azure DevOps' legacy 52-character PATs both carry one.
 *
 * @example
 * crc32(new TextEncoder().encode('123456789')) // 0xcbf43926
 * crc32Ascii('QdwULL38u41vs1OcAjhKqcaSZ9W63r', 0, 30)
 */

const TABLE = (() => {
  const t = new Int32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    t[n] = c
  }
  return t
})()

/** CRC-32 of bytes, as an unsigned 32-bit number. */
export function crc32(bytes: ArrayLike<number>, start = 0, end = bytes.length): number {
  let c = -1
  for (let i = start; i < end; i++) c = (TABLE[(c ^ (bytes[i] ?? 0)) & 0xff] ?? 0) ^ (c >>> 8)
  return (c ^ -1) >>> 0
}

/** CRC-32 of the ASCII characters `text[start, end)` without building a byte array. */
export function crc32Ascii(text: string, start = 0, end = text.length): number {
  let c = -1
  for (let i = start; i < end; i++) c = (TABLE[(c ^ text.charCodeAt(i)) & 0xff] ?? 0) ^ (c >>> 8)
  return (c ^ -1) >>> 0
}
