/**
 * Checking `X-Hub-Signature-256` while the body streams in: HMAC-SHA-256 (RFC 2104) over the hand-written
 * incremental SHA-256, one running MAC per configured secret (the current one and any kept during a rotation), so
 * the body never has to be held whole before patrol knows whether GitHub sent it. Web Crypto has no incremental HMAC,
 * and this module runs on Workers too, so no `node:` import. The final comparison is constant-time.
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

/** A running check for `signature`, or undefined when the header is missing or not `sha256=<64 hex>`. */
export function githubSignatureCheck(signature: string | undefined, secrets: string[]): SignatureCheck | undefined {
  const expected = SIGNATURE.exec(signature ?? '')?.[1]
  if (!expected) return undefined
  const wanted = Uint8Array.from(expected.match(/../g)!, (hex) => Number.parseInt(hex, 16))
  const macs = secrets.filter(Boolean).map(hmacSha256)
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
