/**
 * Base62 with the alphabet `0-9A-Za-z`, in the two flavours patrol's checksums need:
 * GitHub's (a 32-bit number, left-padded with `0` to 6 characters) and Microsoft's `Base62.Net`
 * (bytes read as one big-endian number, a `0` per leading zero byte, right-padded to 6 by the caller).
 *
 * @example
 * base62Padded(crc32Ascii(body), 6) // GitHub token checksum, e.g. '0Zu4ln'
 * base62Bytes([0, 1]) // '01'
 */

export const BASE62_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

/** `value` (a non-negative safe integer) in base62, left-padded with `0` to `width`. */
export function base62Padded(value: number, width: number): string {
  let out = ''
  let v = value
  do {
    out = BASE62_ALPHABET[v % 62] + out
    v = Math.floor(v / 62)
  } while (v > 0)
  return out.length >= width ? out : '0'.repeat(width - out.length) + out
}

/** Microsoft's Base62 of a short byte array (at most 6 bytes, so the number stays exact). */
export function base62Bytes(bytes: ArrayLike<number>): string {
  let zeros = 0
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++
  let value = 0
  for (let i = zeros; i < bytes.length; i++) value = value * 256 + (bytes[i] ?? 0)
  const digits = zeros === bytes.length ? '' : base62Padded(value, 0)
  return '0'.repeat(zeros) + digits
}
