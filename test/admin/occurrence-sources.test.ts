/**
 * Where a token was seen, by source: the incident page shows each occurrence's source (push, comment, work item,
 * pull request, alert, CLI) linked to its page; the list (page and API) filters by source; the owner's email says
 * where the token was written and links the page.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type Place, recordFinding } from '../../src/incidents/ingest/record.js'
import { composeIncidentEmail, type IncidentEmailInput } from '../../src/notify/message.js'
import { pageRequest, signIn } from '../support/admin-page.js'
import { type TestApp, testApp } from '../support/service-app.js'
import { generateGithubToken } from '../support/tokens.js'

let t: TestApp
beforeEach(async () => {
  t = await testApp()
})
afterEach(() => t.cleanup())

async function seen(place: Partial<Place>, token = generateGithubToken('ghp')) {
  const r = await recordFinding(
    t.db.db,
    t.keys,
    { kind: 'github-classic-pat', issuer: 'github', secret: token },
    { provider: 'github', repository: 'acme/api', path: 'a.env', line: 1, encoding: 'plain', ...place },
    { now: t.clock.now, pushedAt: t.clock.now },
  )
  return r.incidentId
}

const COMMENT_URL = 'https://github.com/acme/api/issues/3#issuecomment-9'

describe('occurrence sources', () => {
  it('shows the source of each occurrence on the incident page, linked to its page', async () => {
    const token = generateGithubToken('ghp')
    const id = await seen({ commitSha: 'b'.repeat(40) }, token)
    await seen({ source: 'comment', path: 'issue #3, comment 9 (body)', url: COMMENT_URL }, token)
    const cookie = await signIn(t.app)
    const html = await (await pageRequest(t.app, `/admin/incidents/${id}`, { cookie })).text()
    expect(html).toContain('<th>Source</th>')
    expect(html).toContain(`<a href="${COMMENT_URL}">comment</a>`)
    expect(html).toMatch(/<td data-label="Source">push<\/td>/)
  })

  it('filters the list by source, on the page and in the API, and refuses an unknown source', async () => {
    const fromPush = await seen({})
    const fromAlert = await seen({ source: 'alert', path: 'secret scanning alert #1' })
    const ids = async (path: string) =>
      ((await (await t.admin(path)).json()) as { items: { id: number }[] }).items.map((i) => i.id)
    expect(await ids('/api/incidents?source=alert')).toEqual([fromAlert])
    expect(await ids('/api/incidents?source=push')).toEqual([fromPush])
    const bad = await t.admin('/api/incidents?source=fax')
    expect(bad.status).toBe(400)
    expect(((await bad.json()) as { error: string }).error).toMatch(/^source: /)

    const cookie = await signIn(t.app)
    const page = await (await pageRequest(t.app, '/admin/incidents?source=alert', { cookie })).text()
    expect(page).toContain(`/admin/incidents/${fromAlert}`)
    expect(page).not.toContain(`/admin/incidents/${fromPush}"`)
    expect(page).toContain('<option value="work_item">work item</option>')
  })

  it('tells the owner where the token was written, with the page’s link, in the email', () => {
    const input: IncidentEmailInput = {
      incidentId: 7,
      kind: 'azure-devops-pat',
      preview: 'abcd…wxyz',
      locations: [
        {
          repository: 'Fabrikam',
          path: 'work item 5 (System.Description)',
          line: 2,
          source: 'work_item',
          url: 'https://dev.azure.com/fabrikam/Fabrikam/_workitems/edit/5',
        },
      ],
      revocation: { outcome: 'revoked', detail: 'revoked through Token Admin' },
      advice: { auditLog: 'Check the audit log.' },
    }
    const email = composeIncidentEmail(input)
    expect(email.text).toContain('was written in a work item. Treat it as compromised.')
    expect(email.text).toContain('  source: work item')
    expect(email.text).toContain(
      '  found in: work item 5 (System.Description) <https://dev.azure.com/fabrikam/Fabrikam/_workitems/edit/5>',
    )
    expect(email.html).toContain('<a href="https://dev.azure.com/fabrikam/Fabrikam/_workitems/edit/5">')
  })
})
