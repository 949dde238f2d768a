/**
 * One incident: its facts (the owner as the issuer named them, apart from each commit's author), what patrol is
 * waiting for when the token may still work, where the token was seen (links to the repository, the commit and the
 * file at that commit and line, from the configured hosts; the full commit id, selectable to copy), the timeline
 * (occurrences, revocation attempts, emails and chat messages, audit events) and the actions that apply: closing goes
 * to its confirming page (reason, comment, "I have rotated it"); retry is offered only while patrol holds the sealed
 * token. Every action lands in the audit trail as `admin:<name>`.
 *
 * @example
 * c.html(page(<IncidentPage admin="alice" incident={await getIncident(db, 7)} />))
 */

import type { getIncident } from '../../incidents/admin/queries.js'
import { ADMIN_ACTIONS, type AdminAction, adminAction, type IncidentStatus } from '../../incidents/states.js'
import { labelOf } from '../../kinds/index.js'
import { PUSHED_TEXT_MAX, pushedText } from '../../notify/pushed-text.js'
import { mayBeLive } from '../../notify/status-labels.js'
import { SOURCE_LABELS } from '../../platforms/content-event.js'
import type { LocationLinks } from '../../platforms/platform.js'
import { duration, Layout, StatusBadge, Time } from './layout.js'

const TYPE_WORDS = { occurrence: 'seen', revocation: 'revocation', notification: 'message', audit: 'decision' }

export type IncidentView = NonNullable<Awaited<ReturnType<typeof getIncident>>>

const ACTION_LABELS: Record<AdminAction, string> = {
  resolve: 'Resolve',
  false_positive: 'Mark false positive',
  reopen: 'Reopen',
  retry_response: 'Retry the response',
  verify_now: 'Verify now',
  unsuppress: 'Send back to response…',
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
  now: number
  notice?: string
  error?: string
}) {
  const i = p.incident
  // Closing has its own confirming page; a retry, a verification, or a response after a suppression, needs the sealed
  // token.
  const actions = availableActions(i.status).filter(
    (a) =>
      a !== 'resolve' &&
      a !== 'false_positive' &&
      ((a !== 'retry_response' && a !== 'unsuppress' && a !== 'verify_now') || i.holdsSealedToken),
  )
  const closable = availableActions(i.status).includes('resolve')
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
          {labelOf(i.kind)}{' '}
          <span class="muted">issued by {i.issuer === 'azure-devops' ? 'Azure DevOps' : 'GitHub'}</span>
        </dd>
        <dt>Owner (from the issuer)</dt>
        <dd>
          {pushedText(
            [i.owner.name, i.owner.login && `@${i.owner.login}`, i.owner.email].filter(Boolean).join(' · '),
          ) || <span class="muted">unknown</span>}
        </dd>
        <dt>Repositories</dt>
        <dd class="break">{pushedText(i.repositories.join(', '), 2 * PUSHED_TEXT_MAX)}</dd>
        <dt>May still work</dt>
        <dd>
          {mayBeLive(i.status) ? (
            <>
              <strong>yes</strong>: patrol has not seen it dead and nobody closed it.{' '}
              {i.waiting?.next ? (
                <>
                  Next try: <Time at={i.waiting.next.runAt} now={p.now} />{' '}
                  <span class="muted">
                    (attempt {i.waiting.next.attempts + 1} of {i.waiting.next.maxAttempts})
                  </span>
                  .
                </>
              ) : null}
              {i.waiting?.lastError ? (
                <span class="muted break"> Last failure: {pushedText(i.waiting.lastError.detail, 300)}</span>
              ) : null}
            </>
          ) : (
            'no'
          )}
        </dd>
        <dt>First seen</dt>
        <dd>
          <Time at={i.firstSeenAt} now={p.now} />
        </dd>
        <dt>Last seen</dt>
        <dd>
          <Time at={i.lastSeenAt} now={p.now} />
        </dd>
        <dt>Revocation requested</dt>
        <dd>
          <Time at={i.revocationRequestedAt} now={p.now} />{' '}
          {i.timeToRevocationRequestMs !== null ? (
            <span class="muted">(requested {duration(i.timeToRevocationRequestMs)} after the push)</span>
          ) : null}
        </dd>
        <dt>Confirmed dead</dt>
        <dd>
          {i.revokedAt ? (
            <>
              <Time at={i.revokedAt} now={p.now} />{' '}
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
          <table class="stack">
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
                  <td data-label="PAT">
                    {pushedText(a.displayName ?? '')} <span class="muted mono">{a.authorizationId}</span>
                  </td>
                  <td data-label="Scopes" class="mono">
                    {pushedText(a.scope ?? '')}
                  </td>
                  <td data-label="Created">
                    <Time at={a.createdAt} />
                  </td>
                  <td data-label="Why it was a candidate">{a.why}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}

      <h2>Act</h2>
      {closable ? (
        <p>
          <a href={`/admin/incidents/${i.id}/close`}>Close this incident…</a>{' '}
          <span class="muted">(asks for a reason{mayBeLive(i.status) ? ' and that you rotated the token' : ''})</span>
        </p>
      ) : null}
      {mayBeLive(i.status) && availableActions(i.status).includes('retry_response') && !i.holdsSealedToken ? (
        <p class="muted">
          patrol no longer holds this token, so it cannot retry the revocation: rotate it, then close.
        </p>
      ) : null}
      {actions.length === 0 ? (
        closable ? null : (
          <p class="muted">No action applies while patrol is responding.</p>
        )
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
      {[...new Set(i.occurrencesList.map((o) => o.pushId).filter((id) => id !== null))].map((pushId) => (
        <p>
          <a href={`/admin/incidents?view=all&push=${pushId}`}>Every incident of push {pushId}</a>{' '}
          <span class="muted">(to close or retry them together)</span>
        </p>
      ))}
      <table class="stack">
        <thead>
          <tr>
            <th>Repository</th>
            <th>Source</th>
            <th>File</th>
            <th>Branch</th>
            <th>Commit</th>
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
                <td data-label="Repository" class="break">
                  {at(linked.repository, pushedText(o.repository))}
                  {'error' in links ? <small class="error"> links: {links.error}</small> : ''}
                </td>
                <td data-label="Source">{at(safeLink(o.url), SOURCE_LABELS[o.source])}</td>
                <td data-label="File" class="mono break">
                  {at(linked.file, `${pushedText(o.path)}:${o.line}`)}
                </td>
                <td data-label="Branch" class="mono break">
                  {pushedText((o.ref ?? '').replace(/^refs\/heads\//, ''))}
                </td>
                <td data-label="Commit" class="mono break">
                  {o.commitSha ? (
                    <>
                      {at(linked.commit, pushedText(o.commitSha.slice(0, 12)))}
                      <input
                        class="mono sha"
                        readonly
                        value={pushedText(o.commitSha)}
                        aria-label={`full commit id of occurrence ${o.id}, to copy`}
                        size={12}
                      />
                    </>
                  ) : (
                    <span class="muted">none</span>
                  )}
                </td>
                <td data-label="Author" class="break">
                  {pushedText([o.authorName, o.authorEmail && `<${o.authorEmail}>`].filter(Boolean).join(' ')) || (
                    <span class="muted">unknown</span>
                  )}
                  {o.pusherEmail && o.pusherEmail !== o.authorEmail ? (
                    <div class="muted">pushed by {pushedText(o.pusherName ?? o.pusherEmail)}</div>
                  ) : null}
                </td>
                <td data-label="Encoding">{o.encoding}</td>
                <td data-label="Seen">
                  <Time at={new Date(o.seenAt).toISOString()} now={p.now} />
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
            <Time at={e.at} now={p.now} />
            <span class="muted">{TYPE_WORDS[e.type]}</span>
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

/** A stored page URL, shown as a link only when it is http(s) (it was built from the configured host). */
function safeLink(url: string | null): string | undefined {
  return url && /^https?:\/\//.test(url) ? url : undefined
}
