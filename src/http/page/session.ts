/**
 * The admin page's session: after a sign-in with an admin token, a signed cookie carries the admin's name, an expiry
 * and a short tag of their token, never the token itself. The signing key is derived from the fingerprint key
 * (HMAC of a fixed label), so patrol needs no extra secret and a leaked cookie says nothing about any token.
 *
 * Each request re-checks the cookie against the configuration: the name must still be an admin and the tag must match
 * that admin's current token, so removing or rotating a token in `PATROL_ADMIN_TOKENS` ends its sessions. The cookie
 * also carries a random session id whose SHA-256 is a row of `admin_sessions`: signing out ends that row, "sign out
 * everywhere" ends all of the admin's, and a copied cookie stops working on the server, not only in the browser.
 * The cookie is HttpOnly, SameSite=Strict, scoped to `/admin`, and Secure when patrol is reached over https.
 *
 * @example
 * await startSession(c, { name: 'alice', token })   // Set-Cookie: patrol_admin=…; HttpOnly; SameSite=Strict;
 * Path=/admin
 * await sessionAdmin(c)                              // 'alice', or undefined (no cookie, tampered, expired, ended,
 * token gone)
 * await endSession(c)                                // this session, on the server and in the browser
 * await endAllSessions(c, 'alice')                   // every session of alice's
 */

import { and, eq, gt, isNull, lt } from 'drizzle-orm'
import type { Context } from 'hono'
import { deleteCookie, getSignedCookie, setSignedCookie } from 'hono/cookie'
import type { AdminToken, Config } from '../../config.js'
import { adminSessions } from '../../db/schema.js'
import type { AppEnv } from '../deps.js'

export const SESSION_COOKIE = 'patrol_admin'
export const SESSION_PATH = '/admin'
/** A working day: long enough not to annoy, short enough that a forgotten laptop does not stay signed in for a week. */
export const SESSION_MS = 8 * 3_600_000

const LABEL = 'patrol admin session cookie v1'
const encoder = new TextEncoder()

interface SessionKey {
  /** Raw bytes, as Hono's cookie signer takes them. */
  raw: ArrayBuffer
  /** The same key imported, for token tags. */
  hmac: CryptoKey
}

/** One derived key per secrets object (the same for the life of a process or Workers isolate). */
const derived = new WeakMap<object, Promise<SessionKey>>()

function sessionKey(config: Config): Promise<SessionKey> {
  let key = derived.get(config.secrets)
  if (!key) {
    key = (async () => {
      const master = await crypto.subtle.importKey(
        'raw',
        config.secrets.fingerprintKey as BufferSource,
        { name: 'HMAC', hash: 'SHA-256' },
        false,
        ['sign'],
      )
      const raw = await crypto.subtle.sign('HMAC', master, encoder.encode(LABEL))
      return {
        raw,
        hmac: await crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']),
      }
    })()
    derived.set(config.secrets, key)
  }
  return key
}

/** A short keyed tag of the admin's token: ties the session to this token without revealing anything about it. */
async function tokenTag(key: CryptoKey, token: string): Promise<string> {
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(`token:${token}`)))
  return [...mac.subarray(0, 12)].map((b) => b.toString(16).padStart(2, '0')).join('')
}

const base64url = (text: string) =>
  btoa(String.fromCharCode(...encoder.encode(text)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '')
const fromBase64url = (text: string) =>
  new TextDecoder().decode(Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (ch) => ch.charCodeAt(0)))

/** Whether cookies must be Secure: patrol is published over https, or this request came over https. */
export function isHttps(c: Context<AppEnv>): boolean {
  return c.get('deps').config.publicUrl.startsWith('https:') || new URL(c.req.url).protocol === 'https:'
}

function cookieOptions(c: Context<AppEnv>) {
  return { path: SESSION_PATH, httpOnly: true, sameSite: 'Strict' as const, secure: isHttps(c) }
}

const hex = (bytes: ArrayBuffer | Uint8Array) =>
  [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, '0')).join('')

/** What `admin_sessions` keeps of a session id: its SHA-256, so the table alone opens nothing. */
const hashOf = async (sid: string) => hex(await crypto.subtle.digest('SHA-256', encoder.encode(sid)))

export async function startSession(c: Context<AppEnv>, admin: AdminToken): Promise<void> {
  const { config, db, now } = c.get('deps')
  const key = await sessionKey(config)
  const at = now()
  const expires = at + SESSION_MS
  const sid = hex(crypto.getRandomValues(new Uint8Array(32)))
  await db.delete(adminSessions).where(lt(adminSessions.expiresAt, at))
  await db
    .insert(adminSessions)
    .values({ sessionHash: await hashOf(sid), admin: admin.name, createdAt: at, expiresAt: expires })
  const value = `v2.${base64url(admin.name)}.${expires}.${await tokenTag(key.hmac, admin.token)}.${sid}`
  await setSignedCookie(c, SESSION_COOKIE, value, key.raw, {
    ...cookieOptions(c),
    maxAge: Math.floor(SESSION_MS / 1000),
  })
}

/** Ends this browser's session on the server, and deletes its cookie. */
export async function endSession(c: Context<AppEnv>): Promise<void> {
  const session = await readSession(c)
  if (session) {
    const { db, now } = c.get('deps')
    await db
      .update(adminSessions)
      .set({ endedAt: now() })
      .where(and(eq(adminSessions.sessionHash, session.hash), isNull(adminSessions.endedAt)))
  }
  deleteCookie(c, SESSION_COOKIE, cookieOptions(c))
}

/** Ends every session of `admin` (this one included); returns how many were open. */
export async function endAllSessions(c: Context<AppEnv>, admin: string): Promise<number> {
  const { db, now } = c.get('deps')
  const ended = await db
    .update(adminSessions)
    .set({ endedAt: now() })
    .where(and(eq(adminSessions.admin, admin), isNull(adminSessions.endedAt), gt(adminSessions.expiresAt, now())))
    .returning({ id: adminSessions.id })
  deleteCookie(c, SESSION_COOKIE, cookieOptions(c))
  return ended.length
}

/** The signed-in admin's name, or undefined. */
export async function sessionAdmin(c: Context<AppEnv>): Promise<string | undefined> {
  return (await readSession(c))?.name
}

async function readSession(c: Context<AppEnv>): Promise<{ name: string; hash: string } | undefined> {
  const { config, db, now } = c.get('deps')
  const key = await sessionKey(config)
  const value = await getSignedCookie(c, key.raw, SESSION_COOKIE)
  if (!value) return undefined
  const [version, encodedName, expires, tag, sid] = value.split('.')
  if (
    version !== 'v2' ||
    !encodedName ||
    !expires ||
    !tag ||
    !sid ||
    !/^\d+$/.test(expires) ||
    Number(expires) <= now()
  )
    return undefined
  let name: string
  try {
    name = fromBase64url(encodedName)
  } catch {
    return undefined
  }
  // Every admin with that name (names may repeat); any whose current token matches the tag keeps the session.
  let current = false
  for (const admin of config.secrets.adminTokens)
    if (admin.name === name && (await tokenTag(key.hmac, admin.token)) === tag) current = true
  if (!current) return undefined
  const hash = await hashOf(sid)
  const [row] = await db
    .select({ id: adminSessions.id })
    .from(adminSessions)
    .where(
      and(
        eq(adminSessions.sessionHash, hash),
        eq(adminSessions.admin, name),
        isNull(adminSessions.endedAt),
        gt(adminSessions.expiresAt, now()),
      ),
    )
  return row ? { name, hash } : undefined
}
