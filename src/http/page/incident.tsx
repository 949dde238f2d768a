/**
 * One incident: its facts, where the token was seen, the timeline (occurrences, revocation attempts, emails, audit
 * events) and the admin actions that apply in its current state, as one form whose buttons share a note. The form
 * posts to `/admin/incidents/:id/actions`; the action lands in the audit trail as `admin:<name>`.
 *
 * @example
 * c.html(page(<IncidentPage admin="alice" incident={await getIncident(db, 7)} />))
 */
import type { getIncident } from '../../incidents/admin/queries.js'
import { ADMIN_ACTIONS, type AdminAction, adminAction, type IncidentStatus } from '../../incidents/states.js'
import { labelOf } from '../../kinds/index.js'
import { PUSHED_TEXT_MAX, pushedText } from '../../notify/pushed-text.js'
import type { LocationLinks } from '../../platforms/platform.js'
import { duration, Layout, StatusBadge, Time } from './layout.js'

export type IncidentView = NonNullable<Awaited<ReturnType<typeof getIncident>>>

const ACTION_LABELS: Record<AdminAction, string> = {
  resolve: 'Resolve',
  false_positive: 'Mark false positive',
  reopen: 'Reopen',
  retry_response: 'Retry the response',
}

/** The actions the state machine allows from this status (retry may still be refused when the sealed token is gone). */
export function availableActions(status: IncidentStatus): AdminAction[] {
  return ADMIN_ACTIONS.filter((a) => !('error' in adminAction(a, status)))
}

/** An occurrence's links, from the platform registry (the configured hosts); an unknown platform gives its error. */
export type OccurrenceLinks = (o: IncidentView['occurrencesList'][number]) => LocationLinks | { error: string }

export function IncidentPage(p: {
  admin: string
  incident: IncidentView
  linksOf: OccurrenceLinks
  notice?: string
  error?: string
}) {
  const i = p.incident
  const actions = availableActions(i.status)
  return (
    <Layout title={`Incident ${i.id}`} admin={p.admin} current="incidents" notice={p.notice} error={p.error}>
      <p>
        <a href="/admin/incidents">← Incidents</a>
      </p>
      <h1>
        Incident {i.id}: <span class="mono">{i.preview}</span> <StatusBadge status={i.status} />
      </h1>
      <dl class="facts">
        <dt>Kind</dt>
        <dd>
          {labelOf(i.kind)} <span class="muted mono">{i.kind}</span> <span class="muted">issued by {i.issuer}</span>
        </dd>
        <dt>Owner</dt>
        <dd>
          {pushedText(
            [i.owner.name, i.owner.login && `@${i.owner.login}`, i.owner.email].filter(Boolean).join(' · '),
          ) || <span class="muted">unknown</span>}
        </dd>
        <dt>Repositories</dt>
        <dd>{pushedText(i.repositories.join(', '), 2 * PUSHED_TEXT_MAX)}</dd>
        <dt>First seen</dt>
        <dd>
          <Time at={i.firstSeenAt} />
        </dd>
        <dt>Last seen</dt>
        <dd>
          <Time at={i.lastSeenAt} />
        </dd>
        <dt>Revocation requested</dt>
        <dd>
          <Time at={i.revocationRequestedAt} />{' '}
          {i.timeToRevocationRequestMs !== null ? (
            <span class="muted">(requested {duration(i.timeToRevocationRequestMs)} after the push)</span>
          ) : null}
        </dd>
        <dt>Confirmed dead</dt>
        <dd>
          {i.revokedAt ? (
            <>
              <Time at={i.revokedAt} />{' '}
              {i.timeToRevokeMs !== null ? (
                <span class="muted">(confirmed dead {duration(i.timeToRevokeMs)} after the push)</span>
              ) : null}
            </>
          ) : (
            <span class="muted">not confirmed</span>
          )}
        </dd>
      </dl>
      {i.revokedAuthorizations.length > 0 ? (
        <>
          <h2>Authorizations revoked ({i.revokedAuthorizations.length})</h2>
          <table>
            <thead>
              <tr>
                <th>PAT</th>
                <th>Scopes</th>
                <th>Created</th>
                <th>Why it was a candidate</th>
              </tr>
            </thead>
            <tbody>
              {i.revokedAuthorizations.map((a) => (
                <tr>
                  <td>
                    {pushedText(a.displayName ?? '')} <span class="muted mono">{a.authorizationId}</span>
                  </td>
                  <td class="mono">{pushedText(a.scope ?? '')}</td>
                  <td>
                    <Time at={a.createdAt} />
                  </td>
                  <td>{a.why}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}

      <h2>Act</h2>
      {actions.length === 0 ? (
        <p class="muted">No action applies while patrol is responding.</p>
      ) : (
        <form method="post" action={`/admin/incidents/${i.id}/actions`}>
          <label>
            Note (kept in the audit trail)
            <textarea name="note" maxlength={2000} placeholder="e.g. owner rotated the token; deploy key replaced" />
          </label>
          <div class="actions">
            {actions.map((a) => (
              <button type="submit" name="action" value={a} class={a === 'false_positive' ? 'secondary' : undefined}>
                {ACTION_LABELS[a]}
              </button>
            ))}
          </div>
        </form>
      )}

      <h2>Where it was seen ({i.occurrences})</h2>
      <table>
        <thead>
          <tr>
            <th>Repository</th>
            <th>File</th>
            <th>Ref · commit</th>
            <th>Author</th>
            <th>Encoding</th>
            <th>Seen</th>
          </tr>
        </thead>
        <tbody>
          {i.occurrencesList.map((o) => {
            const links = p.linksOf(o)
            const linked = 'error' in links ? {} : links
            const at = (href: string | undefined, text: string) => (href ? <a href={href}>{text}</a> : text)
            return (
              <tr>
                <td>
                  {at(linked.repository, pushedText(o.repository))}
                  {'error' in links ? <small class="error"> links: {links.error}</small> : ''}
                </td>
                <td class="mono">{at(linked.file, `${pushedText(o.path)}:${o.line}`)}</td>
                <td class="mono">
                  {pushedText(o.ref ?? '')} {o.commitSha ? at(linked.commit, pushedText(o.commitSha.slice(0, 10))) : ''}
                </td>
                <td>{pushedText(o.authorEmail ?? o.authorName ?? '')}</td>
                <td>{o.encoding}</td>
                <td>
                  <Time at={new Date(o.seenAt).toISOString()} />
                </td>
              </tr>
            )
          })}
        </tbody>
      </table>

      <h2>Timeline</h2>
      <ol class="timeline">
        {i.timeline.map((e) => (
          <li class={`t-${e.type}`}>
            <Time at={e.at} />
            <span class="muted">{e.type}</span>
            <span>
              {pushedText(e.summary, 2 * PUSHED_TEXT_MAX)}
              {typeof e.detail.note === 'string' ? <em> — “{e.detail.note}”</em> : null}
              {e.type === 'revocation' && typeof e.detail.detail === 'string' ? (
                <span class="muted"> — {e.detail.detail}</span>
              ) : null}
            </span>
          </li>
        ))}
      </ol>
    </Layout>
  )
}
