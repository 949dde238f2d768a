import { describe, expect, it } from 'vitest'
import { clampPreview, composeIncidentEmail, escapeHtml } from '../../src/notify/message.js'
import { azureDevOps } from '../../src/platforms/azure-devops/index.js'
import { azureDevOpsLinks } from '../../src/platforms/azure-devops/links.js'
import type { RevocationOutcome } from '../../src/platforms/types.js'
import { incidentInput } from './incident-input.js'

/** Every href in an HTML string. */
const hrefs = (html: string) => [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]!.replaceAll('&amp;', '&'))

describe('composeIncidentEmail', () => {
  it('says what leaked, where (with GitHub links), what patrol did and what to do, linking the incident', () => {
    const { token, input } = incidentInput()
    const email = composeIncidentEmail(input)
    expect(email.subject).toBe(
      '[patrol] GitHub personal access token (classic) leaked in contoso/api: revocation requested',
    )
    for (const part of [email.text, email.html]) {
      expect(part).toContain(`ghp_…${token.slice(-4)}`)
      expect(part).toContain('main')
      expect(part).toContain('a'.repeat(40))
      expect(part).toContain('config/prod settings.env')
      expect(part).toContain('the request was accepted')
      expect(part).toContain('Create a new token')
      expect(part).toContain('history')
      expect(part).toContain('audit log')
      expect(part).not.toContain(token)
    }
    const links = hrefs(email.html)
    expect(links).toContain('https://patrol.contoso.example/admin/incidents/42')
    expect(links).toContain('https://github.com/contoso/api/tree/main')
    expect(links).toContain(`https://github.com/contoso/api/commit/${'a'.repeat(40)}`)
    expect(links).toContain(`https://github.com/contoso/api/blob/${'a'.repeat(40)}/config/prod%20settings.env#L7`)
    expect(email.text).toContain('Incident 42: https://patrol.contoso.example/admin/incidents/42')
    expect(email.text).toContain(`https://github.com/contoso/api/blob/${'a'.repeat(40)}/config/prod%20settings.env#L7`)
  })

  it('builds Azure Repos links, and lists each PAT revoked with its name, scopes and creation date', () => {
    const azurePlace = {
      repository: 'Platform/api',
      branch: 'refs/heads/release/1.0',
      commit: 'b'.repeat(40),
      path: '/src/app.config',
      line: 12,
    }
    const { input } = incidentInput({
      kind: 'azure-devops-pat',
      preview: '…AZDO1x2y',
      locations: [{ ...azurePlace, links: azureDevOpsLinks('https://dev.azure.com/contoso').of(azurePlace) }],
      advice: azureDevOps.advice,
      revocation: {
        outcome: 'requested',
        detail: 'Token Admin accepted the revocation of 3 PATs of dev@contoso.example',
        authorizationIds: ['a', 'b', 'c'],
        candidates: [
          {
            authorizationId: 'a',
            displayName: 'deploy',
            scope: 'vso.code',
            createdAt: '2026-03-01T08:00:00.000Z',
            why: 'w',
          },
          {
            authorizationId: 'b',
            displayName: 'nightly build',
            scope: 'vso.build',
            createdAt: '2026-03-01T09:00:00.000Z',
            why: 'w',
          },
          {
            authorizationId: 'c',
            displayName: 'boards',
            scope: 'vso.work',
            createdAt: '2026-03-02T00:00:00.000Z',
            why: 'w',
          },
        ],
      },
    })
    const email = composeIncidentEmail(input)
    expect(email.subject).toContain('Azure DevOps personal access token leaked in Platform/api: revocation requested')
    expect(email.subject).not.toMatch(/: revoked/)
    const links = hrefs(email.html)
    expect(links).toContain('https://dev.azure.com/contoso/Platform/_git/api?version=GBrelease%2F1.0')
    expect(links).toContain(`https://dev.azure.com/contoso/Platform/_git/api/commit/${'b'.repeat(40)}`)
    expect(
      links.some((l) =>
        l.startsWith(
          `https://dev.azure.com/contoso/Platform/_git/api?path=%2Fsrc%2Fapp.config&version=GC${'b'.repeat(40)}&line=12`,
        ),
      ),
    ).toBe(true)
    expect(email.text).toContain('together with 2 other PATs of yours')
    expect(email.text).toContain('It is not yet confirmed dead')
    expect(email.text).toContain('Create new tokens for the ones you still need')
    expect(email.text).toContain('“deploy” (vso.code, created 2026-03-01)')
    expect(email.text).toContain('“nightly build” (vso.build, created 2026-03-01)')
    expect(email.text).toContain('“boards” (vso.work, created 2026-03-02)')
  })

  it.each<[RevocationOutcome, string, RegExp]>([
    [
      { outcome: 'revoked', detail: 'ok' },
      'revoked (confirmed)',
      /patrol revoked it .*and confirmed that it no longer works/,
    ],
    [
      { outcome: 'requested', detail: 'ok' },
      'revocation requested',
      /asked for its revocation.*not yet confirmed dead/,
    ],
    [{ outcome: 'inactive', detail: 'HTTP 401' }, 'already inactive', /it no longer works .*revoked nothing/],
    [
      { outcome: 'not_revocable', detail: 'installation token: expires within an hour, not revocable' },
      'action needed',
      /No API can revoke/,
    ],
    [{ outcome: 'failed', detail: 'HTTP 422' }, 'action needed, revocation failed', /tried to revoke it and failed/],
    [{ outcome: 'skipped', detail: 'not configured' }, 'action needed, not revoked', /did not revoke it/],
  ])('describes outcome %#', (revocation, status, did) => {
    const email = composeIncidentEmail(incidentInput({ revocation }).input)
    expect(email.subject.endsWith(`: ${status}`)).toBe(true)
    expect(email.text).toMatch(did)
    expect(email.text).toContain(`Details: ${revocation.detail}`)
    // Only where patrol could not kill the token does the owner get "revoke it now" as the first step.
    const mustRevoke = ['failed', 'skipped', 'not_revocable'].includes(revocation.outcome)
    expect(email.text.includes('1. Revoke the token now')).toBe(mustRevoke)
    // A dead token asks only for the history clean-up.
    expect(email.text.includes('Create a new token')).toBe(revocation.outcome !== 'inactive')
    if (revocation.outcome === 'inactive')
      expect(email.text).toMatch(/ {2}1\. Remove the secret from the repository history/)
  })

  it('escapes everything from the push in HTML and links only http(s) URLs', () => {
    const { input } = incidentInput({
      incidentId: 'x"><img src=x>',
      locations: [
        {
          repository: '<script>alert(1)</script>/repo',
          links: { repository: 'javascript:alert(1)', commit: 'data:text/html,x', file: 'javascript:alert(2)' },
          branch: 'refs/heads/"quoted"&<b>',
          commit: 'c'.repeat(40),
          path: `it's <evil>.env`,
          line: 1,
        },
      ],
      revocation: { outcome: 'failed', detail: '<b>bold</b> & "quoted"' },
    })
    const email = composeIncidentEmail(input)
    expect(email.html).not.toMatch(/<script|<img|<evil>|<b>bold/)
    expect(email.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;/repo')
    expect(email.html).toContain('it&#39;s &lt;evil&gt;.env')
    expect(email.html).toContain('&lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot;')
    expect(email.html).not.toContain('javascript:')
    expect(hrefs(email.html)).toEqual(['https://patrol.contoso.example/admin/incidents/x%22%3E%3Cimg%20src%3Dx%3E'])
  })

  it('keeps the subject on one line and names the incident without a public URL', () => {
    const { input } = incidentInput({ publicUrl: undefined })
    input.locations[0]!.repository = 'contoso/api\r\nBcc: evil@x.example'
    const email = composeIncidentEmail(input)
    expect(email.subject).not.toMatch(/[\r\n]/)
    expect(email.text).toContain('Incident 42')
    expect(email.html).not.toContain('/admin/incidents/')
  })

  it('lists at most five places and says how many more', () => {
    const { input } = incidentInput()
    input.locations = Array.from({ length: 8 }, (_, i) => ({ ...input.locations[0]!, path: `file-${i}.env` }))
    const email = composeIncidentEmail(input)
    expect(email.text).toContain('file-4.env')
    expect(email.text).not.toContain('file-5.env')
    expect(email.text).toContain('… and 3 more places')
  })

  it('never prints a whole token even when a caller passes one as the preview', () => {
    const { token, input } = incidentInput()
    const email = composeIncidentEmail({ ...input, preview: token })
    for (const part of [email.subject, email.text, email.html]) expect(part).not.toContain(token)
    expect(clampPreview(token)).toBe(`ghp_…${token.slice(-4)}`)
    expect(clampPreview(`github_pat_${'x'.repeat(82)}`)).toBe('github_pat_…xxxx')
    expect(clampPreview('…AZDO1x2y')).toBe('…AZDO1x2y')
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;')
  })

  it('says why the recipient gets the message when told', () => {
    const email = composeIncidentEmail(incidentInput({ recipientReason: 'commit-author' }).input)
    expect(email.text).toContain('because you authored the commit that contains the token')
  })
})
