/**
 * The `scan-push` job for Azure Repos pushes, through the authenticated webhook, the real runner and the loopback
 * Azure DevOps Git API: a 429 reschedules the job no sooner than Retry-After, a 5xx is retried, and a reader PAT that
 * Azure answers with its 203 sign-in page fails the scan for good, visibly on the push row.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { incidents, occurrences, pushes, scanCommits } from '../../src/db/schema.js'
import { CALL_RETRY } from '../../src/platforms/remote-error.js'
import { type AzureDevOpsApiStandIn, startAzureDevOpsApi } from '../support/azure-devops-api.js'
import { type Pipeline, startPipeline, tokensAtRest } from '../support/pipeline.js'
import { generateAdoPat } from '../support/tokens.js'

const READER = 'azure-reader-pat'
let az: AzureDevOpsApiStandIn
let p: Pipeline | undefined
let repoCounter = 0

beforeAll(async () => {
  az = await startAzureDevOpsApi()
  az.requireToken(READER)
})
afterAll(() => az.close())
afterEach(async () => {
  await p?.close()
  p = undefined
})

/** Revocation is off: these tests are about reading the push. */
const pipeline = (token = READER) =>
  startPipeline({ AZURE_DEVOPS_ORG_URL: az.url, AZURE_DEVOPS_TOKEN: token, PATROL_REVOKE: 'off' })

async function deliver(pl: Pipeline, files: Record<string, string>) {
  const repoId = `repo-${++repoCounter}`
  const repo = az.repo('proj-1', repoId)
  const base = repo.commit({ files: { 'README.md': 'hi\n' } })
  const head = repo.commit({
    parents: [base],
    message: 'ci',
    author: { name: 'Dev Two', email: 'dev2@contoso.example' },
    files,
  })
  const pushId = az.addPush('proj-1', repoId, {
    refUpdates: [{ name: 'refs/heads/main', oldObjectId: base, newObjectId: head }],
  })
  const res = await pl.postAzure(az.hookPayload(pushId))
  expect(res.status).toBe(202)
  return pushId
}

describe('Azure Repos push scan', () => {
  it('reschedules no sooner than Retry-After on a 429, then finds the token', async () => {
    p = await pipeline()
    const token = generateAdoPat()
    const pushId = await deliver(p, { 'build.yml': `pat: ${token}\n` })
    az.fail({
      match: new RegExp(`/pushes/${pushId}\\b`),
      status: 429,
      headers: { 'retry-after': '45', 'x-ratelimit-resource': 'Core' },
    })
    const failedAt = p.clock.now
    await p.drain()
    const [job] = await p.jobsOf('scan-push')
    expect(job).toMatchObject({ state: 'queued', attempts: 1 })
    expect(job!.runAt).toBeGreaterThanOrEqual(failedAt + 45_000)
    await p.settle()
    expect((await p.jobsOf('scan-push'))[0]!.state).toBe('done')
    expect(await p.db.select().from(occurrences)).toEqual([
      expect.objectContaining({ provider: 'azure-devops', path: 'build.yml', line: 1 }),
    ])
    expect((await p.db.select().from(incidents))[0]!.status).toBe('notify_only')
    expect(tokensAtRest(p.dir, [token])).toEqual([])
  })

  it('retries a 5xx that outlasts the call’s own retries as a job, then finds the token', async () => {
    p = await pipeline()
    const pushId = await deliver(p, { 'build.yml': `pat: ${generateAdoPat()}\n` })
    az.fail({ match: new RegExp(`/pushes/${pushId}\\b`), status: 503, times: 2 * CALL_RETRY.tries })
    await p.settle()
    expect((await p.jobsOf('scan-push'))[0]).toMatchObject({ state: 'done', attempts: 3 })
    expect(await p.db.select().from(incidents)).toHaveLength(1)
  })

  it('fails the scan for good, visibly, when Azure answers the reader PAT with its 203 sign-in page', async () => {
    p = await pipeline('a-pat-azure-does-not-know')
    await deliver(p, { 'build.yml': `pat: ${generateAdoPat()}\n` })
    await p.settle()
    expect((await p.jobsOf('scan-push'))[0]).toMatchObject({ state: 'dead', attempts: 1 })
    const [row] = await p.db.select().from(pushes)
    expect(row!.scanStatus).toBe('failed')
    expect(JSON.parse(row!.partialReasons!)).toEqual([expect.stringMatching(/203 sign-in page/)])
    expect(row!.partialReasons).not.toContain('a-pat-azure-does-not-know')
  })

  it('continues a branch update where it stopped: parts of the diff read whole are not read again, totals kept', async () => {
    p = await pipeline()
    const token = generateAdoPat()
    const repoId = `repo-${++repoCounter}`
    const repo = az.repo('proj-1', repoId)
    const base = repo.commit({ files: { 'README.md': 'hi\n' } })
    const files: Record<string, string> = {}
    for (let i = 0; i < 45; i++) files[`f-${String(i).padStart(2, '0')}.env`] = i === 3 ? `PAT=${token}\n` : `N=${i}\n`
    const head = repo.commit({ parents: [base], message: 'many', files })
    const pushId = az.addPush('proj-1', repoId, {
      refUpdates: [{ name: 'refs/heads/main', oldObjectId: base, newObjectId: head }],
    })
    const tree = repo.get(head).tree
    const reads = () =>
      Object.keys(files).map((f) => az.requests.filter((r) => r.path.endsWith(`/blobs/${tree.get(f)}`)).length)
    // The 31st file cannot be read during the first attempt (every in-call retry fails too).
    az.fail({ match: new RegExp(`/blobs/${tree.get('f-30.env')}`), status: 503, times: CALL_RETRY.tries })
    expect((await p.postAzure(az.hookPayload(pushId))).status).toBe(202)
    await p.drain()
    expect((await p.jobsOf('scan-push'))[0]).toMatchObject({ state: 'queued', attempts: 1 })
    // The token in the first part was recorded as it was found, and that part as read.
    expect(await p.db.select().from(incidents)).toHaveLength(1)
    expect(await p.db.select({ part: scanCommits.commitSha }).from(scanCommits)).toEqual([
      { part: `${base}..${head}@0` },
    ])

    await p.settle()
    expect((await p.jobsOf('scan-push'))[0]).toMatchObject({ state: 'done', attempts: 2 })
    // Parts of 20 changes: the first is not read again; the failed one (files 20–39) is read again from its start.
    const once = (n: number) => Array(n).fill(1)
    expect(reads()).toEqual([...once(20), ...Array(10).fill(2), CALL_RETRY.tries + 1, ...once(9), ...once(5)])
    // Totals as for a scan in one go; the progress rows cleared.
    expect((await p.db.select().from(pushes))[0]).toMatchObject({
      scanStatus: 'scanned',
      findings: 1,
      filesScanned: 45,
    })
    expect(await p.db.select().from(scanCommits)).toEqual([])
    expect(await p.db.select().from(occurrences)).toHaveLength(1)
  })
})

describe('Azure Repos push without a reader token', () => {
  it('scans the payload commit messages only, and says which ones Azure truncated', async () => {
    p = await startPipeline({ PATROL_REVOKE: 'off' })
    const early = generateAdoPat()
    const late = generateAdoPat()
    const repoId = `repo-${++repoCounter}`
    const repo = az.repo('proj-1', repoId)
    const base = repo.commit({ files: { 'README.md': 'hi\n' } })
    const short = repo.commit({ parents: [base], message: `pat ${early}` })
    const long = repo.commit({ parents: [short], message: `${'x'.repeat(120)}\n${late}` })
    const pushId = az.addPush('proj-1', repoId, {
      refUpdates: [{ name: 'refs/heads/main', oldObjectId: base, newObjectId: long }],
    })
    expect((await p.postAzure(az.hookPayload(pushId))).status).toBe(202)
    await p.drain()
    const [row] = await p.db.select().from(pushes)
    expect(row!.scanStatus).toBe('partial')
    expect(JSON.parse(row!.partialReasons!)).toEqual([
      expect.stringContaining('AZURE_DEVOPS_TOKEN'),
      `commit messages truncated in the payload, read only in part: ${long.slice(0, 12)}`,
    ])
    expect(await p.db.select().from(occurrences)).toEqual([
      expect.objectContaining({ path: '(commit message)', commitSha: short }),
    ])
  })
})
