/**
 * Signing in to the admin page over `app.request`, as a browser would: a same-origin form POST, then the session
 * cookie carried on later requests. For the page's route tests (auth, CSRF, sessions).
 *
 * @example
 * const cookie = await signIn(t.app)                        // 'patrol_admin=…'
 * const res = await pageRequest(t.app, '/admin/incidents', { cookie })
 * await postForm(t.app, '/admin/incidents/7/actions', { action: 'resolve' }, { cookie })
 */
import { TEST_ADMIN_TOKEN } from './env.js'

interface Requester {
  request(path: string, init?: RequestInit): Response | Promise<Response>
}

/** The origin `app.request` gives relative paths. */
export const APP_ORIGIN = 'http://localhost'

export interface PageRequest {
  cookie?: string
  /** Default: the app's own origin, as a browser sends on a same-origin form POST. `null`: no Origin header. */
  origin?: string | null
  secFetchSite?: string
  contentType?: string
}

export function pageRequest(
  app: Requester,
  path: string,
  o: PageRequest & { method?: string; body?: string } = {},
): Promise<Response> {
  const headers: Record<string, string> = {}
  if (o.cookie) headers.cookie = o.cookie
  const method = o.method ?? 'GET'
  if (method !== 'GET') {
    const origin = o.origin === undefined ? APP_ORIGIN : o.origin
    if (origin !== null) headers.origin = origin
    headers['content-type'] = o.contentType ?? 'application/x-www-form-urlencoded'
  }
  if (o.secFetchSite) headers['sec-fetch-site'] = o.secFetchSite
  return Promise.resolve(
    app.request(path, { method, headers, ...(o.body !== undefined ? { body: o.body } : {}), redirect: 'manual' }),
  )
}

export function postForm(
  app: Requester,
  path: string,
  fields: Record<string, string>,
  o: PageRequest = {},
): Promise<Response> {
  return pageRequest(app, path, { ...o, method: 'POST', body: new URLSearchParams(fields).toString() })
}

/** The `name=value` part of the response's session cookie, or undefined. */
export function sessionCookie(res: Response): string | undefined {
  const line = res.headers.getSetCookie().find((c) => c.startsWith('patrol_admin='))
  return line?.split(';')[0]
}

export async function signIn(app: Requester, token = TEST_ADMIN_TOKEN): Promise<string> {
  const res = await postForm(app, '/admin/sign-in', { token })
  const cookie = sessionCookie(res)
  if (res.status !== 303 || !cookie) throw new Error(`sign-in failed: ${res.status}`)
  return cookie
}
