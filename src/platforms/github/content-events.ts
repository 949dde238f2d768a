/**
 * GitHub events beyond `push` whose payload carries the text people wrote: issues, pull requests, their comments and
 * reviews, commit comments, discussions, releases; and `secret_scanning_alert`, whose secret the job reads through the
 * REST API. Each becomes a `ContentEvent` (content-event.ts); no API call is needed to read the text. On `edited`,
 * only the lines the edit wrote are kept (`changes.<field>.from` is the previous text). Actions that write nothing
 * (labeled, closed, deleted…) are answered and ignored.
 *
 * @example
 * const parsed = parseGithubContent('issue_comment', payload)
 * // { ok: true, content: { type: 'text', source: 'comment', where: 'issue #1, comment 492700400', … } }
 * // { ok: true, content: undefined } for an action patrol does not read; { ok: false, error: 'comment.body: …' }
 */
import { z } from 'zod'
import { type ContentEvent, changedLines, type OccurrenceSource, textsOf } from '../content-event.js'
import type { Person } from '../types.js'

/** The events this module reads, and the actions of each that write text. */
export const GITHUB_CONTENT_EVENTS: Readonly<Record<string, readonly string[]>> = {
  issue_comment: ['created', 'edited'],
  issues: ['opened', 'edited'],
  pull_request: ['opened', 'edited'],
  pull_request_review: ['submitted', 'edited'],
  pull_request_review_comment: ['created', 'edited'],
  commit_comment: ['created'],
  discussion: ['created', 'edited'],
  discussion_comment: ['created', 'edited'],
  release: ['created', 'published', 'edited', 'prereleased', 'released'],
  secret_scanning_alert: ['created', 'reopened'],
}

const user = z.object({ login: z.string() }).nullish()
const text = z.string().nullish()
const id = z.number().int()
const repository = z.object({
  full_name: z
    .string()
    .regex(
      /^[A-Za-z0-9_-]{1,100}\/(?!\.\.?$)[A-Za-z0-9._-]{1,100}$/,
      'expected owner/name in GitHub’s characters (letters, digits, `.`, `-`, `_`; not `.` or `..`)',
    ),
})
const changes = z
  .object({ body: z.object({ from: text }), title: z.object({ from: text }), name: z.object({ from: text }) })
  .partial()
  .optional()
const comment = z.object({ id, body: text, user, created_at: z.string().optional(), updated_at: z.string().optional() })
const numbered = z.object({ number: id, title: text, body: text, user, updated_at: z.string().optional() })

const base = z.object({ action: z.string(), repository, changes, installation: z.object({ id }).optional() })

const schemas = {
  issue_comment: base.extend({ issue: numbered.extend({ pull_request: z.unknown().optional() }), comment }),
  issues: base.extend({ issue: numbered }),
  pull_request: base.extend({ pull_request: numbered }),
  pull_request_review: base.extend({
    pull_request: z.object({ number: id }),
    review: z.object({ id, body: text, user, submitted_at: z.string().nullish() }),
  }),
  pull_request_review_comment: base.extend({ pull_request: z.object({ number: id }), comment }),
  commit_comment: base.extend({ comment: comment.extend({ commit_id: z.string().regex(/^[0-9a-f]{40,64}$/) }) }),
  discussion: base.extend({ discussion: numbered }),
  discussion_comment: base.extend({ discussion: z.object({ number: id }), comment }),
  release: base.extend({
    release: z.object({
      tag_name: z.string(),
      name: text,
      body: text,
      author: user,
      published_at: z.string().nullish(),
    }),
  }),
  secret_scanning_alert: base.extend({ alert: z.object({ number: id }) }),
} as const

export type GithubContentResult = { ok: true; content: ContentEvent | undefined } | { ok: false; error: string }

/** Parses one of `GITHUB_CONTENT_EVENTS`; `content` is undefined for an action that writes no text. */
export function parseGithubContent(event: string, payload: unknown): GithubContentResult {
  const schema = schemas[event as keyof typeof schemas]
  const actions = GITHUB_CONTENT_EVENTS[event]
  if (!schema || !actions) return { ok: true, content: undefined }
  const action = (payload as { action?: unknown }).action
  if (typeof action !== 'string' || !actions.includes(action)) return { ok: true, content: undefined }
  const result = schema.safeParse(payload)
  if (!result.success) {
    const issue = result.error.issues[0]
    const field = issue?.path.length ? issue.path.join('.') : '(payload)'
    return { ok: false, error: `${field}: ${issue?.message ?? 'invalid'}` }
  }
  return { ok: true, content: normalize(event as keyof typeof schemas, result.data) }
}

// biome-ignore lint/suspicious/noExplicitAny: each branch reads the shape its schema above validated
function normalize(event: keyof typeof schemas, p: any): ContentEvent | undefined {
  const repo: string = p.repository.full_name
  const edits = p.action === 'edited' ? (p.changes ?? {}) : undefined
  // On an edit, a field the edit did not change has nothing new; one it changed keeps only its new lines.
  const field = (value: string | null | undefined, name: 'body' | 'title' | 'name') =>
    edits ? (edits[name] ? changedLines(value, edits[name].from ?? '') : []) : changedLines(value)
  const text = (
    source: OccurrenceSource,
    where: string,
    webPath: string,
    author: { login: string } | null | undefined,
    fields: Record<string, ReturnType<typeof changedLines>>,
    at?: string | null,
  ): ContentEvent | undefined => {
    const texts = textsOf(fields)
    if (!texts.length) return undefined
    const person: Person | undefined = author ? { login: author.login, name: author.login } : undefined
    return {
      type: 'text',
      provider: 'github',
      source,
      repository: repo,
      where,
      webPath: `${repo}/${webPath}`,
      ...(person ? { author: person } : {}),
      ...(at ? { at } : {}),
      texts,
    }
  }
  switch (event) {
    case 'issue_comment': {
      const thing = p.issue.pull_request ? 'pull request' : 'issue'
      const c = p.comment
      return text(
        'comment',
        `${thing} #${p.issue.number}, comment ${c.id}`,
        `${p.issue.pull_request ? 'pull' : 'issues'}/${p.issue.number}#issuecomment-${c.id}`,
        c.user,
        { body: field(c.body, 'body') },
        c.updated_at,
      )
    }
    case 'issues':
    case 'pull_request':
    case 'discussion': {
      const item = p.issue ?? p.pull_request ?? p.discussion
      const [source, label, path]: [OccurrenceSource, string, string] =
        event === 'issues'
          ? ['issue', 'issue', 'issues']
          : event === 'pull_request'
            ? ['pull_request', 'pull request', 'pull']
            : ['discussion', 'discussion', 'discussions']
      return text(
        source,
        `${label} #${item.number}`,
        `${path}/${item.number}`,
        item.user,
        { title: field(item.title, 'title'), body: field(item.body, 'body') },
        item.updated_at,
      )
    }
    case 'pull_request_review':
      return text(
        'comment',
        `pull request #${p.pull_request.number}, review ${p.review.id}`,
        `pull/${p.pull_request.number}#pullrequestreview-${p.review.id}`,
        p.review.user,
        // A review has no `changes`: an edited review is read whole.
        { body: changedLines(p.review.body) },
        p.review.submitted_at,
      )
    case 'pull_request_review_comment':
      return text(
        'comment',
        `pull request #${p.pull_request.number}, review comment ${p.comment.id}`,
        `pull/${p.pull_request.number}#discussion_r${p.comment.id}`,
        p.comment.user,
        { body: field(p.comment.body, 'body') },
        p.comment.updated_at,
      )
    case 'commit_comment':
      return text(
        'comment',
        `commit ${p.comment.commit_id.slice(0, 12)}, comment ${p.comment.id}`,
        `commit/${p.comment.commit_id}#commitcomment-${p.comment.id}`,
        p.comment.user,
        { body: field(p.comment.body, 'body') },
        p.comment.created_at,
      )
    case 'discussion_comment':
      return text(
        'comment',
        `discussion #${p.discussion.number}, comment ${p.comment.id}`,
        `discussions/${p.discussion.number}#discussioncomment-${p.comment.id}`,
        p.comment.user,
        { body: field(p.comment.body, 'body') },
        p.comment.updated_at,
      )
    case 'release': {
      const r = p.release
      return text(
        'release',
        `release ${r.tag_name}`,
        `releases/tag/${encodeURIComponent(r.tag_name)}`,
        r.author,
        { name: field(r.name, 'name'), body: field(r.body, 'body') },
        r.published_at,
      )
    }
    case 'secret_scanning_alert':
      return {
        type: 'secret-alert',
        provider: 'github',
        source: 'alert',
        repository: repo,
        alertNumber: p.alert.number,
        ...(p.installation ? { installationId: p.installation.id } : {}),
      }
  }
}
