/**
 * The top of the dashboard and of the "Needs attention" list: how many tokens may still work (the most urgent few,
 * each with what patrol waits for), pushes patrol has not fully read, and jobs it gave up on.
 *
 * @example
 * <AttentionSummary total={12} items={top} trouble={await pipelineTrouble(db, now)} now={now} />
 */
import type { ListedIncident, Trouble } from '../../incidents/admin/queries.js'
import { labelOf } from '../../kinds/index.js'
import { pushedText } from '../../notify/pushed-text.js'
import { waitingText } from './incidents.js'
import { StatusBadge, Time } from './layout.js'

export function TroubleList(p: { trouble: Trouble; now: number }) {
  const { unscannedPushes, deadJobs } = p.trouble
  if (!unscannedPushes.length && !deadJobs.length) return null
  return (
    <section class="card" aria-labelledby="trouble">
      <h2 id="trouble">Not done by patrol</h2>
      {unscannedPushes.length ? (
        <>
          <p>
            <strong>{unscannedPushes.length}</strong> push{unscannedPushes.length === 1 ? '' : 'es'} not fully scanned:
            a token in them may be unseen.
          </p>
          <ul>
            {unscannedPushes.slice(0, 5).map((u) => (
              <li class="break">
                {pushedText(u.repository)}:{' '}
                {u.status === 'pending' ? 'still waiting to be scanned' : `scan ${u.status}`}
                {u.reasons ? ` (${pushedText(u.reasons, 200)})` : ''}, received{' '}
                <Time at={u.receivedAt} short now={p.now} />
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {deadJobs.length ? (
        <>
          <p>
            <strong>{deadJobs.length}</strong> job{deadJobs.length === 1 ? '' : 's'} gave up after every retry.
          </p>
          <ul>
            {deadJobs.slice(0, 5).map((j) => (
              <li class="break">
                {j.kind} #{j.id} after {j.attempts} attempts
                {j.lastError ? `: ${pushedText(j.lastError, 200)}` : ''}, <Time at={j.updatedAt} short now={p.now} />
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  )
}

export function AttentionSummary(p: { total: number; items: ListedIncident[]; trouble: Trouble; now: number }) {
  return (
    <div class="cards">
      <section class="card" aria-labelledby="attention">
        <h2 id="attention">Needs attention</h2>
        <div class="big">{p.total}</div>
        <p class="muted">token{p.total === 1 ? '' : 's'} that may still work</p>
        {p.items.length ? (
          <ol>
            {p.items.map((i) => (
              <li class="break">
                <a href={`/admin/incidents/${i.id}`}>
                  {labelOf(i.kind)} <span class="mono">{i.preview}</span>
                </a>{' '}
                <StatusBadge status={i.status} /> <span class="muted">{waitingText(i)}</span>
              </li>
            ))}
          </ol>
        ) : null}
        <a href="/admin/incidents">See what needs attention</a>
      </section>
      <TroubleList trouble={p.trouble} now={p.now} />
    </div>
  )
}
