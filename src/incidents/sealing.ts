/**
 * How patrol holds a token without holding it in clear (invariant 1, docs/architecture.md):
 * - the **fingerprint**, HMAC-SHA-256 under the fingerprint key, identifies a token for dedupe and suppressions
 *   without revealing it (a plain hash of a 40-character token with a 6-character checksum could be brute-forced
 *   offline only with the key);
 * - the **sealed token**, AES-256-GCM under the sealing key, is what the response needs to revoke it, erased after.
 * Web Crypto only, so it runs on Node and Workers.
 *
 * @example
 * const keys = await importKeys(config.secrets)
 * const fp = await fingerprint(keys, token)            // 'q1w2…' (base64url, 43 chars)
 * const sealed = await seal(keys, token)               // 'v1.<iv>.<ciphertext>'
 * (await unseal(keys, sealed)) === token               // true
 */
export interface TokenKeys {
  fingerprint: CryptoKey
  sealing: CryptoKey
  /**
   * On Node, the same AES-256-GCM done synchronously: Web Crypto's thread-pool round trip dominates the webhook path.
   */
  nodeCipher?: { encrypt(iv: Uint8Array, plain: Uint8Array): Uint8Array }
}

interface NodeCrypto {
  createCipheriv(
    algorithm: 'aes-256-gcm',
    key: Uint8Array,
    iv: Uint8Array,
  ): { update(b: Uint8Array): Buffer; final(): Buffer; getAuthTag(): Buffer }
}

export async function importKeys(secrets: { sealingKey: Uint8Array; fingerprintKey: Uint8Array }): Promise<TokenKeys> {
  const [fingerprint, sealing] = await Promise.all([
    crypto.subtle.importKey('raw', secrets.fingerprintKey as BufferSource, { name: 'HMAC', hash: 'SHA-256' }, false, [
      'sign',
    ]),
    crypto.subtle.importKey('raw', secrets.sealingKey as BufferSource, { name: 'AES-GCM' }, false, [
      'encrypt',
      'decrypt',
    ]),
  ])
  // An optional probe, not an import: on Workers it finds nothing and Web Crypto does the work.
  const nodeCrypto = (
    globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }
  ).process?.getBuiltinModule?.('node:crypto') as NodeCrypto | undefined
  const key = secrets.sealingKey
  const nodeCipher = nodeCrypto && {
    encrypt(iv: Uint8Array, plain: Uint8Array): Uint8Array {
      const cipher = nodeCrypto.createCipheriv('aes-256-gcm', key, iv)
      return Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()])
    },
  }
  return { fingerprint, sealing, ...(nodeCipher ? { nodeCipher } : {}) }
}

const encoder = new TextEncoder()

export async function fingerprint(keys: TokenKeys, token: string): Promise<string> {
  return toBase64Url(new Uint8Array(await crypto.subtle.sign('HMAC', keys.fingerprint, encoder.encode(token))))
}

export async function seal(keys: TokenKeys, token: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12))
  const ciphertext = keys.nodeCipher
    ? keys.nodeCipher.encrypt(iv, encoder.encode(token))
    : new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, keys.sealing, encoder.encode(token)))
  return `v1.${toBase64Url(iv)}.${toBase64Url(ciphertext)}`
}

/** The token, or an Error whose message never includes the sealed text. */
export async function unseal(keys: TokenKeys, sealed: string): Promise<string> {
  const [version, iv, ciphertext] = sealed.split('.')
  if (version !== 'v1' || !iv || !ciphertext) throw new Error('sealed token: unknown format')
  try {
    const plain = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: fromBase64Url(iv) as BufferSource },
      keys.sealing,
      fromBase64Url(ciphertext) as BufferSource,
    )
    return new TextDecoder().decode(plain)
  } catch {
    throw new Error('sealed token: cannot be opened with the configured PATROL_SEALING_KEY')
  }
}

/** Node's Buffer when there is one (much faster on a sealed push event of several kB), else btoa. */
const NodeBuffer = (globalThis as { Buffer?: typeof Buffer }).Buffer

function toBase64Url(bytes: Uint8Array): string {
  if (NodeBuffer) return NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url')
  let bin = ''
  for (const b of bytes) bin += String.fromCharCode(b)
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

function fromBase64Url(text: string): Uint8Array {
  if (NodeBuffer) return new Uint8Array(NodeBuffer.from(text, 'base64url'))
  const bin = atob(text.replace(/-/g, '+').replace(/_/g, '/'))
  return Uint8Array.from(bin, (c) => c.charCodeAt(0))
}
