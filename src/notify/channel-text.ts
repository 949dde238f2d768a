/**
 * The sentences Slack and Teams share: a one-line headline, what patrol did and, for a response stuck in retries,
 * what it waits for; all from the event body.
 *
 * @example
 * headline(body) // 'GitHub personal access token (classic) leaked in acme/api: revoke failed'
 * waitingText(body) // 'GitHub to accept the revocation (…); failing since 2026-12-01 17:00 UTC (last error: …); next try 2026-12-01 17:14 UTC'
 */
import type { IncidentEvent } from './channel-event.js'

export function headline(e: IncidentEvent): string {
  const where = e.locations[0] ? ` in ${e.locations[0].repository}` : ''
  const prefix = e.followUp ? 'Update: ' : ''
  const status = e.waiting ? `${e.incident.statusLabel}, stuck in retries` : e.incident.statusLabel
  return `${prefix}${e.incident.kindLabel} leaked${where}: ${status}`
}

/** A stuck response: what patrol waits for, since when, the last error and the next try; undefined otherwise. */
export function waitingText(e: IncidentEvent): string | undefined {
  const w = e.waiting
  if (!w) return undefined
  const reason = w.reason ? ` (last error: ${w.reason})` : ''
  const next = w.nextAttemptAt ? `; next try ${utc(w.nextAttemptAt)}` : ''
  return `${w.for}; failing since ${utc(w.since)}${reason}${next}`
}

const utc = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`

export function whatPatrolDid(e: IncidentEvent): string {
  const detail = e.response.detail ? ` (${e.response.detail})` : ''
  if (!e.response.outcome) return `no revocation attempted${detail}`
  return `${e.incident.statusLabel}${detail}`
}
