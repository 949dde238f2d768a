import { createHash, randomBytes } from 'node:crypto'
import { crc32 as nodeCrc32 } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { base32Decode, base32Encode } from '../../src/scan/checksums/base32.js'
import { base62Bytes, base62Padded } from '../../src/scan/checksums/base62.js'
import { base64Decode, base64Encode } from '../../src/scan/checksums/base64.js'
import { crc32, crc32Ascii } from '../../src/scan/checksums/crc32.js'
import { marvin32 } from '../../src/scan/checksums/marvin32.js'
import { sha256 } from '../../src/scan/checksums/sha256.js'

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s)
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

describe('crc32', () => {
  it('matches the IEEE check value and node:zlib on random data', () => {
    expect(crc32(ascii('123456789'))).toBe(0xcbf43926)
    expect(crc32(new Uint8Array())).toBe(0)
    for (let i = 0; i < 200; i++) {
      const data = randomBytes(i)
      expect(crc32(data)).toBe(nodeCrc32(data))
    }
  })

  it('reads ASCII text in place, over a sub-range', () => {
    expect(crc32Ascii('xx123456789yy', 2, 11)).toBe(0xcbf43926)
  })
})

describe('marvin32', () => {
  it('matches the security-utilities vector (seed 0xd53cd9cecd0893b7, "abc")', () => {
    expect(marvin32(ascii('abc'), 0xcd0893b7, 0xd53cd9ce)).toBe(0x6be02a86)
  })

  it('depends on every byte and on the seed', () => {
    const data = randomBytes(60)
    const h = marvin32(data, 0x756c7430, 0x44656661)
    expect(marvin32(data, 0x756c7431, 0x44656661)).not.toBe(h)
    for (let i = 0; i < data.length; i++) {
      const copy = Uint8Array.from(data)
      copy[i] = (copy[i] ?? 0) ^ 1
      expect(marvin32(copy, 0x756c7430, 0x44656661)).not.toBe(h)
    }
  })
})

describe('base62', () => {
  it("pads GitHub's CRC32 checksum with leading zeros (DataDog vector)", () => {
    expect(base62Padded(crc32Ascii('QdwULL38u41vs1OcAjhKqcaSZ9W63r'), 6)).toBe('0Zu4ln')
    expect(base62Padded(0, 6)).toBe('000000')
    expect(base62Padded(61, 1)).toBe('z')
    expect(base62Padded(62, 1)).toBe('10')
    expect(base62Padded(0xffffffff, 6)).toBe('4gfFC3')
  })

  it("encodes bytes the way Microsoft's Base62.Net does (a 0 per leading zero byte)", () => {
    expect(base62Bytes([0, 0, 1, 0])).toBe('00' + '48')
    expect(base62Bytes([1, 0])).toBe('48')
    expect(base62Bytes([0, 0, 0, 0])).toBe('0000')
  })
})

describe('base32', () => {
  it('matches RFC 4648 vectors', () => {
    const vectors: Array<[string, string]> = [
      ['', ''],
      ['f', 'MY'],
      ['fo', 'MZXQ'],
      ['foo', 'MZXW6'],
      ['foob', 'MZXW6YQ'],
      ['fooba', 'MZXW6YTB'],
      ['foobar', 'MZXW6YTBOI'],
    ]
    for (const [plain, encoded] of vectors) {
      expect(base32Encode(ascii(plain))).toBe(encoded)
      expect(Buffer.from(base32Decode(encoded.toLowerCase()) ?? []).toString()).toBe(plain)
    }
  })

  it('rejects characters outside the alphabet', () => {
    expect(base32Decode('mzxw1')).toBeUndefined()
  })
})

describe('base64', () => {
  it('round-trips with Buffer for both alphabets and stops at padding', () => {
    for (let n = 0; n < 70; n++) {
      const data = randomBytes(n)
      expect(base64Encode(data)).toBe(data.toString('base64'))
      expect(hex(base64Decode(data.toString('base64')))).toBe(data.toString('hex'))
      expect(hex(base64Decode(data.toString('base64url')))).toBe(data.toString('hex'))
    }
    expect(Buffer.from(base64Decode('OmdocF8=garbage')).toString()).toBe(':ghp_')
  })
})

describe('sha256', () => {
  it('matches the FIPS 180-4 vectors', () => {
    expect(hex(sha256(ascii('abc')))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
    expect(hex(sha256(ascii('')))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
    expect(hex(sha256(ascii('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')))).toBe(
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    )
  })

  it('matches node:crypto on every length around the block boundaries', () => {
    for (let n = 0; n < 200; n++) {
      const data = randomBytes(n)
      expect(hex(sha256(data))).toBe(createHash('sha256').update(data).digest('hex'))
    }
  })
})
