/**
 * Azure DevOps events beyond git.push through POST /webhooks/azure-devops, on Microsoft's documented sample payloads
 * (test/support/azure-hook-samples.ts): a token written into a work item (HTML, decoded first), a pull request or a
 * pull request comment becomes an incident whose occurrence names its source, its page under the configured
 * organization URL and its author. A work item update is read only for what it changed; the text is stored sealed.
 */
import { count } from 'drizzle-orm'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { contentEvents, deliveries, incidents, occurrences } from '../../src/db/schema.js'
import { azureHookSample } from '../support/azure-hook-samples.js'
import { type Pipeline, startPipeline, tokensAtRest } from '../support/pipeline.js'
import { generateAdoPat, generateGithubToken } from '../support/tokens.js'

const ORG = 'https://dev.azure.com/fabrikam'
let p: Pipeline
beforeEach(async () => {
  p = await startPipeline({ PATROL_REVOKE: 'off', AZURE_DEVOPS_ORG_URL: ORG })
})
afterEach(() => p.close())

async function post(event: unknown) {
  const res = await p.postAzure(event)
  await p.drain()
  return res
}
const lastOccurrence = async () => (await p.db.select().from(occurrences)).at(-1)

describe('work items', () => {
  it('reads every text field of a created work item, HTML decoded', async () => {
    const event = azureHookSample('workitem.created')
    const token = generateAdoPat()
    // Azure Boards writes `+` and `/` of a token as they are, but an editor may escape any character.
    const escaped = token.replace(/[A-Z]/, (c) => `&#${c.charCodeAt(0)};`)
    Object.assign(event.resource.fields, {
      'System.Description': `<div>Steps:</div><div>curl -u :${escaped} https://dev.azure.com/x</div>`,
    })
    const res = await post(event)
    expect(res.status).toBe(202)
    expect(await lastOccurrence()).toMatchObject({
      source: 'work_item',
      provider: 'azure-devops',
      repository: 'FabrikamCloud',
      path: 'work item 5 (System.Description)',
      line: 2,
      url: `${ORG}/FabrikamCloud/_workitems/edit/5`,
      authorName: 'Jamal Hartnett',
    })
    expect(tokensAtRest(p.dir, [token])).toEqual([])
  })

  it('reads only the changed fields of an update, and of each only its new lines', async () => {
    const event = azureHookSample('workitem.updated')
    const old = generateGithubToken('ghp')
    const fresh = generateGithubToken('ghp')
    event.resource.fields['System.Description'] = {
      oldValue: `<p>old: ${old}</p>`,
      newValue: `<p>old: ${old}</p><p>and now: ${fresh}</p>`,
    }
    expect((await post(event)).status).toBe(202)
    const found = await p.db.select().from(incidents)
    expect(found).toHaveLength(1)
    expect(found[0]!.preview.slice(-4)).toBe(fresh.slice(-4))
    // The sample's `workItemId` is 0: the id comes from its revision.
    expect(await lastOccurrence()).toMatchObject({ path: 'work item 5 (System.Description)', line: 2 })
  })

  it('scans the published update (assignee and severity changed) and finds nothing', async () => {
    expect((await post(azureHookSample('workitem.updated'))).status).toBe(202)
    expect(await p.db.select().from(contentEvents)).toMatchObject([{ source: 'work_item', findings: 0 }])
    expect(await p.db.select().from(incidents)).toEqual([])
  })

  it('answers an update of bookkeeping fields only with 202 ignored and stores nothing', async () => {
    const event = azureHookSample('workitem.updated')
    event.resource.fields = { 'System.State': { oldValue: 'New', newValue: 'Approved' } }
    const res = await p.postAzure(event)
    expect(res.status).toBe(202)
    expect(await res.json()).toMatchObject({ ignored: true, event: 'workitem.updated' })
    expect(await p.db.select({ n: count() }).from(deliveries)).toEqual([{ n: 0 }])
  })

  it('reads the comment of a commented work item', async () => {
    const event = azureHookSample('workitem.commented')
    const token = generateAdoPat()
    event.resource.fields['System.History'] = `<div>This is a great new idea, my PAT: ${token}</div>`
    expect((await post(event)).status).toBe(202)
    expect(await lastOccurrence()).toMatchObject({ source: 'work_item', path: 'work item 5 (System.History)' })
  })
})

describe('pull requests', () => {
  it.each(['git.pullrequest.created', 'git.pullrequest.updated'] as const)(
    'reads the title and description of %s',
    async (name) => {
      const event = azureHookSample(name)
      const token = generateAdoPat()
      event.resource.description = ` - test2\r\nuse ${token} for the feed\r\n`
      expect((await post(event)).status).toBe(202)
      expect(await lastOccurrence()).toMatchObject({
        source: 'pull_request',
        repository: 'Fabrikam/Fabrikam',
        path: 'pull request 1 (description)',
        line: 2,
        url: `${ORG}/Fabrikam/_git/Fabrikam/pullrequest/1`,
        authorName: 'Jamal Hartnett',
        authorEmail: 'fabrikamfiber4@hotmail.com',
      })
    },
  )

  it('records an unchanged description seen again by an update as nothing new', async () => {
    const created = azureHookSample('git.pullrequest.created')
    const updated = azureHookSample('git.pullrequest.updated')
    const token = generateAdoPat()
    created.resource.description = `pat ${token}`
    updated.resource.description = `pat ${token}`
    await post(created)
    await post(updated)
    expect(await p.db.select({ n: count() }).from(occurrences)).toEqual([{ n: 1 }])
    expect(await p.db.select({ n: count() }).from(contentEvents)).toEqual([{ n: 2 }])
  })

  it('reads a pull request comment and links its thread', async () => {
    const event = azureHookSample('ms.vss-code.git-pullrequest-comment-event')
    const token = generateGithubToken('ghp')
    event.resource.comment.content = `This is my comment.\nGITHUB_TOKEN=${token}`
    expect((await post(event)).status).toBe(202)
    expect(await lastOccurrence()).toMatchObject({
      source: 'comment',
      repository: 'Fabrikam/Fabrikam',
      path: 'pull request 1, comment 5/2 (content)',
      line: 2,
      url: `${ORG}/Fabrikam/_git/Fabrikam/pullrequest/1?discussionId=5`,
    })
  })

  it('refuses a pull request event without its repository with a 400 naming the field, storing nothing', async () => {
    const event = azureHookSample('git.pullrequest.created') as { resource: Record<string, unknown> }
    delete event.resource.repository
    const res = await p.postAzure(event)
    expect(res.status).toBe(400)
    expect(((await res.json()) as { error: string }).error).toMatch(
      /^git\.pullrequest\.created payload: resource\.repository: /,
    )
    expect(await p.db.select({ n: count() }).from(deliveries)).toEqual([{ n: 0 }])
  })
})
