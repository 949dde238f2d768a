/**
 * Marvin32, Microsoft's keyed hash, as used for the checksum of Azure DevOps' 84-character PATs
 * (microsoft/security-utilities `Marvin.cs`, `marvin.ts`). The seed is a 64-bit value given as its
 * low and high 32-bit halves, because JavaScript numbers cannot hold 64 bits exactly.
 *
 * @example
 * marvin32(new TextEncoder().encode('abc'), 0xcd0893b7, 0xd53cd9ce) // 0x6be02a86
 */

/** Marvin32 of `bytes` collapsed to 32 bits (`p0 ^ p1`), unsigned. */
export function marvin32(bytes: ArrayLike<number>, seedLow: number, seedHigh: number): number {
  let p0 = seedLow | 0
  let p1 = seedHigh | 0
  const whole = bytes.length & ~3
  let i = 0
  for (; i < whole; i += 4) {
    p0 =
      (p0 +
        ((bytes[i] ?? 0) | ((bytes[i + 1] ?? 0) << 8) | ((bytes[i + 2] ?? 0) << 16) | ((bytes[i + 3] ?? 0) << 24))) |
      0
    ;[p0, p1] = block(p0, p1)
  }
  // The tail bytes, then a single 0x80 byte of padding, form the final word.
  let last = 0x80 << ((bytes.length & 3) * 8)
  for (let k = 0; i + k < bytes.length; k++) last |= (bytes[i + k] ?? 0) << (k * 8)
  p0 = (p0 + last) | 0
  ;[p0, p1] = block(p0, p1)
  ;[p0, p1] = block(p0, p1)
  return (p0 ^ p1) >>> 0
}

function rotl(x: number, n: number): number {
  return (x << n) | (x >>> (32 - n))
}

function block(p0: number, p1: number): [number, number] {
  p1 ^= p0
  p0 = rotl(p0, 20)
  p0 = (p0 + p1) | 0
  p1 = rotl(p1, 9)
  p1 ^= p0
  p0 = rotl(p0, 27)
  p0 = (p0 + p1) | 0
  p1 = rotl(p1, 19)
  return [p0, p1]
}
