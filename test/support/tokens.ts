/**
 * Test-time generators of checksum-valid tokens, for every test in the project.
 * Real-looking tokens are never committed (a checksum-valid fixture is indistinguishable from a
 * leak to push protection and other scanners), so tests make fresh ones on each run.
 *
 * The checksums here are a second, independent implementation (node:zlib's CRC-32, node:crypto's
 * SHA-256, a BigInt Marvin32 and base62/base32 written differently from src/scan/checksums), so
 * that the scanner's validators are tested against something other than themselves.
 *
 * @example
 * const pat = generateGithubToken('ghp')   // 'ghp_' + 30 random + 6 checksum characters
 * const bad = mutateOneChar(pat)           // same shape, one character changed
 */
import { createHash, randomBytes, randomInt } from 'node:crypto'
import { crc32 } from 'node:zlib'

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'

function randomFrom(alphabet: string, n: number): string {
  let out = ''
  for (let i = 0; i < n; i++) out += alphabet[randomInt(alphabet.length)]
  return out
}

/** Base62 of a big number, most significant digit first. */
function base62(value: bigint): string {
  if (value === 0n) return '0'
  let out = ''
  for (let v = value; v > 0n; v /= 62n) out = BASE62[Number(v % 62n)] + out
  return out
}

/** RFC 4648 base32 via a bit string: slow and obviously correct. */
function base32(bytes: Uint8Array): string {
  const bits = [...bytes].map((b) => b.toString(2).padStart(8, '0')).join('')
  let out = ''
  for (let i = 0; i < bits.length; i += 5) out += BASE32[parseInt(bits.slice(i, i + 5).padEnd(5, '0'), 2)]
  return out
}

/** Marvin32 with BigInt arithmetic (a second implementation; see security-utilities Marvin.cs). */
function marvin32(data: Uint8Array, seed: bigint): number {
  const M = 0xffffffffn
  const rotl = (x: bigint, n: bigint): bigint => ((x << n) | (x >> (32n - n))) & M
  let p0 = seed & M
  let p1 = (seed >> 32n) & M
  const mix = (): void => {
    p1 ^= p0
    p0 = rotl(p0, 20n)
    p0 = (p0 + p1) & M
    p1 = rotl(p1, 9n)
    p1 ^= p0
    p0 = rotl(p0, 27n)
    p0 = (p0 + p1) & M
    p1 = rotl(p1, 19n)
  }
  const padded = [...data, 0x80]
  while (padded.length % 4 !== 0) padded.push(0)
  for (let i = 0; i < padded.length; i += 4) {
    const w =
      BigInt(padded[i]!) |
      (BigInt(padded[i + 1]!) << 8n) |
      (BigInt(padded[i + 2]!) << 16n) |
      (BigInt(padded[i + 3]!) << 24n)
    p0 = (p0 + w) & M
    mix()
  }
  mix()
  return Number(p0 ^ p1)
}

/**
 * Azure DevOps 84-character PAT (July 2024 format) with a valid Marvin32/base62 checksum, embedding the given creation
 * year and 0-based month (random when not given).
 */
export function generateAdoPat(
  created: { year: number; month: number } = {
    year: 2024 + randomInt(0, 4),
    month: randomInt(12),
  },
): string {
  const year = BASE64[created.year - 2024]
  const month = 'ABCDEFGHIJKL'[created.month]
  const head = `${randomFrom(BASE62, 52)}JQQJ99${year}${month}ACAAAAA${randomFrom(BASE62, 5)}AAASAZDO`
  const bytes = Buffer.from(head, 'base64')
  const h = marvin32(bytes, 0x44656661756c7430n)
  const le = Buffer.alloc(4)
  le.writeUInt32LE(h >>> 0)
  // Microsoft's Base62.Net: the bytes as one big-endian number, a '0' for each leading zero byte.
  let zeros = 0
  while (zeros < 4 && le[zeros] === 0) zeros++
  const digits = zeros === 4 ? '' : base62(BigInt(`0x${le.subarray(zeros).toString('hex')}`))
  const checksum = ('0'.repeat(zeros) + digits).padEnd(6, '0').slice(0, 4)
  return head + checksum
}

/** Azure DevOps legacy 52-character token (lower-case base32) with a valid CRC32 for the given seed (or its value). */
export function generateAdoLegacyPat(seed: 'user' | 'application' | number = 'user'): string {
  const data = randomBytes(28)
  const xor = typeof seed === 'number' ? seed : seed === 'user' ? 0xe0b9692d : 0x1019f92e
  const value = (crc32(data) ^ xor) >>> 0
  const b = Buffer.alloc(32)
  data.copy(b, 0, 0, 2)
  data.copy(b, 3, 2, 6)
  data.copy(b, 9, 6, 19)
  data.copy(b, 23, 19, 28)
  b[22] = value & 0xff
  b[8] = (value >>> 8) & 0xff
  b[7] = (value >>> 16) & 0xff
  b[2] = value >>> 24
  return base32(b).toLowerCase()
}

/**
 * GitHub `gh?_` token: random base62 body (30, or 70 for `ghr`, or to fill `length`) + base62(CRC32(body)) padded to 6.
 */
export function generateGithubToken(
  prefix: 'ghp' | 'gho' | 'ghu' | 'ghs' | 'ghr' | (string & {}),
  length?: number,
): string {
  const body = randomFrom(BASE62, length !== undefined ? length - prefix.length - 7 : prefix === 'ghr' ? 70 : 30)
  return `${prefix}_${body}${base62(BigInt(crc32(Buffer.from(body, 'ascii')))).padStart(6, '0')}`
}

/** GitHub fine-grained PAT: `github_pat_` + id(22) + `_` + body(43) + base32(SHA-256)[0..8] + 8 random. */
export function generateFineGrainedPat(): string {
  const id = `11${randomFrom(BASE32, 7)}0${randomFrom(BASE62, 12)}`
  const signed = `github_pat_${id}_${randomFrom(BASE62, 43)}`
  const checksum = base32(createHash('sha256').update(signed, 'ascii').digest()).slice(0, 8)
  return signed + checksum + randomFrom(BASE62, 8)
}

function base64url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64url')
}

/** GitHub's 2026 installation token: `ghs_<app id>_<JWT>` (header, payload, signature). */
export function generateGhsJwt(): string {
  const appId = String(randomInt(1, 2_000_000_000))
  const header = base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }))
  const payload = base64url(
    JSON.stringify({ iss: appId, iat: 1_777_000_000, exp: 1_777_003_600, rid: randomBytes(8).toString('hex') }),
  )
  return `ghs_${appId}_${header}.${payload}.${base64url(randomBytes(256))}`
}

/**
 * The same token with one character replaced by another of the same character class (digit,
 * lower, upper), so the shape still matches and only the checksum can tell. `index` picks the
 * position (default random); fixed characters such as prefixes are mutated too when chosen.
 */
export function mutateOneChar(token: string, index = randomInt(token.length)): string {
  const c = token[index] ?? ''
  const klass = /[0-9]/.test(c)
    ? '0123456789'
    : /[a-z]/.test(c)
      ? 'abcdefghijklmnopqrstuvwxyz'
      : /[A-Z]/.test(c)
        ? 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'
        : ''
  if (klass === '') return token.slice(0, index) + (c === '_' ? '-' : '_') + token.slice(index + 1)
  let r = c
  while (r === c) r = klass[randomInt(klass.length)] ?? c
  return token.slice(0, index) + r + token.slice(index + 1)
}

/** Every one-character mutation of `token` at each position, with a random replacement per position. */
export function allOneCharMutations(token: string): string[] {
  return [...token].map((_, i) => mutateOneChar(token, i))
}
