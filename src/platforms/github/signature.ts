/**
 * Checking `X-Hub-Signature-256` while the body streams in: HMAC-SHA-256 (RFC 2104) over the hand-written
 * incremental SHA-256, one running MAC per configured secret (the current one and any kept during a rotation), so
 * the body never has to be held whole before patrol knows whether GitHub sent it. Web Crypto has no incremental HMAC,
 * and this module runs on Workers too, so no `node:` import: on Node, a probe finds `node:crypto` and its native
 * HMAC does the work (about 18× faster, which matters when a flood of large bodies with made-up signatures must each
 * be hashed to be refused). The final comparison is constant-time.
 *
 * @example
 * const check = githubSignatureCheck(req.header('x-hub-signature-256'), [secret, ...previous])
 * if (!check) return c.json({ error: 'X-Hub-Signature-256: malformed' }, 401)
 * for await (const chunk of body) check.update(chunk)
 * if (!check.matches()) return c.json({ error: 'X-Hub-Signature-256: does not match the body' }, 401)
 */
import { Sha256 } from '../../scan/checksums/sha256.js'

const SIGNATURE = /^sha256=([0-9a-f]{64})$/
const BLOCK = 64
const encoder = new TextEncoder()

export interface SignatureCheck {
  update(chunk: Uint8Array): void
  /** True when the signature is the HMAC of everything fed in, under one of the secrets. Call once, at the end. */
  matches(): boolean
}

interface NativeHmac {
  createHmac(algorithm: 'sha256', key: string): { update(chunk: Uint8Array): unknown; digest(): Uint8Array }
}

// An optional probe, not an import (as in incidents/sealing.ts): on Workers it finds nothing.
const native = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule?.(
  'node:crypto',
) as NativeHmac | undefined

/**
 * A running check for `signature`, or undefined when the header is missing or not `sha256=<64 hex>`.
 * @param o.native false: the JavaScript HMAC even where `node:crypto` exists (the tests compare both).
 */
export function githubSignatureCheck(
  signature: string | undefined,
  secrets: string[],
  o: { native?: boolean } = {},
): SignatureCheck | undefined {
  const expected = SIGNATURE.exec(signature ?? '')?.[1]
  if (!expected) return undefined
  const wanted = Uint8Array.from(expected.match(/../g)!, (hex) => Number.parseInt(hex, 16))
  const nodeCrypto = o.native === false ? undefined : native
  const macs = secrets
    .filter(Boolean)
    .map((secret) => (nodeCrypto ? nativeHmac(nodeCrypto, secret) : hmacSha256(secret)))
  let length = 0
  return {
    update(chunk) {
      length += chunk.length
      for (const mac of macs) mac.update(chunk)
    },
    matches() {
      // An empty body is never a delivery, whatever its signature.
      let ok = false
      for (const mac of macs) if (equal(mac.digest(), wanted)) ok = true
      return ok && length > 0
    },
  }
}

function nativeHmac(nodeCrypto: NativeHmac, secret: string) {
  const mac = nodeCrypto.createHmac('sha256', secret)
  return { update: (chunk: Uint8Array) => void mac.update(chunk), digest: () => new Uint8Array(mac.digest()) }
}

function hmacSha256(secret: string) {
  let key: Uint8Array = encoder.encode(secret)
  if (key.length > BLOCK) key = new Sha256().update(key).digest()
  const pad = (byte: number) => Uint8Array.from({ length: BLOCK }, (_, i) => (key[i] ?? 0) ^ byte)
  const inner = new Sha256().update(pad(0x36))
  return {
    update: (chunk: Uint8Array) => void inner.update(chunk),
    digest: () => new Sha256().update(pad(0x5c)).update(inner.digest()).digest(),
  }
}

/** Constant-time for equal lengths (both are 32 bytes here). */
function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0)
  return diff === 0
}
