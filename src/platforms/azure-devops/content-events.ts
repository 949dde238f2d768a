/**
 * Azure DevOps service hook events beyond `git.push` whose payload carries text people wrote: Azure Boards work items
 * (`workitem.created`, `workitem.updated`, `workitem.commented`), pull requests (`git.pullrequest.created`,
 * `git.pullrequest.updated`) and pull request comments (`ms.vss-code.git-pullrequest-comment-event`). Each becomes a
 * `ContentEvent` (content-event.ts); no API call is needed. Work item fields are HTML, decoded before scanning
 * (html-text.ts). On `workitem.updated` only the fields the update changed are read, and of each only the lines its
 * old value did not have. `git.pullrequest.updated` carries no previous text: title and description are read whole,
 * and an unchanged token records nothing new (an occurrence is unique per place).
 *
 * @example
 * const parsed = parseAzureContent(payload)   // payload.eventType === 'workitem.commented'
 * // { ok: true, content: { type: 'text', source: 'work_item', repository: 'FabrikamCloud', where: 'work item 5', … } }
 */
import { z } from 'zod'
import { type ContentEvent, type ContentText, changedLines, textsOf } from '../content-event.js'
import { htmlToText } from '../html-text.js'
import type { Person } from '../types.js'

export const AZURE_CONTENT_EVENTS = [
  'workitem.created',
  'workitem.updated',
  'workitem.commented',
  'git.pullrequest.created',
  'git.pullrequest.updated',
  'ms.vss-code.git-pullrequest-comment-event',
] as const

/**
 * Azure DevOps names never hold `/ \ : * ? " < > | ; # $ { } , + = [ ]` or control characters, nor start with `.` or
 * `_`.
 */
const azureName = z
  .string()
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  .regex(/^(?![._])[^/\\:*?"<>|;#${},+=[\]\u0000-\u001f\u007f]{1,256}$/, 'expected an Azure DevOps name')

const identity = z.object({ displayName: z.string().optional(), uniqueName: z.string().optional() }).nullish()
const fields = z.record(z.string(), z.unknown())
const repository = z.object({ name: azureName, project: z.object({ name: azureName }) })
const pullRequest = z.object({
  pullRequestId: z.number().int(),
  repository,
  createdBy: identity,
  creationDate: z.string().optional(),
  title: z.string().nullish(),
  description: z.string().nullish(),
})

const schemas = {
  'workitem.created': z.object({ resource: z.object({ id: z.number().int(), fields }) }),
  'workitem.commented': z.object({ resource: z.object({ id: z.number().int(), fields }) }),
  'workitem.updated': z.object({
    resource: z.object({
      workItemId: z.number().int(),
      revisedBy: z.object({ displayName: z.string().optional(), name: z.string().optional() }).nullish(),
      revisedDate: z.string().optional(),
      fields: z.record(z.string(), z.object({ oldValue: z.unknown().optional(), newValue: z.unknown().optional() })),
      revision: z.object({ id: z.number().int(), fields }),
    }),
  }),
  'git.pullrequest.created': z.object({ resource: pullRequest }),
  'git.pullrequest.updated': z.object({ resource: pullRequest }),
  'ms.vss-code.git-pullrequest-comment-event': z.object({
    resource: z.object({
      comment: z.object({
        id: z.number().int(),
        content: z.string().nullish(),
        isDeleted: z.boolean().optional(),
        author: identity,
        lastContentUpdatedDate: z.string().optional(),
        _links: z.object({ threads: z.object({ href: z.string() }).optional() }).optional(),
      }),
      pullRequest: z.object({ pullRequestId: z.number().int(), repository }),
    }),
  }),
} as const

export type AzureContentResult = { ok: true; content: ContentEvent | undefined } | { ok: false; error: string }

export function parseAzureContent(payload: { eventType: string }): AzureContentResult {
  const event = payload.eventType as keyof typeof schemas
  const result = schemas[event].safeParse(payload)
  if (!result.success) {
    const issue = result.error.issues[0]
    const field = issue?.path.length ? issue.path.join('.') : '(payload)'
    return { ok: false, error: `${field}: ${issue?.message ?? 'invalid'}` }
  }
  // biome-ignore lint/suspicious/noExplicitAny: each branch reads the shape its schema above validated
  const r = (result.data as any).resource
  switch (event) {
    case 'workitem.created':
      return workItem(r.id, r.fields, allFields(r.fields))
    case 'workitem.commented':
      return workItem(r.id, r.fields, { 'System.History': html(r.fields['System.History']) })
    case 'workitem.updated': {
      const changed: Record<string, ContentText['lines']> = {}
      for (const [name, change] of Object.entries(
        r.fields as Record<string, { oldValue?: unknown; newValue?: unknown }>,
      ))
        if (typeof change.newValue === 'string' && !METADATA.test(name))
          changed[name] = changedLines(htmlToText(change.newValue), asText(change.oldValue))
      const by = r.revisedBy?.displayName ?? r.revisedBy?.name
      // The documented sample has `workItemId: 0` and the id in `revision.id`; a real update has both.
      return workItem(r.workItemId || r.revision.id, r.revision.fields, changed, by, r.revisedDate)
    }
    case 'git.pullrequest.created':
    case 'git.pullrequest.updated':
      return text({
        source: 'pull_request',
        repository: r.repository,
        where: `pull request ${r.pullRequestId}`,
        webPath: `_git/${encodeURIComponent(r.repository.name)}/pullrequest/${r.pullRequestId}`,
        author: r.createdBy,
        texts: { title: changedLines(r.title), description: changedLines(r.description) },
      })
    case 'ms.vss-code.git-pullrequest-comment-event': {
      const c = r.comment
      if (c.isDeleted) return { ok: true, content: undefined }
      const thread = /\/threads\/(\d+)/.exec(c._links?.threads?.href ?? '')?.[1]
      return text({
        source: 'comment',
        repository: r.pullRequest.repository,
        where: `pull request ${r.pullRequest.pullRequestId}, comment ${thread ? `${thread}/` : ''}${c.id}`,
        webPath: `_git/${encodeURIComponent(r.pullRequest.repository.name)}/pullrequest/${r.pullRequest.pullRequestId}${thread ? `?discussionId=${thread}` : ''}`,
        author: c.author,
        at: c.lastContentUpdatedDate,
        texts: { content: changedLines(c.content) },
      })
    }
  }
  return { ok: true, content: undefined }
}

/** Fields that are bookkeeping, never text a person wrote. */
const METADATA =
  /^System\.(Id|Rev|Watermark|AuthorizedDate|RevisedDate|ChangedDate|CreatedDate|AreaPath|IterationPath|TeamProject|WorkItemType|State|Reason|AreaId|IterationId|NodeName|PersonId|AuthorizedAs|CommentCount|BoardColumn|BoardColumnDone|BoardLane)$/

function asText(value: unknown): string | undefined {
  return typeof value === 'string' ? htmlToText(value) : undefined
}

function html(value: unknown): ContentText['lines'] {
  return changedLines(asText(value))
}

/** Every text field of a new work item (title, description, repro steps, custom fields…). */
function allFields(values: Record<string, unknown>): Record<string, ContentText['lines']> {
  const out: Record<string, ContentText['lines']> = {}
  for (const [name, value] of Object.entries(values)) if (!METADATA.test(name)) out[name] = html(value)
  return out
}

function workItem(
  id: number,
  values: Record<string, unknown>,
  fieldTexts: Record<string, ContentText['lines']>,
  changedBy?: string,
  at?: string,
): AzureContentResult {
  const project = azureName.safeParse(values['System.TeamProject'])
  if (!project.success) return { ok: false, error: 'resource.fields.System.TeamProject: expected the project’s name' }
  const texts = textsOf(fieldTexts)
  if (!texts.length) return { ok: true, content: undefined }
  const by = changedBy ?? (typeof values['System.ChangedBy'] === 'string' ? values['System.ChangedBy'] : undefined)
  const when = at ?? (typeof values['System.ChangedDate'] === 'string' ? values['System.ChangedDate'] : undefined)
  return {
    ok: true,
    content: {
      type: 'text',
      provider: 'azure-devops',
      source: 'work_item',
      repository: project.data,
      where: `work item ${id}`,
      webPath: `${encodeURIComponent(project.data)}/_workitems/edit/${id}`,
      ...(by ? { author: person(by) } : {}),
      ...(when ? { at: when } : {}),
      texts,
    },
  }
}

/** `Name <email>` (how work item identity fields read) or a bare display name. */
function person(value: string): Person {
  const match = /^(.*?)\s*<([^<>\s]+@[^<>\s]+)>$/.exec(value)
  return match ? { name: match[1]!, email: match[2]! } : { name: value }
}

function text(o: {
  source: 'pull_request' | 'comment'
  repository: { name: string; project: { name: string } }
  where: string
  webPath: string
  author?: { displayName?: string; uniqueName?: string } | null
  at?: string
  texts: Record<string, ContentText['lines']>
}): AzureContentResult {
  const texts = textsOf(o.texts)
  if (!texts.length) return { ok: true, content: undefined }
  const project = o.repository.project.name
  const author: Person | undefined = o.author
    ? {
        ...(o.author.displayName ? { name: o.author.displayName } : {}),
        ...(o.author.uniqueName?.includes('@') ? { email: o.author.uniqueName } : {}),
        ...(o.author.uniqueName ? { login: o.author.uniqueName } : {}),
      }
    : undefined
  return {
    ok: true,
    content: {
      type: 'text',
      provider: 'azure-devops',
      source: o.source,
      repository: `${project}/${o.repository.name}`,
      where: o.where,
      webPath: `${encodeURIComponent(project)}/${o.webPath}`,
      ...(author ? { author } : {}),
      ...(o.at ? { at: o.at } : {}),
      texts,
    },
  }
}
