/**
 * GitHub App installation tokens: an RS256 JWT signed with Web Crypto (so it runs in Workers too) is exchanged at
 * `POST /app/installations/{id}/access_tokens` for a token that lasts an hour; tokens are cached per installation
 * until 5 minutes before they expire. Accepts the private key as GitHub hands it out (PKCS#1, `BEGIN RSA PRIVATE KEY`)
 * or as PKCS#8 (`BEGIN PRIVATE KEY`), with real or `\n`-escaped newlines (as environment variables often hold it).
 *
 * @example
 * const auth = new GithubAppAuth({ apiUrl: 'https://api.github.com', appId: '12345', privateKey: pem })
 * const token = await auth.installationToken(push.installationId!)   // reused until 5 minutes before expiry
 */
import { RemoteError, remoteFetch } from '../remote-error.js'
import { readJson } from '../response-body.js'

export interface GithubAppAuthOptions {
  apiUrl: string
  appId: string
  privateKey: string
  fetch?: typeof fetch
  timeoutMs?: number
  /** Injectable clock (ms since epoch). */
  now?: () => number
}

const REFRESH_BEFORE_EXPIRY_MS = 5 * 60_000

export class GithubAppAuth {
  private readonly options: GithubAppAuthOptions
  private key?: Promise<CryptoKey>
  private readonly tokens = new Map<number, Promise<{ token: string; expiresAt: number }>>()

  constructor(options: GithubAppAuthOptions) {
    this.options = options
  }

  private now(): number {
    return this.options.now?.() ?? Date.now()
  }

  /**
   * A token for `installationId`, minted or taken from the cache. Throws RemoteError ('auth' when GitHub refuses the
   * app).
   */
  async installationToken(installationId: number): Promise<string> {
    const cached = this.tokens.get(installationId)
    if (cached) {
      try {
        const t = await cached
        if (t.expiresAt - REFRESH_BEFORE_EXPIRY_MS > this.now()) return t.token
      } catch {
        // A failed mint is not cached; fall through and try again.
      }
    }
    const minting = this.mint(installationId)
    this.tokens.set(installationId, minting)
    try {
      return (await minting).token
    } catch (err) {
      if (this.tokens.get(installationId) === minting) this.tokens.delete(installationId)
      throw err
    }
  }

  /** Drops a cached token, e.g. after GitHub answered 401 to it. */
  forget(installationId: number): void {
    this.tokens.delete(installationId)
  }

  /** The app's JWT: `iat` 60 s in the past against clock drift, `exp` 9 minutes ahead (GitHub allows at most 10). */
  async appJwt(): Promise<string> {
    const now = Math.floor(this.now() / 1000)
    const header = base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }))
    const payload = base64url(JSON.stringify({ iat: now - 60, exp: now + 540, iss: this.options.appId }))
    const signingInput = `${header}.${payload}`
    this.key ??= importRsaPrivateKey(this.options.privateKey)
    const signature = await crypto.subtle.sign(
      'RSASSA-PKCS1-v1_5',
      await this.key,
      new TextEncoder().encode(signingInput),
    )
    return `${signingInput}.${base64url(new Uint8Array(signature))}`
  }

  private async mint(installationId: number): Promise<{ token: string; expiresAt: number }> {
    const url = `${this.options.apiUrl.replace(/\/+$/, '')}/app/installations/${installationId}/access_tokens`
    const res = await remoteFetch(
      url,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${await this.appJwt()}`,
          accept: 'application/vnd.github+json',
          'x-github-api-version': '2022-11-28',
          'user-agent': 'patrol',
        },
      },
      { fetch: this.options.fetch, timeoutMs: this.options.timeoutMs },
    )
    const body = await readJson<{ token?: unknown; expires_at?: unknown }>(res, 'installation token')
    if (typeof body.token !== 'string' || typeof body.expires_at !== 'string')
      throw new RemoteError('permanent', 'installation token: the answer has no token or expires_at')
    const expiresAt = Date.parse(body.expires_at)
    return { token: body.token, expiresAt: Number.isFinite(expiresAt) ? expiresAt : this.now() + 55 * 60_000 }
  }
}

/** Imports a PEM RSA private key for RS256, wrapping PKCS#1 into PKCS#8 because Web Crypto only takes the latter. */
export async function importRsaPrivateKey(pem: string): Promise<CryptoKey> {
  const text = pem.replace(/\\n/g, '\n').trim()
  const match = /-----BEGIN (RSA )?PRIVATE KEY-----([\s\S]+?)-----END (RSA )?PRIVATE KEY-----/.exec(text)
  if (!match) throw new Error('GitHub App private key: expected a PEM "PRIVATE KEY" or "RSA PRIVATE KEY" block')
  const der = base64Decode(match[2]!.replace(/\s+/g, ''))
  const pkcs8 = match[1] ? wrapPkcs1(der) : der
  return crypto.subtle.importKey('pkcs8', pkcs8, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign'])
}

/** PrivateKeyInfo ::= SEQUENCE { version 0, AlgorithmIdentifier { rsaEncryption, NULL }, OCTET STRING pkcs1 } */
function wrapPkcs1(pkcs1: Uint8Array): Uint8Array<ArrayBuffer> {
  const version = Uint8Array.of(0x02, 0x01, 0x00)
  const rsaAlgorithm = Uint8Array.of(
    0x30,
    0x0d,
    0x06,
    0x09,
    0x2a,
    0x86,
    0x48,
    0x86,
    0xf7,
    0x0d,
    0x01,
    0x01,
    0x01,
    0x05,
    0x00,
  )
  const octets = der(0x04, pkcs1)
  return der(0x30, concat([version, rsaAlgorithm, octets]))
}

function der(tag: number, content: Uint8Array): Uint8Array<ArrayBuffer> {
  const n = content.length
  let length: number[]
  if (n < 0x80) length = [n]
  else {
    const bytes: number[] = []
    for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff)
    length = [0x80 | bytes.length, ...bytes]
  }
  return concat([Uint8Array.of(tag, ...length), content])
}

function concat(parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0))
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

function base64Decode(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64)
  const out = new Uint8Array(bin.length)
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i)
  return out
}

function base64url(input: string | Uint8Array): string {
  const bytes = typeof input === 'string' ? new TextEncoder().encode(input) : input
  let bin = ''
  for (const b of bytes) bin += String.fromCharCode(b)
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}
