/**
 * The incident list as CSV (RFC 4180: comma-separated, CRLF, fields quoted when needed), for the page's "Download as
 * CSV" and the API. Previews only, never a token. A cell that a spreadsheet would run as a formula (starting with
 * `=`, `+`, `-`, `@`, tab or CR) is prefixed with `'`, since repository names and paths come from pushes.
 *
 * @example
 * const text = await incidentsCsv(db, { attention: true, sort: 'risk', dir: 'asc', page: 1, limit: 10_000 })
 */
import type { DB } from '../../db/types.js'
import { labelOf } from '../../kinds/index.js'
import { pushedText } from '../../notify/pushed-text.js'
import { mayBeLive, statusLabel } from '../../notify/status-labels.js'
import { listIncidentPage, type PageFilter } from './queries.js'

export const CSV_COLUMNS = [
  'id',
  'status',
  'status_label',
  'may_be_live',
  'kind',
  'kind_label',
  'issuer',
  'preview',
  'repositories',
  'owner',
  'places',
  'first_seen',
  'last_seen',
  'time_to_revoke_ms',
] as const

export function csvCell(value: string | number | boolean | null | undefined): string {
  let text = value === null || value === undefined ? '' : String(value)
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

export async function incidentsCsv(db: DB, f: PageFilter): Promise<string> {
  const { items } = await listIncidentPage(db, f)
  const rows = items.map((i) =>
    [
      i.id,
      i.status,
      statusLabel(i.status),
      mayBeLive(i.status),
      i.kind,
      labelOf(i.kind),
      i.issuer,
      i.preview,
      pushedText(i.repositories.join(' '), 2000),
      pushedText(i.owner.email ?? i.owner.name ?? ''),
      i.occurrences,
      i.firstSeenAt,
      i.lastSeenAt,
      i.timeToRevokeMs,
    ]
      .map(csvCell)
      .join(','),
  )
  return `${[CSV_COLUMNS.join(','), ...rows].join('\r\n')}\r\n`
}
