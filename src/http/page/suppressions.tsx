/**
 * The suppression list and its forms: suppress one token (pasted once into a password field; patrol keeps only its
 * fingerprint, and the page shows the fingerprint's first characters, never the token) or a repository with an
 * optional path glob; each carries a reason and an optional expiry. Deleting is a POST (kept in the audit trail).
 *
 * @example
 * c.html(page(<SuppressionsPage admin="alice" items={(await listSuppressions(db)).map(showSuppression)} />))
 */
import type { SuppressionView } from '../../incidents/admin/actions.js'
import { Layout, Time } from './layout.js'

/** What the form sends back after a refusal: everything but the token, which is never echoed. */
export interface SuppressionDraft {
  repository?: string
  pathGlob?: string
  reason?: string
  expiresOn?: string
}

export function SuppressionsPage(p: {
  admin: string
  items: SuppressionView[]
  /** Incidents each suppression matched, by its id. */
  matched: Record<number, number>
  now: number
  notice?: string
  error?: string
  draft?: SuppressionDraft
}) {
  const d = p.draft ?? {}
  return (
    <Layout title="Suppressions" admin={p.admin} current="suppressions" notice={p.notice} error={p.error}>
      <h1>Suppressions</h1>
      <p class="muted">A suppressed finding is recorded as suppressed and never revoked or emailed.</p>
      {p.items.length === 0 ? (
        <p class="muted">No suppressions.</p>
      ) : (
        <table class="stack">
          <thead>
            <tr>
              <th>#</th>
              <th>Covers</th>
              <th>Matched</th>
              <th>Reason</th>
              <th>By</th>
              <th>Created</th>
              <th>Expires</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            {p.items.map((s) => (
              <tr>
                <td data-label="Suppression">{s.id}</td>
                <td data-label="Covers" class="break">
                  {s.kind === 'token' ? (
                    <>
                      token with fingerprint <span class="mono">{s.fingerprintPrefix}…</span>
                    </>
                  ) : (
                    <>
                      <span class="mono">{s.repository}</span>{' '}
                      {s.pathGlob ? <span class="mono">{s.pathGlob}</span> : <span class="muted">(every path)</span>}
                    </>
                  )}
                </td>
                <td data-label="Matched">
                  <a href={`/admin/incidents?view=all&suppression=${s.id}`}>
                    {p.matched[s.id] ?? 0} incident{p.matched[s.id] === 1 ? '' : 's'}
                  </a>
                </td>
                <td data-label="Reason" class="break">
                  {s.reason}
                </td>
                <td data-label="By">{s.author}</td>
                <td data-label="Created">
                  <Time at={s.createdAt} now={p.now} />
                </td>
                <td data-label="Expires">
                  {s.expiresAt ? <Time at={s.expiresAt} /> : <span class="muted">never</span>}
                  {s.expiresAt && Date.parse(s.expiresAt) <= p.now ? <span class="muted"> (expired)</span> : null}
                </td>
                <td>
                  <form method="post" action={`/admin/suppressions/${s.id}/delete`}>
                    <button type="submit" class="danger">
                      Delete…
                    </button>
                  </form>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h2>Add a suppression</h2>
      <form method="post" action="/admin/suppressions" class="filters">
        <label>
          Token (pasted once; only its fingerprint is kept)
          <input type="password" name="token" autocomplete="off" size={34} />
        </label>
        <span class="muted">or</span>
        <label>
          Repository
          <input name="repository" value={d.repository ?? ''} placeholder="owner/name" />
        </label>
        <label>
          Path glob (optional)
          <input name="pathGlob" value={d.pathGlob ?? ''} placeholder="test/fixtures/**" />
        </label>
        <label>
          Reason
          <input name="reason" value={d.reason ?? ''} required size={30} />
        </label>
        <label>
          Expires on (optional)
          <input type="date" name="expiresOn" value={d.expiresOn ?? ''} />
        </label>
        <button type="submit">Suppress</button>
      </form>
    </Layout>
  )
}
