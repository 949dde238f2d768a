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

import { and, count, eq, inArray, isNotNull, isNull } from 'drizzle-orm'
import { type Context, Hono, type MiddlewareHandler } from 'hono'
import { csrf } from 'hono/csrf'
import { incidents, suppressions } from '../../db/schema.js'
import {
  applyAdminAction,
  createSuppression,
  deleteSuppression,
  listSuppressions,
  showSuppression,
  suppressIncident,
} from '../../incidents/admin/actions.js'
import { closeIncidents, isCloseReason } from '../../incidents/admin/close.js'
import { incidentsCsv } from '../../incidents/admin/csv.js'
import {
  getIncident,
  incidentStats,
  listIncidentPage,
  type PageFilter,
  pipelineTrouble,
  SORTS,
  type Sort,
} from '../../incidents/admin/queries.js'
import { ADMIN_ACTIONS, type AdminAction, type IncidentStatus, STATUSES } from '../../incidents/states.js'
import { TOKEN_KIND_IDS } from '../../kinds/index.js'
import { OCCURRENCE_SOURCES, type OccurrenceSource } from '../../platforms/content-event.js'
import { locationLinks, PLATFORM_IDS, type PlatformId } from '../../platforms/index.js'
import { findAdmin } from '../admin-auth.js'
import { bodyRefusal, readBounded } from '../body-budget.js'
import type { AppEnv } from '../deps.js'
import { type Chosen, ClosePage, DeleteSuppressionPage, RetryPage, SuppressPage, UnsuppressPage } from '../page/bulk.js'
import { clientAddress } from '../page/client-address.js'
import { Dashboard, WINDOWS, type Window } from '../page/dashboard.js'
import { IncidentPage, type OccurrenceLinks } from '../page/incident.js'
import { IncidentsPage, type ListFilters } from '../page/incidents.js'
import { Layout, page } from '../page/layout.js'
import { LOCAL_TIME_PATH, LOCAL_TIME_SCRIPT } from '../page/local-time.js'
import { endAllSessions, endSession, sessionAdmin, startSession } from '../page/session.js'
import { SignInPage } from '../page/sign-in.js'
import { createSignInLimiter, type Gate, type SignInLimiter } from '../page/sign-in-limiter.js'
import { type SuppressionDraft, SuppressionsPage } from '../page/suppressions.js'

const PAGE_SIZE = 50

/** One same-origin script (local-time.ts), no inline script, no external anything; forms post only to patrol; no framing. */
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

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
  verify_now: 'patrol will check the token shortly; the result appears in the timeline.',
  unsuppress: 'Sent back to response: patrol will revoke the token shortly.',
}

/** The list's filters from its query string, and what was wrong with it (each named by its field). */
function listFilters(c: Context<AppEnv>): { filters: ListFilters; page: number; problems: string[] } {
  const q = c.req.query()
  const filters: ListFilters = { view: q.view === 'all' ? 'all' : 'attention' }
  const problems: string[] = []
  const statuses = (c.req.queries('status') ?? []).filter(Boolean)
  const unknown = statuses.filter((v) => !(STATUSES as readonly string[]).includes(v))
  if (unknown.length) problems.push(`status: expects any of ${STATUSES.join(', ')}`)
  else if (statuses.length) filters.status = statuses
  const pick = (name: 'kind' | 'issuer' | 'repository' | 'source' | 'q', allowed?: readonly string[], max = 400) => {
    const v = q[name]?.trim()
    if (!v) return
    if ((allowed && !allowed.includes(v)) || v.length > max)
      problems.push(
        `${name}: ${allowed ? `expects one of ${allowed.join(', ')}` : `expects at most ${max} characters`}`,
      )
    else filters[name] = v
  }
  pick('kind', TOKEN_KIND_IDS)
  pick('issuer', PLATFORM_IDS)
  pick('repository')
  pick('source', OCCURRENCE_SOURCES)
  pick('q', undefined, 200)
  if (q.sort && (SORTS as readonly string[]).includes(q.sort)) filters.sort = q.sort as Sort
  else if (q.sort) problems.push(`sort: expects one of ${SORTS.join(', ')}`)
  if (q.dir === 'asc' || q.dir === 'desc') filters.dir = q.dir
  if (q.suppression && /^[1-9]\d{0,15}$/.test(q.suppression)) filters.suppression = q.suppression
  if (q.push && /^[1-9]\d{0,15}$/.test(q.push)) filters.push = q.push
  const pageNo = /^[1-9]\d{0,6}$/.test(q.page ?? '') ? Number(q.page) : 1
  return { filters, page: pageNo, problems }
}

/** The query of the list for a filter; a view of all incidents sorts newest first, the attention view by risk. */
function pageFilter(f: ListFilters, pageNo: number, limit: number): PageFilter {
  const sort = f.sort ?? (f.view === 'all' ? 'first_seen' : 'risk')
  return {
    attention: f.view !== 'all',
    status: f.status as IncidentStatus[] | undefined,
    kind: f.kind,
    issuer: f.issuer as PlatformId | undefined,
    repository: f.repository,
    source: f.source as OccurrenceSource | undefined,
    q: f.q,
    suppressionId: f.suppression ? Number(f.suppression) : undefined,
    pushId: f.push ? Number(f.push) : undefined,
    sort,
    dir: f.dir ?? (sort === 'risk' ? 'asc' : 'desc'),
    page: pageNo,
    limit,
  }
}

const ids = (body: Record<string, unknown>): number[] => {
  const raw = body.id
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]
  return [...new Set(list.filter((v): v is string => typeof v === 'string' && /^[1-9]\d{0,15}$/.test(v)).map(Number))]
}

/** At most this many incidents in one bulk action (a page of the list, or one push's). */
const BULK_MAX = 200

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

  // Before sign-in: the sign-in page shows no time, but a script that says nothing secret needs no session.
  admin.get(LOCAL_TIME_PATH, (c) =>
    c.body(LOCAL_TIME_SCRIPT, 200, { 'content-type': 'text/javascript; charset=utf-8' }),
  )

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
    const [stats, attention, trouble] = await Promise.all([
      incidentStats(db, span === undefined ? undefined : now() - span),
      listIncidentPage(db, pageFilter({}, 1, 5)),
      pipelineTrouble(db, now()),
    ])
    return c.html(
      page(
        <Dashboard
          admin={c.get('admin')}
          stats={stats}
          window={window}
          attention={attention}
          trouble={trouble}
          now={now()}
        />,
      ),
    )
  })

  admin.get('/admin/incidents', async (c) => {
    const { filters, page: pageNo, problems } = listFilters(c)
    const { db, now } = c.get('deps')
    const [list, attention, trouble] = await Promise.all([
      listIncidentPage(db, pageFilter(filters, pageNo, PAGE_SIZE)),
      listIncidentPage(db, pageFilter({}, 1, 1)),
      pipelineTrouble(db, now()),
    ])
    const closed = c.req.query('closed')
    const retried = c.req.query('retried')
    const suppressed = c.req.query('suppressed')
    return c.html(
      page(
        <IncidentsPage
          admin={c.get('admin')}
          filters={filters}
          list={list}
          attentionCount={attention.total}
          trouble={filters.view === 'attention' ? trouble : undefined}
          now={now()}
          error={problems.join('; ') || undefined}
          notice={
            closed && /^\d+$/.test(closed)
              ? `Closed ${closed} incident${closed === '1' ? '' : 's'}.`
              : retried && /^\d+$/.test(retried)
                ? `The response of ${retried} incident${retried === '1' ? '' : 's'} will be retried shortly.`
                : suppressed && /^\d+$/.test(suppressed)
                  ? `Suppressed the token${suppressed === '1' ? '' : 's'} of ${suppressed} incident${suppressed === '1' ? '' : 's'}.`
                  : undefined
          }
        />,
      ),
      problems.length ? 400 : 200,
    )
  })

  // The list as it is filtered, every page of it, as CSV: previews only, never a token.
  admin.get('/admin/incidents.csv', async (c) => {
    const { filters, problems } = listFilters(c)
    if (problems.length) return c.text(problems.join('; '), 400)
    const csv = await incidentsCsv(c.get('deps').db, pageFilter(filters, 1, 10_000))
    c.header('Content-Disposition', 'attachment; filename="patrol-incidents.csv"')
    return c.body(csv, 200, { 'Content-Type': 'text/csv; charset=utf-8' })
  })

  const chosen = async (c: Context<AppEnv>, list: number[]): Promise<Chosen[]> =>
    list.length
      ? (
          await c
            .get('deps')
            .db.select({ id: incidents.id, status: incidents.status, kind: incidents.kind, preview: incidents.preview })
            .from(incidents)
            .where(inArray(incidents.id, list.slice(0, BULK_MAX)))
        ).sort((x, y) => x.id - y.id)
      : []

  const back = (c: Context<AppEnv>) => {
    const referer = c.req.header('referer')
    const path = referer
      ? safeNext(new URL(referer, c.req.url).pathname + new URL(referer, c.req.url).search)
      : undefined
    return path ?? '/admin/incidents'
  }

  admin.get('/admin/incidents/:id/close', async (c) => {
    const id = incidentId(c)
    const items = id === undefined ? [] : await chosen(c, [id])
    if (!items.length) return notFound(c, 'Incident')
    return c.html(page(<ClosePage admin={c.get('admin')} items={items} back={`/admin/incidents/${id}`} />))
  })

  admin.post('/admin/incidents/bulk', async (c) => {
    const body = await c.req.parseBody({ all: true })
    const items = await chosen(c, ids(body))
    const action = field(body, 'action')
    if (!items.length)
      return c.html(
        page(
          <Layout title="Nothing selected" admin={c.get('admin')} current="incidents" error="Select incidents first.">
            <a href="/admin/incidents">Back to incidents</a>
          </Layout>,
        ),
        400,
      )
    if (action === 'close') return c.html(page(<ClosePage admin={c.get('admin')} items={items} back={back(c)} />))
    if (action !== 'retry_response' && action !== 'suppress')
      return c.text('action: expects close, retry_response or suppress', 400)
    const suppressing = action === 'suppress'
    const reason = field(body, 'reason')
    if (field(body, 'confirm') !== 'yes')
      return c.html(
        page(
          suppressing ? (
            <SuppressPage admin={c.get('admin')} items={items} back={back(c)} />
          ) : (
            <RetryPage admin={c.get('admin')} items={items} back={back(c)} />
          ),
        ),
      )
    if (suppressing && (!reason || reason.length > 2000))
      return c.html(
        page(
          <SuppressPage
            admin={c.get('admin')}
            items={items}
            back="/admin/incidents"
            error="reason: say why these tokens are suppressed (at most 2000 characters)."
          />,
        ),
        400,
      )
    const { db, keys, now, jobsEnqueued } = c.get('deps')
    const actor = `admin:${c.get('admin')}`
    const refused: string[] = []
    let done = 0
    for (const i of items) {
      const r = suppressing
        ? await suppressIncident(db, keys, { incidentId: i.id, reason, actor, now: now() })
        : await applyAdminAction(db, { incidentId: i.id, action: 'retry_response', actor, now: now() })
      if ('error' in r) refused.push(`${i.id}: ${r.error}`)
      else done++
    }
    if (done && !suppressing) jobsEnqueued()
    const verb = suppressing ? 'suppressed' : 'retried'
    if (refused.length)
      return c.html(
        page(
          <Layout
            title={suppressing ? 'Suppress' : 'Retry'}
            admin={c.get('admin')}
            current="incidents"
            error={`Not ${verb}: ${refused.join('; ')}`}
          >
            <p>
              {done} {verb}.
            </p>
            <a href="/admin/incidents">Back to incidents</a>
          </Layout>,
        ),
        409,
      )
    return c.redirect(`/admin/incidents?${verb}=${done}`, 303)
  })

  admin.post('/admin/incidents/close', async (c) => {
    const body = await c.req.parseBody({ all: true })
    const items = await chosen(c, ids(body))
    if (!items.length) return notFound(c, 'Incident')
    const reason = field(body, 'reason')
    const comment = field(body, 'comment')
    const again = (error: string, status: 400 | 409) =>
      c.html(page(<ClosePage admin={c.get('admin')} items={items} error={error} back="/admin/incidents" />), status)
    if (field(body, 'confirm') !== 'yes') return again('Confirm on this page.', 400)
    if (!isCloseReason(reason)) return again('reason: choose why the incident is closed.', 400)
    if (comment.length > 2000) return again('comment: expects at most 2000 characters.', 400)
    const results = await closeIncidents(c.get('deps').db, {
      ids: items.map((i) => i.id),
      reason,
      comment,
      rotated: field(body, 'rotated') === 'yes',
      actor: `admin:${c.get('admin')}`,
      now: c.get('deps').now(),
    })
    const refused = results.filter((r) => 'error' in r)
    const closed = results.length - refused.length
    c.get('deps').log.info('admin.close', { admin: c.get('admin'), closed, refused: refused.length, reason })
    if (refused.length) {
      const left = await chosen(
        c,
        refused.map((r) => r.id),
      )
      return c.html(
        page(
          <ClosePage
            admin={c.get('admin')}
            items={left}
            back="/admin/incidents"
            error={`${closed ? `Closed ${closed}. ` : ''}Not closed: ${refused.map((r) => ('error' in r ? r.error : '')).join('; ')}`}
          />,
        ),
        409,
      )
    }
    return c.redirect(
      items.length === 1 ? `/admin/incidents/${items[0]!.id}?done=close` : `/admin/incidents?closed=${closed}`,
      303,
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

  /** The incident page with the request's admin, links and clock; `extra` is a notice or an error to show. */
  const incidentPage = (
    c: Context<AppEnv>,
    incident: NonNullable<Awaited<ReturnType<typeof getIncident>>>,
    extra: { notice?: string; error?: string },
  ) =>
    page(
      <IncidentPage
        admin={c.get('admin')}
        incident={incident}
        linksOf={occurrenceLinks(c)}
        now={c.get('deps').now()}
        {...extra}
      />,
    )

  admin.get('/admin/incidents/:id', async (c) => {
    const id = incidentId(c)
    const incident = id === undefined ? undefined : await getIncident(c.get('deps').db, id)
    if (!incident) return notFound(c, 'Incident')
    const done = c.req.query('done') as AdminAction | 'close' | undefined
    const notice = done === 'close' ? 'Closed.' : done && ADMIN_ACTIONS.includes(done) ? DONE[done] : undefined
    return c.html(incidentPage(c, incident, { notice }))
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
      return c.html(incidentPage(c, incident, { error }), status)
    }
    // Closing goes through its own confirming page (reason, comment, "I have rotated it").
    if (action === 'resolve' || action === 'false_positive') return c.redirect(`/admin/incidents/${id}/close`, 303)
    if (!ADMIN_ACTIONS.includes(action)) return refuse(400, `action: expects one of ${ADMIN_ACTIONS.join(', ')}`)
    if (note.length > 2000) return refuse(400, 'note: expects at most 2000 characters')
    // Sending a suppressed token back to response revokes it: confirmed on a page of its own first.
    if (action === 'unsuppress' && field(body, 'confirm') !== 'yes') {
      const items = await chosen(c, [id])
      if (!items.length) return notFound(c, 'Incident')
      return c.html(page(<UnsuppressPage admin={c.get('admin')} item={items[0]!} note={note} />))
    }
    const result = await applyAdminAction(db, {
      incidentId: id,
      action,
      note: note || undefined,
      actor: `admin:${c.get('admin')}`,
      now: now(),
    })
    if ('error' in result) return result.status === 404 ? notFound(c, 'Incident') : refuse(result.status, result.error)
    if (action === 'retry_response' || action === 'unsuppress' || action === 'verify_now') jobsEnqueued()
    log.info('admin.action', { admin: c.get('admin'), incidentId: id, action, from: result.from, to: result.to })
    return c.redirect(`/admin/incidents/${id}?done=${action}`, 303)
  })

  const suppressionsPage = async (
    c: Context<AppEnv>,
    extra: { notice?: string; error?: string; draft?: SuppressionDraft } = {},
  ) => {
    const { db, now } = c.get('deps')
    const items = (await listSuppressions(db)).map(showSuppression)
    const matched = await db
      .select({ id: incidents.suppressionId, n: count() })
      .from(incidents)
      .where(isNotNull(incidents.suppressionId))
      .groupBy(incidents.suppressionId)
    return page(
      <SuppressionsPage
        admin={c.get('admin')}
        items={items}
        matched={Object.fromEntries(matched.map((m) => [m.id, m.n]))}
        now={now()}
        {...extra}
      />,
    )
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
    const body = await c.req.parseBody()
    if (id !== undefined && field(body, 'confirm') !== 'yes') {
      const [s] = await db
        .select()
        .from(suppressions)
        .where(and(eq(suppressions.id, id), isNull(suppressions.deletedAt)))
      if (s) {
        const v = showSuppression(s)
        const [matched] = await db.select({ n: count() }).from(incidents).where(eq(incidents.suppressionId, id))
        return c.html(
          page(
            <DeleteSuppressionPage
              admin={c.get('admin')}
              id={id}
              matched={matched?.n ?? 0}
              description={`${v.kind === 'token' ? `Token ${v.fingerprintPrefix}…` : `${v.repository} ${v.pathGlob ?? '(every path)'}`}: ${v.reason}`}
            />,
          ),
        )
      }
    }
    if (id === undefined || !(await deleteSuppression(db, id, `admin:${c.get('admin')}`, now())))
      return c.html(await suppressionsPage(c, { error: 'That suppression does not exist (any more).' }), 404)
    return c.redirect('/admin/suppressions?deleted', 303)
  })

  // Any other /admin path: the page's own 404, not the API's JSON.
  admin.all('/admin/*', (c) => notFound(c, 'Page'))

  return admin
}
