/**
 * The second pages that confirm what cannot be undone, with no script: closing one or several incidents (a reason, a
 * comment and, for a token that may still work, "I have rotated it"), retrying or suppressing several, sending a
 * suppressed token back to response, and deleting a suppression. Each lists exactly what it will act on and posts
 * back with `confirm=yes`.
 *
 * @example
 * c.html(page(<ClosePage admin="alice" incidents={[…]} />))
 */
import { CLOSE_REASONS } from '../../incidents/admin/close.js'
import { labelOf } from '../../kinds/index.js'
import { mayBeLive } from '../../notify/status-labels.js'
import { Layout, StatusBadge } from './layout.js'

export const BULK_ACTIONS = [
  { id: 'close', label: 'Close' },
  { id: 'retry_response', label: 'Retry the response of' },
  { id: 'suppress', label: 'Suppress' },
] as const
export type BulkAction = (typeof BULK_ACTIONS)[number]['id']

export interface Chosen {
  id: number
  status: string
  kind: string
  preview: string
}

function ChosenList(p: { items: Chosen[] }) {
  return (
    <ul>
      {p.items.map((i) => (
        <li>
          <input type="hidden" name="id" value={String(i.id)} />
          <a href={`/admin/incidents/${i.id}`}>Incident {i.id}</a>: {labelOf(i.kind)}{' '}
          <span class="mono">{i.preview}</span> <StatusBadge status={i.status} />
        </li>
      ))}
    </ul>
  )
}

export function ClosePage(p: { admin: string; items: Chosen[]; error?: string; back: string }) {
  const live = p.items.filter((i) => mayBeLive(i.status))
  return (
    <Layout title="Close incidents" admin={p.admin} current="incidents" error={p.error}>
      <h1>Close {p.items.length === 1 ? `incident ${p.items[0]!.id}` : `${p.items.length} incidents`}</h1>
      <form method="post" action="/admin/incidents/close" class="confirm">
        <input type="hidden" name="confirm" value="yes" />
        <ChosenList items={p.items} />
        <fieldset>
          <legend>Why close it?</legend>
          {Object.entries(CLOSE_REASONS).map(([value, label], n) => (
            <label>
              <input type="radio" name="reason" value={value} required checked={n === 0} />
              {label}
            </label>
          ))}
        </fieldset>
        <label>
          Comment (kept in the audit trail)
          <textarea name="comment" maxlength={2000} placeholder="e.g. rotated in the Azure DevOps portal at 14:10" />
        </label>
        {live.length ? (
          <p>
            <strong>
              {live.length === p.items.length ? 'This token' : `${live.length} of these tokens`} may still work:
            </strong>{' '}
            patrol has not seen {live.length === 1 ? 'it' : 'them'} dead. Close only after rotating.
            <label class="inline">
              <input type="checkbox" name="rotated" value="yes" />I have rotated {live.length === 1 ? 'it' : 'them'} (or
              confirmed {live.length === 1 ? 'it no longer works' : 'they no longer work'})
            </label>
          </p>
        ) : null}
        <div class="actions">
          <button type="submit" class="danger">
            Close
          </button>
          <a href={p.back}>Cancel</a>
        </div>
      </form>
    </Layout>
  )
}

export function RetryPage(p: { admin: string; items: Chosen[]; back: string }) {
  return (
    <Layout title="Retry responses" admin={p.admin} current="incidents">
      <h1>Retry the response of {p.items.length} incidents</h1>
      <form method="post" action="/admin/incidents/bulk" class="confirm">
        <input type="hidden" name="confirm" value="yes" />
        <input type="hidden" name="action" value="retry_response" />
        <ChosenList items={p.items} />
        <p>patrol will try to revoke each token again; those it cannot retry say why.</p>
        <div class="actions">
          <button type="submit">Retry</button>
          <a href={p.back}>Cancel</a>
        </div>
      </form>
    </Layout>
  )
}

export function SuppressPage(p: { admin: string; items: Chosen[]; back: string; error?: string }) {
  const live = p.items.filter((i) => mayBeLive(i.status) && i.status !== 'suppressed')
  return (
    <Layout title="Suppress tokens" admin={p.admin} current="incidents" error={p.error}>
      <h1>
        Suppress the tokens of {p.items.length === 1 ? `incident ${p.items[0]!.id}` : `${p.items.length} incidents`}
      </h1>
      <form method="post" action="/admin/incidents/bulk" class="confirm">
        <input type="hidden" name="confirm" value="yes" />
        <input type="hidden" name="action" value="suppress" />
        <ChosenList items={p.items} />
        <label>
          Reason (kept with each suppression)
          <textarea name="reason" required maxlength={2000} placeholder="e.g. scanner test fixtures, never real" />
        </label>
        <p>
          patrol will suppress each token wherever it is seen again: no revocation, no email. Each becomes a suppression
          of its own, listed under Suppressions; an incident whose token patrol still holds can be sent back to response
          later.
          {live.length ? (
            <strong>
              {' '}
              {live.length} of these may still work: suppressing does not revoke {live.length === 1 ? 'it' : 'them'}.
            </strong>
          ) : null}
        </p>
        <div class="actions">
          <button type="submit" class="danger">
            Suppress
          </button>
          <a href={p.back}>Cancel</a>
        </div>
      </form>
    </Layout>
  )
}

export function UnsuppressPage(p: { admin: string; item: Chosen; note: string }) {
  const back = `/admin/incidents/${p.item.id}`
  return (
    <Layout title="Send back to response" admin={p.admin} current="incidents">
      <h1>Send incident {p.item.id} back to response?</h1>
      <form method="post" action={`${back}/actions`} class="confirm">
        <input type="hidden" name="confirm" value="yes" />
        <input type="hidden" name="action" value="unsuppress" />
        <input type="hidden" name="note" value={p.note} />
        <ChosenList items={[p.item]} />
        <p>
          The token was suppressed. patrol will respond to it as to a new leak: revoke it through its issuer and tell
          its owner. The suppression itself stays for the tokens and places it covers.
        </p>
        <div class="actions">
          <button type="submit" class="danger">
            Send back to response
          </button>
          <a href={back}>Cancel</a>
        </div>
      </form>
    </Layout>
  )
}

export function DeleteSuppressionPage(p: { admin: string; id: number; description: string; matched: number }) {
  return (
    <Layout title="Delete a suppression" admin={p.admin} current="suppressions">
      <h1>Delete suppression {p.id}?</h1>
      <form method="post" action={`/admin/suppressions/${p.id}/delete`} class="confirm">
        <input type="hidden" name="confirm" value="yes" />
        <p>{p.description}</p>
        <p>
          It matched {p.matched} incident{p.matched === 1 ? '' : 's'}. Once deleted, patrol responds to the tokens it
          covered when they are seen again.
        </p>
        <div class="actions">
          <button type="submit" class="danger">
            Delete
          </button>
          <a href="/admin/suppressions">Cancel</a>
        </div>
      </form>
    </Layout>
  )
}
