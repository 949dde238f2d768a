import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AzureDevOpsSource } from '../../src/platforms/azure-devops/client.js'
import { parseAzurePush } from '../../src/platforms/azure-devops/webhook.js'
import { GithubSource } from '../../src/platforms/github/client.js'
import { parseGithubPush } from '../../src/platforms/github/webhook.js'
import type { PushEvent, PushSource, ScanReport } from '../../src/platforms/types.js'
import { scanAddedLines } from '../../src/scan/index.js'
import { type AzureDevOpsApiStandIn, startAzureDevOpsApi } from '../support/azure-devops-api.js'
import { type GithubApiStandIn, startGithubApi } from '../support/github-api.js'
import { generateAdoPat, generateGithubToken } from '../support/tokens.js'

let gh: GithubApiStandIn
let az: AzureDevOpsApiStandIn
beforeAll(async () => {
  ;[gh, az] = await Promise.all([startGithubApi(), startAzureDevOpsApi()])
})
afterAll(() => Promise.all([gh.close(), az.close()]))

/** What the scan job will do with a source's output: feed every added line to the scanner. */
async function findings(source: PushSource, push: PushEvent) {
  const report: ScanReport = { bytes: 0, files: 0, partial: [] }
  const found: { path: string; line: number; secret: string; encoding: string }[] = []
  for await (const file of source.added(push, { maxBytes: 1 << 20 }, report)) {
    const lines = file.lines.map((l) => ({ ...l, path: file.path, ...(file.commit ? { commit: file.commit } : {}) }))
    for (const f of scanAddedLines(lines))
      if (f.confidence === 'high') found.push({ path: f.path, line: f.line, secret: f.secret, encoding: f.encoding })
  }
  return found
}

describe('push content through the scanner', () => {
  it('GitHub: a token in an added line and one base64-encoded are found; one in a removed line is not', async () => {
    const removed = generateGithubToken('ghp')
    const added = generateGithubToken('ghp')
    const encoded = generateGithubToken('ghp')
    const repo = gh.repo('octo/leaky')
    const c1 = repo.commit({ files: { '.env': `A=1\nGITHUB_TOKEN=${removed}\n` } })
    const c2 = repo.commit({
      parents: [c1],
      message: 'update env',
      files: {
        '.env': 'A=1\n',
        'deploy/secret.yaml': `data:\n  token: ${Buffer.from(encoded).toString('base64')}\n`,
        'ci.sh': `export GH=${added}\n`,
      },
    })
    const parsed = parseGithubPush(gh.pushPayload('octo/leaky', { ref: 'refs/heads/main', before: c1, after: c2 }))
    if (!parsed.ok) throw new Error(parsed.error)
    const found = await findings(new GithubSource({ apiUrl: gh.url }), parsed.push)
    expect(found.map((f) => f.secret)).not.toContain(removed)
    expect(found).toContainEqual({ path: 'ci.sh', line: 1, secret: added, encoding: 'plain' })
    expect(found.find((f) => f.secret === encoded)).toMatchObject({ path: 'deploy/secret.yaml', line: 2 })
    expect(found.find((f) => f.secret === encoded)!.encoding).toMatch(/base64/)
  })

  it('Azure Repos: a PAT in an added line and in a commit message are found; a removed one is not', async () => {
    const removed = generateAdoPat()
    const added = generateAdoPat()
    const inMessage = generateAdoPat()
    const repo = az.repo('proj', 'repo')
    const c1 = repo.commit({ files: { 'appsettings.json': `{\n  "pat": "${removed}"\n}\n` } })
    const c2 = repo.commit({
      parents: [c1],
      message: `oops ${inMessage}`,
      files: { 'appsettings.json': `{\n  "pat": "${added}"\n}\n` },
    })
    const pushId = az.addPush('proj', 'repo', {
      refUpdates: [{ name: 'refs/heads/main', oldObjectId: c1, newObjectId: c2 }],
    })
    const parsed = parseAzurePush(az.hookPayload(pushId))
    if (!parsed.ok) throw new Error(parsed.error)
    const found = await findings(new AzureDevOpsSource({ orgUrl: az.url }), parsed.push)
    expect(found.map((f) => f.secret)).not.toContain(removed)
    expect(found).toContainEqual({ path: 'appsettings.json', line: 2, secret: added, encoding: 'plain' })
    expect(found).toContainEqual({ path: '(commit message)', line: 1, secret: inMessage, encoding: 'plain' })
  })
})
