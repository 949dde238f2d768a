/**
 * Names and ids from a push cannot move an authenticated API call to another path on the configured host (issue 14,
 * item 9): the webhook parsers refuse them by each platform's rules (the route answers 400), and the clients build
 * every path segment through pathSegment, which refuses `.` and `..` even if a parser let one through.
 */
import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import { parseAzurePush } from '../../src/platforms/azure-devops/webhook.js'
import { parseGithubPush } from '../../src/platforms/github/webhook.js'
import { pathSegment, pathSegments } from '../../src/platforms/path-segment.js'
import { RemoteError } from '../../src/platforms/remote-error.js'
import { azurePushSample } from '../support/azure-devops-api.js'

const examples = createRequire(import.meta.url)('@octokit/webhooks-examples') as {
  name: string
  examples: Record<string, any>[]
}[]
const githubPush = () => structuredClone(examples.find((e) => e.name === 'push')!.examples[0]!)

describe('the GitHub parser', () => {
  it('refuses a full_name that is not owner/name in GitHub’s characters, naming the field', () => {
    for (const fullName of [
      'acme/..',
      'acme/.',
      '../acme',
      'acme/a/b',
      'acme/%2e%2e',
      'ac me/x',
      'acme/x?y',
      'acme/',
    ]) {
      const p = githubPush()
      p.repository.full_name = fullName
      const r = parseGithubPush(p)
      expect(r.ok, fullName).toBe(false)
      if (!r.ok) expect(r.error).toMatch(/^repository\.full_name: /)
    }
    for (const fullName of ['acme/api', 'Octo-Cat/.github', 'octocat_emu/my.repo-1', 'a/..a']) {
      const p = githubPush()
      p.repository.full_name = fullName
      expect(parseGithubPush(p).ok, fullName).toBe(true)
    }
  })
})

describe('the Azure DevOps parser', () => {
  it('refuses project and repository ids and names that could change a path, naming the field', () => {
    const broken: [string, (p: any) => void][] = [
      ['resource.repository.id', (p) => (p.resource.repository.id = '..')],
      ['resource.repository.id', (p) => (p.resource.repository.id = 'a/../b')],
      ['resource.repository.project.id', (p) => (p.resource.repository.project.id = '..')],
      ['resource.repository.project.id', (p) => (p.resource.repository.project.id = '%2e%2e')],
      ['resource.repository.name', (p) => (p.resource.repository.name = '..')],
      ['resource.repository.name', (p) => (p.resource.repository.name = 'a/b')],
      ['resource.repository.project.name', (p) => (p.resource.repository.project.name = 'x\ny')],
    ]
    for (const [field, mutate] of broken) {
      const p = azurePushSample()
      mutate(p)
      const r = parseAzurePush(p)
      expect(r.ok, field).toBe(false)
      if (!r.ok) expect(r.error.startsWith(`${field}: `), r.error).toBe(true)
    }
    expect(parseAzurePush(azurePushSample()).ok).toBe(true)
  })
})

describe('pathSegment', () => {
  it('encodes a segment and refuses the dot segments a URL parser would resolve', () => {
    expect(pathSegment('a b/c?d#e')).toBe('a%20b%2Fc%3Fd%23e')
    expect(pathSegment('%2e%2e')).toBe('%252e%252e')
    for (const bad of ['..', '.', '']) expect(() => pathSegment(bad)).toThrow(RemoteError)
    expect(() => pathSegments('src/../../admin')).toThrow(/cannot be a segment/)
    expect(pathSegments('src/a b.env')).toBe('src/a%20b.env')
  })
})
