/**
 * A small synchronous SHA-256 (FIPS 180-4). GitHub's fine-grained PAT checksum needs one while
 * scanning, and Web Crypto's `digest` is async, which would make the whole scanner async for a
 * check that runs only on the rare text that already has the `github_pat_` shape. Hand-written
 * (about 60 lines, tested against the FIPS vectors and node:crypto) rather than a dependency, so
 * that `src/scan` stays free of packages and runs unchanged on Node and Workers.
 *
 * @example
 * sha256(new TextEncoder().encode('abc')) // Uint8Array [0xba, 0x78, …, 0xad]
 */

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
])

function rotr(x: number, n: number): number {
  return (x >>> n) | (x << (32 - n))
}

/** SHA-256 digest of `bytes` (32 bytes). */
export function sha256(bytes: Uint8Array): Uint8Array {
  return new Sha256().update(bytes).digest()
}

/**
 * The same digest fed in pieces, for input that arrives as a stream (a webhook body checked while it is read).
 *
 * @example
 * const h = new Sha256(); h.update(part1); h.update(part2); h.digest()
 */
export class Sha256 {
  readonly #h = new Int32Array([
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
  ])
  readonly #w = new Int32Array(64)
  /** The bytes of an unfinished 64-byte block. */
  readonly #block = new Uint8Array(64)
  readonly #blockView = new DataView(this.#block.buffer)
  #filled = 0
  #length = 0

  update(bytes: Uint8Array): this {
    this.#length += bytes.length
    let i = 0
    if (this.#filled > 0) {
      const take = Math.min(64 - this.#filled, bytes.length)
      this.#block.set(bytes.subarray(0, take), this.#filled)
      this.#filled += take
      i = take
      if (this.#filled < 64) return this
      this.#compress(this.#blockView, 0)
      this.#filled = 0
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    for (; i + 64 <= bytes.length; i += 64) this.#compress(view, i)
    this.#block.set(bytes.subarray(i))
    this.#filled = bytes.length - i
    return this
  }

  digest(): Uint8Array {
    const bitLength = this.#length * 8
    const tail = new Uint8Array(((this.#filled + 9 + 63) >> 6) << 6)
    tail.set(this.#block.subarray(0, this.#filled))
    tail[this.#filled] = 0x80
    const view = new DataView(tail.buffer)
    view.setUint32(tail.length - 8, Math.floor(bitLength / 0x100000000))
    view.setUint32(tail.length - 4, bitLength >>> 0)
    for (let offset = 0; offset < tail.length; offset += 64) this.#compress(view, offset)
    const out = new Uint8Array(32)
    const outView = new DataView(out.buffer)
    for (let i = 0; i < 8; i++) outView.setInt32(i * 4, this.#h[i] ?? 0)
    return out
  }

  #compress(view: DataView, offset: number): void {
    const h = this.#h
    const w = this.#w
    for (let t = 0; t < 16; t++) w[t] = view.getInt32(offset + t * 4)
    for (let t = 16; t < 64; t++) {
      const a = w[t - 15] ?? 0
      const b = w[t - 2] ?? 0
      const s0 = rotr(a, 7) ^ rotr(a, 18) ^ (a >>> 3)
      const s1 = rotr(b, 17) ^ rotr(b, 19) ^ (b >>> 10)
      w[t] = ((w[t - 16] ?? 0) + s0 + (w[t - 7] ?? 0) + s1) | 0
    }
    let [a, b, c, d, e, f, g, hh] = [
      h[0] ?? 0,
      h[1] ?? 0,
      h[2] ?? 0,
      h[3] ?? 0,
      h[4] ?? 0,
      h[5] ?? 0,
      h[6] ?? 0,
      h[7] ?? 0,
    ]
    for (let t = 0; t < 64; t++) {
      const s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)
      const ch = (e & f) ^ (~e & g)
      const t1 = (hh + s1 + ch + (K[t] ?? 0) + (w[t] ?? 0)) | 0
      const s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)
      const maj = (a & b) ^ (a & c) ^ (b & c)
      const t2 = (s0 + maj) | 0
      hh = g
      g = f
      f = e
      e = (d + t1) | 0
      d = c
      c = b
      b = a
      a = (t1 + t2) | 0
    }
    h[0] = ((h[0] ?? 0) + a) | 0
    h[1] = ((h[1] ?? 0) + b) | 0
    h[2] = ((h[2] ?? 0) + c) | 0
    h[3] = ((h[3] ?? 0) + d) | 0
    h[4] = ((h[4] ?? 0) + e) | 0
    h[5] = ((h[5] ?? 0) + f) | 0
    h[6] = ((h[6] ?? 0) + g) | 0
    h[7] = ((h[7] ?? 0) + hh) | 0
  }
}
