/**
 * The sentences Slack and Teams share: a one-line headline and what patrol did, both from the event body.
 *
 * @example
 * headline(body) // 'GitHub personal access token (classic) leaked in acme/api: revoke failed'
 */
import type { IncidentEvent } from './channel-event.js'

export function headline(e: IncidentEvent): string {
  const where = e.locations[0] ? ` in ${e.locations[0].repository}` : ''
  const prefix = e.followUp ? 'Update: ' : ''
  return `${prefix}${e.incident.kindLabel} leaked${where}: ${e.incident.statusLabel}`
}

export function whatPatrolDid(e: IncidentEvent): string {
  const detail = e.response.detail ? ` (${e.response.detail})` : ''
  if (!e.response.outcome) return `no revocation attempted${detail}`
  return `${e.incident.statusLabel}${detail}`
}
