/**
 * A leaked token made at test time and the email input for its incident, as the respond job would build it:
 * the token itself never enters the input, only its redacted preview.
 *
 * @example
 * const { token, input } = incidentInput()
 * const email = composeIncidentEmail(input)
 */
import { randomBytes } from 'node:crypto'
import type { IncidentEmailInput } from '../../src/notify/message.js'
import { github } from '../../src/platforms/github/index.js'
import { githubLinks } from '../../src/platforms/github/links.js'

export function fakeGithubToken(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
  return `ghp_${Array.from(randomBytes(36), (b) => alphabet[b % 62]).join('')}`
}

export function incidentInput(overrides: Partial<IncidentEmailInput> = {}): {
  token: string
  input: IncidentEmailInput
} {
  const token = fakeGithubToken()
  const place = {
    repository: 'contoso/api',
    branch: 'refs/heads/main',
    commit: 'a'.repeat(40),
    path: 'config/prod settings.env',
    line: 7,
  }
  return {
    token,
    input: {
      incidentId: 42,
      kind: 'github-classic-pat',
      preview: `ghp_…${token.slice(-4)}`,
      publicUrl: 'https://patrol.contoso.example/',
      detectedAt: new Date('2026-03-01T12:05:00Z'),
      locations: [{ ...place, links: githubLinks('https://api.github.com').of(place) }],
      revocation: { outcome: 'requested', detail: 'GitHub accepted the revocation of the token (HTTP 202)' },
      advice: github.advice,
      ...overrides,
    },
  }
}
