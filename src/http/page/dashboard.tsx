/**
 * The dashboard. On top, what needs attention now (tokens that may still work, most urgent first; pushes not fully
 * scanned; jobs patrol gave up on), whatever the window. Then the numbers of `/api/stats` for a chosen window (counts
 * by status, most dangerous first, by kind and by repository, and the time from push to revocation), each count
 * linking to the incident list filtered to it.
 *
 * @example
 * c.html(page(<Dashboard admin="alice" stats={await incidentStats(db, since)} window="7d" />))
 */
import type { ListedIncident, Stats, Trouble } from '../../incidents/admin/queries.js'
import { labelOf } from '../../kinds/index.js'
import { pushedText } from '../../notify/pushed-text.js'
import { riskRank } from '../../notify/status-labels.js'
import { duration, Layout, StatusBadge } from './layout.js'
import { AttentionSummary } from './trouble.js'

export const WINDOWS = { '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000, all: undefined } as const
export type Window = keyof typeof WINDOWS

function Counts(p: {
  title: string
  counts: Record<string, number>
  filter: 'status' | 'kind' | 'repository'
  badge?: boolean
}) {
  // Statuses by risk (the most dangerous first), other counts by size.
  const rows = Object.entries(p.counts).sort((a, b) =>
    p.badge ? riskRank(a[0]) - riskRank(b[0]) || b[1] - a[1] : b[1] - a[1] || a[0].localeCompare(b[0]),
  )
  return (
    <section class="card">
      <h2>{p.title}</h2>
      {rows.length === 0 ? (
        <p class="muted">None yet.</p>
      ) : (
        <table>
          <tbody>
            {rows.slice(0, 10).map(([key, n]) => (
              <tr>
                <td>
                  <a href={`/admin/incidents?${new URLSearchParams({ view: 'all', [p.filter]: key })}`}>
                    {p.badge ? <StatusBadge status={key} /> : p.filter === 'kind' ? labelOf(key) : pushedText(key)}
                  </a>
                </td>
                <td class="nowrap">{n}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}

export function Dashboard(p: {
  admin: string
  stats: Stats
  window: Window
  attention: { total: number; items: ListedIncident[] }
  trouble: Trouble
  now: number
}) {
  const total = Object.values(p.stats.byStatus).reduce((a, b) => a + b, 0)
  const requested = p.stats.pushToRequest
  const dead = p.stats.pushToRevoke
  return (
    <Layout title="Dashboard" admin={p.admin} current="dashboard">
      <h1>Dashboard</h1>
      <AttentionSummary total={p.attention.total} items={p.attention.items} trouble={p.trouble} now={p.now} />
      <h2>Incidents over time</h2>
      <form class="filters" method="get" action="/admin">
        <label>
          Incidents first seen in
          <select name="window">
            {(Object.keys(WINDOWS) as Window[]).map((w) => (
              <option value={w} selected={w === p.window}>
                {w === 'all' ? 'all time' : `the last ${w}`}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" class="secondary">
          Show
        </button>
      </form>
      <div class="cards">
        <section class="card">
          <h2>Incidents</h2>
          <div class="big">{total}</div>
          <a href="/admin/incidents?view=all">See them all</a>
        </section>
        <section class="card">
          <h2>From push to revocation</h2>
          {/* Two figures: the issuer accepting the request, and the token seen dead. Only the second is "revoked". */}
          <table>
            <thead>
              <tr>
                <th />
                <th>requested after</th>
                <th>confirmed dead after</th>
              </tr>
            </thead>
            <tbody>
              <tr>
                <th>median</th>
                <td>{duration(requested.medianMs)}</td>
                <td>{duration(dead.medianMs)}</td>
              </tr>
              <tr>
                <th>p90</th>
                <td>{duration(requested.p90Ms)}</td>
                <td>{duration(dead.p90Ms)}</td>
              </tr>
              <tr>
                <th>max</th>
                <td>{duration(requested.maxMs)}</td>
                <td>{duration(dead.maxMs)}</td>
              </tr>
              <tr>
                <th>incidents</th>
                <td>{requested.count}</td>
                <td>{dead.count}</td>
              </tr>
            </tbody>
          </table>
        </section>
        <Counts title="By status" counts={p.stats.byStatus} filter="status" badge />
        <Counts title="By kind" counts={p.stats.byKind} filter="kind" />
        <Counts title="By repository" counts={p.stats.byRepository} filter="repository" />
      </div>
    </Layout>
  )
}
