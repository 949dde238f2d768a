/**
 * The admin web page under `/admin`: server-rendered HTML (hono/jsx), no front-end build and no JavaScript needed.
 * Admins sign in with an admin token and get a signed session cookie (page/session.ts: HttpOnly, SameSite=Strict,
 * Secure over https, never the token); failed sign-ins are slowed, then refused, per client address
 * (page/sign-in-limiter.ts). Every POST must be a form from patrol's own origin (Hono's `csrf`: Origin or
 * Sec-Fetch-Site), on top of SameSite=Strict. Reads and actions go through the same functions as the JSON API, so
 * the page and the API cannot disagree, and every action lands in the audit trail as `admin:<name>`.
 *
 * Routes: GET /admin (dashboard), GET /admin/incidents (list, filters, pages), GET /admin/incidents/:id (timeline),
 * POST /admin/incidents/:id/actions, GET/POST /admin/suppressions, POST /admin/suppressions/:id/delete,
 * GET/POST /admin/sign-in, POST /admin/sign-out, POST /admin/sign-out-everywhere (sessions end on the server:
 * page/session.ts).
 *
 * @example
 * app.route('/', createAdminPage())   // in createApp; one sign-in limiter per app (per process or isolate)
 */

import { type Context, Hono, type MiddlewareHandler } from 'hono'
import { csrf } from 'hono/csrf'
import {
  applyAdminAction,
  createSuppression,
  deleteSuppression,
  listSuppressions,
  showSuppression,
} from '../../incidents/admin/actions.js'
import {
  decodeCursor,
  getIncident,
  type IncidentFilter,
  incidentStats,
  listIncidents,
} from '../../incidents/admin/queries.js'
import { ADMIN_ACTIONS, type AdminAction, STATUSES } from '../../incidents/states.js'
import { TOKEN_KIND_IDS } from '../../kinds/index.js'
import { OCCURRENCE_SOURCES } from '../../platforms/content-event.js'
import { locationLinks, PLATFORM_IDS } from '../../platforms/index.js'
import { findAdmin } from '../admin-auth.js'
import { bodyRefusal, readBounded } from '../body-budget.js'
import type { AppEnv } from '../deps.js'
import { clientAddress } from '../page/client-address.js'
import { Dashboard, WINDOWS, type Window } from '../page/dashboard.js'
import { IncidentPage, type OccurrenceLinks } from '../page/incident.js'
import { IncidentsPage, type ListFilters } from '../page/incidents.js'
import { Layout, page } from '../page/layout.js'
import { endAllSessions, endSession, sessionAdmin, startSession } from '../page/session.js'
import { SignInPage } from '../page/sign-in.js'
import { createSignInLimiter, type Gate, type SignInLimiter } from '../page/sign-in-limiter.js'
import { type SuppressionDraft, SuppressionsPage } from '../page/suppressions.js'

const PAGE_SIZE = 50

/** No script, no external anything; forms post only to patrol; no framing. */
const CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

/** Links for the incident page, through the platform registry (from the configured hosts, never a payload URL). */
const occurrenceLinks =
  (c: Context<AppEnv>): OccurrenceLinks =>
  (o) =>
    locationLinks(c.get('deps').config, o.provider, {
      repository: o.repository,
      branch: o.ref ?? undefined,
      commit: o.commitSha ?? undefined,
      path: o.path,
      line: o.line,
    })

const DONE: Record<AdminAction, string> = {
  resolve: 'Resolved.',
  false_positive: 'Marked as a false positive.',
  reopen: 'Reopened.',
  retry_response: 'The response will be retried shortly.',
}

/** Where to go after signing in: a path of this page, never another site (`//evil`, `/\evil`). */
function safeNext(next: unknown): string | undefined {
  return typeof next === 'string' && /^\/admin(?:[/?][^\s\\]*)?$/.test(next) && !next.startsWith('//')
    ? next
    : undefined
}

const field = (body: Record<string, unknown>, name: string): string => {
  const v = body[name]
  return typeof v === 'string' ? v.trim() : ''
}

function isForm(c: Context): boolean {
  return isUrlencoded(c) || /^multipart\/form-data\b/i.test(c.req.header('content-type') ?? '')
}

function isUrlencoded(c: Context): boolean {
  return /^application\/x-www-form-urlencoded\b/i.test(c.req.header('content-type') ?? '')
}

/** The sign-in form is a token (43 characters when generated, 2000 at most) and a `next` path. */
const SIGN_IN_MAX_BYTES = 8 * 1024

export interface AdminPageOptions {
  /** The sign-in limiter; default a fresh one with DEFAULT_SIGN_IN_LIMITS. */
  limiter?: SignInLimiter
}

export function createAdminPage(o: AdminPageOptions = {}) {
  const limiter = o.limiter ?? createSignInLimiter()
  const admin = new Hono<AppEnv>()

  const pageHeaders: MiddlewareHandler<AppEnv> = async (c, next) => {
    await next()
    c.header('Cache-Control', 'no-store')
    if ((c.res.headers.get('content-type') ?? '').startsWith('text/html')) c.header('Content-Security-Policy', CSP)
  }
  // Behind a reverse proxy the request URL is the internal one; the public URL's origin is patrol's origin too.
  const sameOrigin = csrf({
    origin: (origin, c) =>
      origin === new URL(c.req.url).origin ||
      origin === new URL((c as Context<AppEnv>).get('deps').config.publicUrl).origin,
  })
  const formsOnly: MiddlewareHandler<AppEnv> = async (c, next) => {
    if (c.req.method === 'POST' && !isForm(c)) return c.text('expects a form (application/x-www-form-urlencoded)', 415)
    return sameOrigin(c, next)
  }
  const signedIn: MiddlewareHandler<AppEnv> = async (c, next) => {
    const name = await sessionAdmin(c)
    if (!name) {
      const here = new URL(c.req.url)
      const wanted = c.req.method === 'GET' ? safeNext(here.pathname + here.search) : undefined
      return c.redirect(
        `/admin/sign-in${wanted && wanted !== '/admin' ? `?${new URLSearchParams({ next: wanted })}` : ''}`,
        303,
      )
    }
    c.set('admin', name)
    await next()
  }

  // '/admin/*' matches '/admin' too.
  admin.use('/admin/*', pageHeaders, formsOnly)

  admin.get('/admin/sign-in', async (c) => {
    if (await sessionAdmin(c)) return c.redirect(safeNext(c.req.query('next')) ?? '/admin', 303)
    const notice =
      c.req.query('signed-out') !== undefined
        ? 'Signed out.'
        : c.req.query('signed-out-everywhere') !== undefined
          ? 'Signed out everywhere: every session of yours has ended.'
          : undefined
    return c.html(page(<SignInPage next={safeNext(c.req.query('next'))} notice={notice} />))
  })

  admin.post('/admin/sign-in', async (c) => {
    const { config, now, log } = c.get('deps')
    const address = clientAddress(c)
    const refuse = (gate: Extract<Gate, { allowed: false }>, next?: string) => {
      const seconds = Math.ceil(gate.retryAfterMs / 1000)
      log.warn('admin.sign_in_refused', { address, retryAfterS: seconds, locked: gate.locked })
      c.header('Retry-After', String(seconds))
      return c.html(
        page(
          <SignInPage next={next} error={`Too many failed sign-ins from your address. Try again in ${seconds} s.`} />,
        ),
        429,
      )
    }
    // A refused address is turned away before its body is read; anyone else gets a few kilobytes of urlencoded form.
    const waiting = limiter.check(address, now())
    if (!waiting.allowed) return refuse(waiting)
    if (!isUrlencoded(c)) return c.text('expects a form (application/x-www-form-urlencoded)', 415)
    const read = await readBounded(c.req.raw, { maxBytes: SIGN_IN_MAX_BYTES, budget: c.get('bodyBudget') })
    if (!read.ok) return bodyRefusal(c, read)
    const body = Object.fromEntries(new URLSearchParams(new TextDecoder().decode(read.bytes)))
    const next = safeNext(body.next)
    // Counted before the compare, in the same tick as the check: parallel guesses cannot all get through.
    const gate = limiter.attempt(address, now())
    if (!gate.allowed) return refuse(gate, next)
    const found = await findAdmin(config.secrets.adminTokens, field(body, 'token'))
    if (!found) {
      log.warn('admin.sign_in_failed', { address })
      return c.html(page(<SignInPage next={next} error="That is not an admin token." />), 401)
    }
    limiter.succeeded(address)
    await startSession(c, found)
    log.info('admin.signed_in', { admin: found.name })
    return c.redirect(next ?? '/admin', 303)
  })

  admin.post('/admin/sign-out', async (c) => {
    await endSession(c)
    return c.redirect('/admin/sign-in?signed-out', 303)
  })

  admin.use('/admin/*', signedIn)

  admin.post('/admin/sign-out-everywhere', async (c) => {
    const ended = await endAllSessions(c, c.get('admin'))
    c.get('deps').log.info('admin.signed_out_everywhere', { admin: c.get('admin'), sessions: ended })
    return c.redirect('/admin/sign-in?signed-out-everywhere', 303)
  })

  admin.get('/admin', async (c) => {
    const asked = c.req.query('window')
    const window: Window = asked && asked in WINDOWS ? (asked as Window) : '30d'
    const span = WINDOWS[window]
    const { db, now } = c.get('deps')
    const stats = await incidentStats(db, span === undefined ? undefined : now() - span)
    return c.html(page(<Dashboard admin={c.get('admin')} stats={stats} window={window} />))
  })

  admin.get('/admin/incidents', async (c) => {
    const q = c.req.query()
    const filters: ListFilters = {}
    const problems: string[] = []
    const pick = (name: keyof ListFilters, allowed?: readonly string[], max = 400) => {
      const v = q[name]?.trim()
      if (!v) return
      if ((allowed && !allowed.includes(v)) || v.length > max)
        problems.push(
          `${name}: ${allowed ? `expects one of ${allowed.join(', ')}` : `expects at most ${max} characters`}`,
        )
      else filters[name] = v
    }
    pick('status', STATUSES)
    pick('kind', TOKEN_KIND_IDS)
    pick('issuer', PLATFORM_IDS)
    pick('repository')
    pick('source', OCCURRENCE_SOURCES)
    pick('q', undefined, 200)
    let cursor = q.cursor || undefined
    if (cursor && !decodeCursor(cursor)) {
      problems.push('cursor: expects the link of a previous page')
      cursor = undefined
    }
    // `pick` let through only values of each vocabulary.
    const valid = filters as Omit<IncidentFilter, 'limit' | 'cursor'>
    const list = await listIncidents(c.get('deps').db, { ...valid, limit: PAGE_SIZE, cursor })
    return c.html(
      page(
        <IncidentsPage
          admin={c.get('admin')}
          filters={filters}
          items={list.items}
          nextCursor={list.nextCursor}
          atCursor={Boolean(cursor)}
          error={problems.join('; ') || undefined}
        />,
      ),
      problems.length ? 400 : 200,
    )
  })

  const notFound = (c: Context<AppEnv>, what: string) =>
    c.html(
      page(
        <Layout title="Not found" admin={c.get('admin')} error={`${what} not found.`}>
          <a href="/admin/incidents">Back to incidents</a>
        </Layout>,
      ),
      404,
    )

  const incidentId = (c: Context<AppEnv>) => {
    const raw = c.req.param('id') ?? ''
    return /^[1-9]\d{0,15}$/.test(raw) ? Number(raw) : undefined
  }

  admin.get('/admin/incidents/:id', async (c) => {
    const id = incidentId(c)
    const incident = id === undefined ? undefined : await getIncident(c.get('deps').db, id)
    if (!incident) return notFound(c, 'Incident')
    const done = c.req.query('done') as AdminAction | undefined
    return c.html(
      page(
        <IncidentPage
          admin={c.get('admin')}
          incident={incident}
          linksOf={occurrenceLinks(c)}
          notice={done && ADMIN_ACTIONS.includes(done) ? DONE[done] : undefined}
        />,
      ),
    )
  })

  admin.post('/admin/incidents/:id/actions', async (c) => {
    const id = incidentId(c)
    if (id === undefined) return notFound(c, 'Incident')
    const { db, now, jobsEnqueued, log } = c.get('deps')
    const body = await c.req.parseBody()
    const action = field(body, 'action') as AdminAction
    const note = field(body, 'note')
    const refuse = async (status: 400 | 404 | 409, error: string) => {
      const incident = await getIncident(db, id)
      if (!incident) return notFound(c, 'Incident')
      return c.html(
        page(<IncidentPage admin={c.get('admin')} incident={incident} linksOf={occurrenceLinks(c)} error={error} />),
        status,
      )
    }
    if (!ADMIN_ACTIONS.includes(action)) return refuse(400, `action: expects one of ${ADMIN_ACTIONS.join(', ')}`)
    if (note.length > 2000) return refuse(400, 'note: expects at most 2000 characters')
    const result = await applyAdminAction(db, {
      incidentId: id,
      action,
      note: note || undefined,
      actor: `admin:${c.get('admin')}`,
      now: now(),
    })
    if ('error' in result) return result.status === 404 ? notFound(c, 'Incident') : refuse(result.status, result.error)
    if (action === 'retry_response') jobsEnqueued()
    log.info('admin.action', { admin: c.get('admin'), incidentId: id, action, from: result.from, to: result.to })
    return c.redirect(`/admin/incidents/${id}?done=${action}`, 303)
  })

  const suppressionsPage = async (
    c: Context<AppEnv>,
    extra: { notice?: string; error?: string; draft?: SuppressionDraft } = {},
  ) => {
    const { db, now } = c.get('deps')
    const items = (await listSuppressions(db)).map(showSuppression)
    return page(<SuppressionsPage admin={c.get('admin')} items={items} now={now()} {...extra} />)
  }

  admin.get('/admin/suppressions', async (c) => {
    const notice =
      c.req.query('created') !== undefined
        ? 'Suppression added.'
        : c.req.query('deleted') !== undefined
          ? 'Suppression deleted.'
          : undefined
    return c.html(await suppressionsPage(c, { notice }))
  })

  admin.post('/admin/suppressions', async (c) => {
    const { db, keys, now } = c.get('deps')
    const body = await c.req.parseBody()
    const token = field(body, 'token')
    const draft: SuppressionDraft = {
      repository: field(body, 'repository'),
      pathGlob: field(body, 'pathGlob'),
      reason: field(body, 'reason'),
      expiresOn: field(body, 'expiresOn'),
    }
    const expiresAt = draft.expiresOn ? Date.parse(`${draft.expiresOn}T00:00:00Z`) : undefined
    // The same rules as POST /api/suppressions.
    const problem =
      Boolean(token) === Boolean(draft.repository)
        ? 'Give either a token or a repository (with an optional path glob).'
        : token && (token.length < 20 || token.length > 2000)
          ? 'token: expects the whole token (20 to 2000 characters).'
          : token && draft.pathGlob
            ? 'A token suppression applies everywhere; leave the path glob empty.'
            : !draft.reason || draft.reason.length > 2000
              ? 'reason: expects a reason (at most 2000 characters).'
              : (draft.repository?.length ?? 0) > 400 || (draft.pathGlob?.length ?? 0) > 400
                ? 'repository and path glob: expect at most 400 characters each.'
                : expiresAt !== undefined && !(expiresAt > now())
                  ? 'Expires on: expects a date in the future.'
                  : undefined
    if (problem) return c.html(await suppressionsPage(c, { error: problem, draft }), 400)
    await createSuppression(
      db,
      keys,
      {
        ...(token
          ? { token }
          : { repository: draft.repository, ...(draft.pathGlob ? { pathGlob: draft.pathGlob } : {}) }),
        reason: draft.reason!,
        expiresAt,
        author: c.get('admin'),
      },
      now(),
    )
    return c.redirect('/admin/suppressions?created', 303)
  })

  admin.post('/admin/suppressions/:id/delete', async (c) => {
    const id = incidentId(c)
    const { db, now } = c.get('deps')
    if (id === undefined || !(await deleteSuppression(db, id, `admin:${c.get('admin')}`, now())))
      return c.html(await suppressionsPage(c, { error: 'That suppression does not exist (any more).' }), 404)
    return c.redirect('/admin/suppressions?deleted', 303)
  })

  return admin
}
