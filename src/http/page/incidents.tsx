/**
 * The incident list. Its default view is **Needs attention**: incidents whose token may still be live (states.ts,
 * status-labels.ts `mayBeLive`), most dangerous and oldest first, each with what patrol waits for and when it acts
 * next. "All incidents" is the same list unfiltered. Filters (several statuses at once, kind, issuer, a part of the
 * repository name, free text over preview, owner, repository, path, commit and author) are submitted by GET, so a
 * view is a link one can share; columns sort; the count and page numbers are shown, with previous and next. Rows
 * carry checkboxes for the bulk actions (which confirm on a second page), and the same view downloads as CSV.
 * Only previews of tokens appear.
 *
 * @example
 * c.html(page(<IncidentsPage admin="alice" view="attention" filters={{}} list={await listIncidentPage(db, …)}
 * now={now()} />))
 */
import type { ListedIncident, Sort, Trouble } from '../../incidents/admin/queries.js'
import { STATUSES } from '../../incidents/states.js'
import { labelOf, TOKEN_KIND_IDS } from '../../kinds/index.js'
import { pushedText } from '../../notify/pushed-text.js'
import { statusLabel } from '../../notify/status-labels.js'
import { OCCURRENCE_SOURCES, type OccurrenceSource, SOURCE_LABELS } from '../../platforms/content-event.js'
import { PLATFORM_IDS } from '../../platforms/ids.js'
import { BULK_ACTIONS } from './bulk.js'
import { duration, Layout, StatusBadge, Time } from './layout.js'
import { TroubleList } from './trouble.js'

export type ListView = 'attention' | 'all'

export interface ListFilters {
  view?: ListView
  status?: string[]
  kind?: string
  issuer?: string
  repository?: string
  source?: string
  q?: string
  /** Incidents a suppression matched (its id). */
  suppression?: string
  /** Incidents seen in one push (its id). */
  push?: string
  sort?: Sort
  dir?: 'asc' | 'desc'
}

/** The query string of a list view (empty filters left out), optionally at a page. */
export function listQuery(f: ListFilters, pageNo?: number): string {
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(f)) {
    if (Array.isArray(v)) for (const one of v) params.append(k, one)
    else if (v) params.set(k, v)
  }
  if (pageNo && pageNo > 1) params.set('page', String(pageNo))
  const text = params.toString()
  return text ? `?${text}` : ''
}

function Choice(p: {
  name: string
  label: string
  values: readonly string[]
  value?: string
  show?: (value: string) => string
}) {
  return (
    <label>
      {p.label}
      <select name={p.name}>
        <option value="">any</option>
        {p.values.map((v) => (
          <option value={v} selected={v === p.value}>
            {p.show ? p.show(v) : v}
          </option>
        ))}
      </select>
    </label>
  )
}

/** What patrol is waiting for, in words, from the status and the next job. */
export function waitingText(i: ListedIncident): string {
  switch (i.status) {
    case 'responding':
    case 'new':
      return i.waiting?.next ? 'patrol is revoking it' : 'patrol is revoking it, but no job is queued: retry it'
    case 'revocation_requested':
      return 'the issuer accepted the revocation; waiting for it to be confirmed'
    case 'revoke_failed':
      return 'revocation failed: retry it, or rotate the token and close'
    case 'revoke_unconfirmed':
      return 'patrol could not confirm the revocation: check, retry, or rotate and close'
    case 'not_revocable':
    case 'notify_only':
      return 'the owner must rotate it; close once rotated'
    default:
      return 'a person must look'
  }
}

function SortLink(p: { f: ListFilters; sort: Sort; label: string }) {
  const current = (p.f.sort ?? (p.f.view === 'all' ? 'first_seen' : 'risk')) === p.sort
  const dir = current ? (p.f.dir ?? (p.sort === 'risk' ? 'asc' : 'desc')) : undefined
  const next = dir === 'desc' ? 'asc' : dir === 'asc' ? 'desc' : p.sort === 'risk' ? 'asc' : 'desc'
  return (
    <a href={`/admin/incidents${listQuery({ ...p.f, sort: p.sort, dir: next })}`}>
      {p.label}
      {dir ? (dir === 'asc' ? ' ▲' : ' ▼') : ''}
    </a>
  )
}

export function IncidentsPage(p: {
  admin: string
  filters: ListFilters
  list: { items: ListedIncident[]; total: number; page: number; pages: number }
  attentionCount: number
  /** Shown above the attention view: pushes not fully scanned, jobs given up. */
  trouble?: Trouble
  now: number
  error?: string
  notice?: string
}) {
  const f = p.filters
  const view = f.view ?? 'attention'
  const { items, total, page: pageNo, pages } = p.list
  const ariaSort = (s: Sort) =>
    (f.sort ?? (view === 'all' ? 'first_seen' : 'risk')) === s
      ? (f.dir ?? (s === 'risk' ? 'asc' : 'desc')) === 'asc'
        ? 'ascending'
        : 'descending'
      : undefined
  return (
    <Layout title="Incidents" admin={p.admin} current="incidents" error={p.error} notice={p.notice}>
      <h1>{view === 'attention' ? 'Needs attention' : 'All incidents'}</h1>
      <nav class="tabs" aria-label="views">
        <a href="/admin/incidents" aria-current={view === 'attention' ? 'page' : undefined}>
          Needs attention ({p.attentionCount})
        </a>
        <a href="/admin/incidents?view=all" aria-current={view === 'all' ? 'page' : undefined}>
          All incidents
        </a>
      </nav>
      {view === 'attention' ? (
        <p class="muted">
          Tokens that may still work: patrol has not seen them dead and nobody closed them. Most dangerous and oldest
          first.
        </p>
      ) : null}
      {p.trouble ? <TroubleList trouble={p.trouble} now={p.now} /> : null}
      {/* biome-ignore lint/a11y/useSemanticElements: a form with role=search is announced the same, and <search> is too new for some readers */}
      <form class="filters" method="get" action="/admin/incidents" role="search">
        <input type="hidden" name="view" value={view} />
        <fieldset>
          <legend>Status</legend>
          {STATUSES.map((s) => (
            <label>
              <input type="checkbox" name="status" value={s} checked={f.status?.includes(s)} />
              {statusLabel(s)}
            </label>
          ))}
        </fieldset>
        <Choice name="kind" label="Kind" values={TOKEN_KIND_IDS} value={f.kind} show={labelOf} />
        <Choice name="issuer" label="Issuer" values={PLATFORM_IDS} value={f.issuer} />
        <Choice
          name="source"
          label="Source"
          values={OCCURRENCE_SOURCES}
          value={f.source}
          show={(s) => SOURCE_LABELS[s as OccurrenceSource]}
        />
        <label>
          Repository (part of the name)
          <input name="repository" value={f.repository ?? ''} placeholder="owner/name" />
        </label>
        <label>
          Search
          <input name="q" type="search" value={f.q ?? ''} placeholder="path, commit, author, owner…" />
        </label>
        <button type="submit">Filter</button>
        <a href={view === 'all' ? '/admin/incidents?view=all' : '/admin/incidents'}>Clear</a>
      </form>
      <p class="count" role="status">
        {total} incident{total === 1 ? '' : 's'}
        {pages > 1 ? ` · page ${pageNo} of ${pages}` : ''} ·{' '}
        <a href={`/admin/incidents.csv${listQuery(f)}`}>Download as CSV</a>
      </p>
      {items.length === 0 ? (
        <p class="muted">{view === 'attention' ? 'Nothing needs attention.' : 'No incidents match.'}</p>
      ) : (
        <form method="post" action="/admin/incidents/bulk">
          <table class="stack">
            <thead>
              <tr>
                <th>
                  <span class="muted">Select</span>
                </th>
                <th aria-sort={ariaSort('id')}>
                  <SortLink f={f} sort="id" label="#" />
                </th>
                <th aria-sort={ariaSort('risk')}>
                  <SortLink f={f} sort="risk" label="Status" />
                </th>
                <th>Kind · token</th>
                <th>Repositories</th>
                <th>Owner</th>
                <th aria-sort={ariaSort('places')}>
                  <SortLink f={f} sort="places" label="Places" />
                </th>
                <th aria-sort={ariaSort('first_seen')}>
                  <SortLink f={f} sort="first_seen" label="First seen" />
                </th>
                <th>{view === 'attention' ? 'Waiting for' : 'To revoke'}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((i) => (
                <tr>
                  <td>
                    <label class="inline">
                      <input type="checkbox" name="id" value={String(i.id)} />
                      <span class="muted">select {i.id}</span>
                    </label>
                  </td>
                  <td data-label="Incident">
                    <a href={`/admin/incidents/${i.id}`}>{i.id}</a>
                  </td>
                  <td data-label="Status">
                    <StatusBadge status={i.status} />
                  </td>
                  <td data-label="Token">
                    {labelOf(i.kind)}{' '}
                    <a href={`/admin/incidents/${i.id}`} class="mono nowrap">
                      {i.preview}
                    </a>
                  </td>
                  <td data-label="Repositories" class="wrap">
                    {pushedText(i.repositories.join(', '))}
                  </td>
                  <td data-label="Owner" class="wrap">
                    {i.owner.email || i.owner.name ? (
                      pushedText(i.owner.email ?? i.owner.name ?? '')
                    ) : (
                      <span class="muted">unknown</span>
                    )}
                  </td>
                  <td data-label="Places" class="nowrap">
                    {i.occurrences}
                  </td>
                  <td data-label="First seen">
                    <Time at={i.firstSeenAt} short now={p.now} />
                  </td>
                  <td data-label={view === 'attention' ? 'Waiting for' : 'To revoke'} class="waiting">
                    {view === 'attention' ? <Waiting i={i} now={p.now} /> : duration(i.timeToRevokeMs)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <div class="actions">
            {BULK_ACTIONS.map((a) => (
              <button type="submit" name="action" value={a.id} class="secondary">
                {a.label} the selected…
              </button>
            ))}
          </div>
        </form>
      )}
      {f.push && items.length > 1 ? (
        // One push can carry many tokens: act on all of them at once (each still confirmed on the next page).
        <form method="post" action="/admin/incidents/bulk" class="actions">
          {items.map((i) => (
            <input type="hidden" name="id" value={String(i.id)} />
          ))}
          {BULK_ACTIONS.map((a) => (
            <button type="submit" name="action" value={a.id}>
              {a.label} all {items.length} of this push…
            </button>
          ))}
        </form>
      ) : null}
      <nav class="pager" aria-label="pages">
        {pageNo > 1 ? (
          <a href={`/admin/incidents${listQuery(f, pageNo - 1)}`} rel="prev">
            Previous page
          </a>
        ) : null}
        {pageNo < pages ? (
          <a href={`/admin/incidents${listQuery(f, pageNo + 1)}`} rel="next">
            Next page
          </a>
        ) : null}
      </nav>
    </Layout>
  )
}

function Waiting(p: { i: ListedIncident; now: number }) {
  const w = p.i.waiting
  return (
    <>
      {waitingText(p.i)}
      {w?.next ? (
        <div>
          next try: <Time at={w.next.runAt} short now={p.now} />{' '}
          <span class="muted">
            ({w.next.kind}, attempt {w.next.attempts + (w.next.state === 'running' ? 0 : 1)} of {w.next.maxAttempts})
          </span>
        </div>
      ) : null}
      {w?.lastError ? <div class="muted break">last failure: {pushedText(w.lastError.detail, 200)}</div> : null}
    </>
  )
}
