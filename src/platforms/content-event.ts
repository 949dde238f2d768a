/**
 * Text that people write outside code, as patrol receives it from a webhook: an issue or pull request, a comment,
 * a review, a discussion, a release, an Azure Boards work item. Each platform's parser turns its events into a
 * `ContentEvent`, which is stored sealed (it may hold the very token being reported: invariant 1) and scanned by the
 * `scan-content` job (src/incidents/ingest/content-event.ts). Also the list of occurrence sources the schema, the
 * admin page and the messages share. Pure: loaded by drizzle-kit and in Workers.
 *
 * @example
 * const texts = [{ field: 'body', text: changedLines(body, changes?.body?.from) }]
 * const event: ContentEvent = { type: 'text', provider: 'github', source: 'comment', repository: 'acme/api',
 *   where: 'issue #12, comment 345', webPath: 'acme/api/issues/12#issuecomment-345', author: { login: 'octo' }, texts }
 */
import type { PlatformId } from './ids.js'
import type { Person } from './types.js'

/** Where an occurrence was seen: a push (code or commit message) or one of the places people write text. */
export const OCCURRENCE_SOURCES = [
  'push',
  'issue',
  'pull_request',
  'comment',
  'discussion',
  'release',
  'work_item',
  'alert',
  'cli',
] as const
export type OccurrenceSource = (typeof OCCURRENCE_SOURCES)[number]

/** How the page and the messages name each source. */
export const SOURCE_LABELS: { readonly [s in OccurrenceSource]: string } = {
  push: 'push',
  issue: 'issue',
  pull_request: 'pull request',
  comment: 'comment',
  discussion: 'discussion',
  release: 'release',
  work_item: 'work item',
  alert: 'secret scanning alert',
  cli: 'CLI',
}

/** How a message says where the token was first seen: `A GitHub token ${SOURCE_FOUND[source]}.` */
export const SOURCE_FOUND: { readonly [s in OccurrenceSource]: string } = {
  push: 'was pushed to a repository',
  issue: 'was written in an issue',
  pull_request: 'was written in a pull request',
  comment: 'was written in a comment',
  discussion: 'was written in a discussion',
  release: 'was written in release notes',
  work_item: 'was written in a work item',
  alert: 'was reported by a GitHub secret scanning alert',
  cli: 'was found in a repository by `patrol scan`',
}

/**
 * One piece of text: its field (`title`, `body`, `System.Description`) and the lines to scan, numbered as in the text.
 */
export interface ContentText {
  field: string
  lines: { line: number; text: string }[]
}

export interface TextContent {
  type: 'text'
  provider: PlatformId
  source: OccurrenceSource
  /** `owner/name` on GitHub; `project/name` on Azure Repos, or the project alone for a work item. */
  repository: string
  /** A short human label, recorded as the occurrence's path: `issue #12, comment 345`, `work item 42`. */
  where: string
  /** The page's path under the configured web host (never a payload URL): `acme/api/issues/12#issuecomment-345`. */
  webPath?: string
  author?: Person
  /** When the text was written (ISO 8601), when the payload says. */
  at?: string
  texts: ContentText[]
}

/** A GitHub secret scanning alert: the secret is read from the REST API by the job, not carried in the webhook. */
export interface SecretAlertContent {
  type: 'secret-alert'
  provider: PlatformId
  source: 'alert'
  repository: string
  alertNumber: number
  installationId?: number
}

export type ContentEvent = TextContent | SecretAlertContent

/**
 * The lines of `text` that `previous` did not have (all of them when there was no previous text), keeping their line
 * numbers: on an edit only what was written now is scanned, so an old token is not reported again as new.
 */
export function changedLines(text: string | null | undefined, previous?: string | null): ContentText['lines'] {
  if (!text) return []
  const before = new Set((previous ?? '').split(/\r?\n/))
  const lines = text.split(/\r?\n/).map((t, i) => ({ line: i + 1, text: t }))
  return previous == null ? lines : lines.filter((l) => !before.has(l.text))
}

/** The texts that have lines, as `ContentText`s; empty when the event wrote nothing new. */
export function textsOf(fields: Record<string, ContentText['lines']>): ContentText[] {
  return Object.entries(fields)
    .filter(([, lines]) => lines.some((l) => l.text.trim() !== ''))
    .map(([field, lines]) => ({ field, lines }))
}
