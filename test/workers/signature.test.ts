/**
 * The GitHub signature check inside workerd: `crypto.DigestStream` is found and agrees with Web Crypto's HMAC, as
 * the JavaScript fallback does, over random bodies split at random places.
 */
import { describe, expect, it } from 'vitest'
import { githubSignatureCheck, macEngines } from '../../src/platforms/github/signature.js'
import { feedInPieces } from '../support/pieces.js'
import { hmacSha256Hex } from './deliveries.js'

const random = (n: number) => Math.floor(Math.random() * n)

describe('the streaming signature check on Workers', () => {
  it("finds Workers' DigestStream, with the JavaScript HMAC as the fallback", () => {
    // The test pool runs workerd with nodejs_compat, so node:crypto is found too; the deployed Worker
    // (wrangler.toml, no nodejs_compat) has DigestStream first.
    expect(macEngines()).toContain('digest-stream')
    expect(macEngines().at(-1)).toBe('javascript')
  })

  it.each(macEngines())('agrees with Web Crypto over random bodies and secrets (%s)', async (engine) => {
    for (let round = 0; round < 30; round++) {
      const body = crypto.getRandomValues(new Uint8Array(1 + random(5000)))
      // Secrets longer than the 64-byte block are hashed first (RFC 2104).
      const secret = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(1 + random(100)))))
      const signature = `sha256=${await hmacSha256Hex(secret, body)}`
      const check = githubSignatureCheck(signature, ['some-other-secret', secret], { engine })!
      feedInPieces(check, body)
      expect(await check.matches()).toBe(true)
      const wrong = githubSignatureCheck(signature, ['some-other-secret'], { engine })!
      wrong.update(body)
      expect(await wrong.matches()).toBe(false)
    }
  })
})
