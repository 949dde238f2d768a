/**
 * The incident list: a filter form (status, kind, issuer, repository, free text) submitted by GET, so a filtered view
 * is a link one can share, and a table of one page of incidents, newest first, with a link to the next page (the
 * API's keyset cursor, stable while new incidents arrive). Only previews of tokens appear.
 *
 * @example
 * c.html(page(<IncidentsPage admin="alice" filters={{ status: 'revoke_failed' }} items={page.items} nextCursor={page.nextCursor} />))
 */

import type { IncidentSummary } from '../../incidents/admin/queries.js'
import { STATUSES } from '../../incidents/states.js'
import { labelOf, TOKEN_KIND_IDS } from '../../kinds/index.js'
import { pushedText } from '../../notify/pushed-text.js'
import { OCCURRENCE_SOURCES, type OccurrenceSource, SOURCE_LABELS } from '../../platforms/content-event.js'
import { PLATFORM_IDS } from '../../platforms/ids.js'
import { duration, Layout, StatusBadge, Time } from './layout.js'

export interface ListFilters {
  status?: string
  kind?: string
  issuer?: string
  repository?: string
  source?: string
  q?: string
}

/** The query string of a filtered list (empty filters left out), optionally at a cursor. */
export function listQuery(f: ListFilters, cursor?: string): string {
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(f)) if (v) params.set(k, v)
  if (cursor) params.set('cursor', cursor)
  const text = params.toString()
  return text ? `?${text}` : ''
}

function Choice(p: {
  name: string
  label: string
  values: readonly string[]
  value?: string
  /** What each option shows (default: the value). */
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

export function IncidentsPage(p: {
  admin: string
  filters: ListFilters
  items: IncidentSummary[]
  nextCursor: string | null
  atCursor: boolean
  error?: string
}) {
  const f = p.filters
  return (
    <Layout title="Incidents" admin={p.admin} current="incidents" error={p.error}>
      <h1>Incidents</h1>
      {/* biome-ignore lint/a11y/useSemanticElements: a form with role=search is announced the same, and <search> is too new for some readers */}
      <form class="filters" method="get" action="/admin/incidents" role="search">
        <Choice name="status" label="Status" values={STATUSES} value={f.status} />
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
          Repository
          <input name="repository" value={f.repository ?? ''} placeholder="owner/name" />
        </label>
        <label>
          Search
          <input name="q" type="search" value={f.q ?? ''} placeholder="preview, owner, path…" />
        </label>
        <button type="submit">Filter</button>
        <a href="/admin/incidents">Clear</a>
      </form>
      {p.items.length === 0 ? (
        <p class="muted">No incidents match.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>#</th>
              <th>Status</th>
              <th>Kind</th>
              <th>Token</th>
              <th>Repositories</th>
              <th>Owner</th>
              <th>Seen</th>
              <th>First seen</th>
              <th class="nowrap">To revoke</th>
            </tr>
          </thead>
          <tbody>
            {p.items.map((i) => (
              <tr>
                <td>
                  <a href={`/admin/incidents/${i.id}`}>{i.id}</a>
                </td>
                <td>
                  <StatusBadge status={i.status} />
                </td>
                <td class="nowrap" title={labelOf(i.kind)}>
                  {i.kind}
                </td>
                <td class="nowrap">
                  <a href={`/admin/incidents/${i.id}`} class="mono">
                    {i.preview}
                  </a>
                </td>
                <td>{pushedText(i.repositories.join(', '))}</td>
                <td>
                  {i.owner.email || i.owner.name ? (
                    pushedText(i.owner.email ?? i.owner.name ?? '')
                  ) : (
                    <span class="muted">unknown</span>
                  )}
                </td>
                <td class="nowrap">{i.occurrences}×</td>
                <td>
                  <Time at={i.firstSeenAt} short />
                </td>
                <td class="nowrap">{duration(i.timeToRevokeMs)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <nav class="pager" aria-label="pages">
        {p.atCursor ? <a href={`/admin/incidents${listQuery(f)}`}>First page</a> : null}
        {p.nextCursor ? (
          <a href={`/admin/incidents${listQuery(f, p.nextCursor)}`} rel="next">
            Next page
          </a>
        ) : null}
      </nav>
    </Layout>
  )
}
