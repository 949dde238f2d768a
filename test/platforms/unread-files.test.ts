/**
 * Nothing dropped quietly: an Azure change entry without `objectId` is read by path at its commit, and a file that
 * the platform will not give (a 404 for its blob) leaves the push partly scanned, with the path and the reason,
 * while the rest of the push is still read.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AzureDevOpsSource } from '../../src/platforms/azure-devops/client.js'
import { parseAzurePush } from '../../src/platforms/azure-devops/webhook.js'
import { GithubSource } from '../../src/platforms/github/client.js'
import type { AddedFile, PushEvent, ScanReport } from '../../src/platforms/types.js'
import { type AzureDevOpsApiStandIn, type AzureRefUpdate, startAzureDevOpsApi } from '../support/azure-devops-api.js'
import { ZERO } from '../support/git-repo.js'
import { type GithubApiStandIn, startGithubApi } from '../support/github-api.js'

const PAT = 'stand-in-azure-pat'
const PROJECT = 'proj-unread'
let az: AzureDevOpsApiStandIn
let gh: GithubApiStandIn
let n = 0

beforeAll(async () => {
  az = await startAzureDevOpsApi()
  az.requireToken(PAT)
  gh = await startGithubApi()
})
afterAll(async () => {
  await az.close()
  await gh.close()
})

function azurePush(repoId: string, refUpdates: AzureRefUpdate[], commits?: string[]): PushEvent {
  const pushId = az.addPush(PROJECT, repoId, { refUpdates, ...(commits ? { commits } : {}) })
  const parsed = parseAzurePush(az.hookPayload(pushId))
  if (!parsed.ok) throw new Error(parsed.error)
  return parsed.push
}

async function collect(source: AzureDevOpsSource | GithubSource, push: PushEvent) {
  const report: ScanReport = { bytes: 0, files: 0, partial: [] }
  const files: AddedFile[] = []
  for await (const f of source.added(push, { maxBytes: 1 << 20 }, report)) files.push(f)
  return { files: files.filter((f) => f.path !== '(commit message)'), report }
}

const azure = () => new AzureDevOpsSource({ orgUrl: az.url, token: PAT, timeoutMs: 5_000 })

describe('Azure change entries without objectId', () => {
  it('reads the file by path at the commit, on a branch update and on a new branch, and scans it fully', async () => {
    az.settings.omitObjectId = (path) => path.startsWith('conf/')
    try {
      const repoId = `repo-${++n}`
      const repo = az.repo(PROJECT, repoId)
      const c1 = repo.commit({ files: { 'conf/app.env': 'A=1\n' } })
      const c2 = repo.commit({ parents: [c1], files: { 'conf/app.env': 'A=1\nSECRET_LINE\n', 'plain.txt': 'x\n' } })
      const update = await collect(
        azure(),
        azurePush(repoId, [{ name: 'refs/heads/main', oldObjectId: c1, newObjectId: c2 }]),
      )
      // Without originalObjectId the old version is unknown: the whole new file is scanned (over-reporting beats
      // missing).
      expect(update.files.map((f) => [f.path, f.commit, f.lines.map((l) => l.text)])).toEqual([
        ['conf/app.env', c2, ['A=1', 'SECRET_LINE']],
        ['plain.txt', c2, ['x']],
      ])
      expect(update.report.partial).toEqual([])
      const itemReads = az.requests.filter((r) => r.path.endsWith('/items'))
      expect(itemReads.map((r) => Object.fromEntries(r.query))).toContainEqual(
        expect.objectContaining({
          path: '/conf/app.env',
          'versionDescriptor.version': c2,
          'versionDescriptor.versionType': 'commit',
        }),
      )

      const c3 = repo.commit({ parents: [c2], message: 'more', files: { 'conf/new.env': 'NEW_SECRET\n' } })
      const fresh = await collect(
        azure(),
        azurePush(repoId, [{ name: 'refs/heads/feature', oldObjectId: ZERO, newObjectId: c3 }], [c3]),
      )
      expect(fresh.files.map((f) => [f.path, f.commit, f.lines.map((l) => l.text)])).toEqual([
        ['conf/new.env', c3, ['NEW_SECRET']],
      ])
    } finally {
      az.settings.omitObjectId = () => false
    }
  })
})

describe('files that cannot be read', () => {
  it('Azure: a blob the API answers 404 for is noted with its path and reason; the other files are still read', async () => {
    const repoId = `repo-${++n}`
    const repo = az.repo(PROJECT, repoId)
    const c1 = repo.commit({ files: { 'keep.txt': 'a\n' } })
    const c2 = repo.commit({ parents: [c1], files: { 'gone.bin.txt': 'LOST\n', 'keep.txt': 'a\nKEPT\n' } })
    const gone = repo.get(c2).tree.get('gone.bin.txt')!
    az.fail({ match: new RegExp(`/blobs/${gone}`), status: 404, body: '{"message":"TF401174: not found"}' })
    const { files, report } = await collect(
      azure(),
      azurePush(repoId, [{ name: 'refs/heads/main', oldObjectId: c1, newObjectId: c2 }]),
    )
    expect(files.map((f) => f.path)).toEqual(['keep.txt'])
    expect(report.partial).toEqual([expect.stringMatching(/^could not read gone\.bin\.txt: .*HTTP 404/)])
  })

  it('GitHub: a patch-less file whose blob is gone is noted with its path and reason', async () => {
    const name = `acme/unread-${++n}`
    const repo = gh.repo(name)
    const c1 = repo.commit({ files: { 'big.txt': 'a\n' } })
    const c2 = repo.commit({ parents: [c1], files: { 'big.txt': 'a\nB\n', 'small.txt': 'S\n' } })
    gh.omitPatch((path) => path === 'big.txt')
    try {
      const blob = repo.get(c2).tree.get('big.txt')!
      gh.fail({ match: new RegExp(`/git/blobs/${blob}`), status: 404 })
      const push: PushEvent = {
        provider: 'github',
        repository: { id: '1', fullName: name },
        refUpdates: [{ ref: 'refs/heads/main', before: c1, after: c2 }],
        pusher: {},
        commits: [],
      }
      const { files, report } = await collect(new GithubSource({ apiUrl: gh.url, timeoutMs: 5_000 }), push)
      expect(files.map((f) => f.path)).toEqual(['small.txt'])
      expect(report.partial).toEqual([expect.stringMatching(/^could not read big\.txt: .*HTTP 404/)])
    } finally {
      gh.omitPatch(() => false)
    }
  })
})
