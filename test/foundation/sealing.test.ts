import { describe, expect, it } from 'vitest'
import { fingerprint, importKeys, seal, unseal } from '../../src/incidents/sealing.js'

const secrets = { sealingKey: new Uint8Array(32).fill(9), fingerprintKey: new Uint8Array(32).fill(4) }

describe('sealing', () => {
  it('seals with Node’s cipher and Web Crypto interchangeably (AES-256-GCM either way)', async () => {
    const keys = await importKeys(secrets)
    expect(keys.nodeCipher).toBeDefined()
    const { nodeCipher: _, ...webOnly } = keys
    for (const [sealer, opener] of [
      [keys, webOnly],
      [webOnly, keys],
    ]) {
      const sealed = await seal(sealer!, 'ghp_example-token-text')
      expect(sealed).toMatch(/^v1\.[\w-]{16}\.[\w-]+$/)
      expect(await unseal(opener!, sealed)).toBe('ghp_example-token-text')
    }
  })

  it('never seals the same token to the same text, and refuses a tampered one without echoing it', async () => {
    const keys = await importKeys(secrets)
    const a = await seal(keys, 'token')
    expect(await seal(keys, 'token')).not.toBe(a)
    // The last character but one is replaced by another one (it may already be 'A').
    const tampered = `${a.slice(0, -2)}${a.at(-2) === 'A' ? 'B' : 'A'}${a.slice(-1)}`
    await expect(unseal(keys, tampered)).rejects.toThrow(
      'sealed token: cannot be opened with the configured PATROL_SEALING_KEY',
    )
    await expect(unseal(await importKeys({ ...secrets, sealingKey: new Uint8Array(32) }), a)).rejects.toThrow(
      /PATROL_SEALING_KEY/,
    )
  })

  it('fingerprints by key: the same token gives the same fingerprint, another key another one', async () => {
    const keys = await importKeys(secrets)
    const other = await importKeys({ ...secrets, fingerprintKey: new Uint8Array(32) })
    expect(await fingerprint(keys, 't')).toBe(await fingerprint(keys, 't'))
    expect(await fingerprint(keys, 't')).not.toBe(await fingerprint(other, 't'))
    expect(await fingerprint(keys, 't')).toHaveLength(43)
  })
})
