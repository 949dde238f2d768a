/**
 * A patrol service seeded with an incident in every state (and a suppression), signed in from Debian's chromium,
 * and the list of its admin pages: what the layout crawl (overflow at phone and desktop widths) and the axe-core
 * crawl visit.
 *
 * @example
 * const crawl = await startCrawl()
 * for (const path of crawl.paths) await crawl.page.goto(crawl.url + path)
 * await crawl.close()
 */
import { rmSync } from 'node:fs'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { type NodeDatabase, openNodeDatabase } from '../../src/adapter/node/database.js'
import { type NodeService, startNode } from '../../src/adapter/node/index.js'
import { createSuppression } from '../../src/incidents/admin/actions.js'
import { type Place, recordFinding } from '../../src/incidents/ingest/record.js'
import { importKeys } from '../../src/incidents/sealing.js'
import { STATUSES } from '../../src/incidents/states.js'
import { transition } from '../../src/incidents/transitions.js'
import { memoryLogger } from '../../src/log.js'
import { launchChromium } from './browser.js'
import { tempDir } from './db.js'
import { TEST_ADMIN_TOKEN, testEnv } from './env.js'
import { generateAdoPat, generateGithubToken } from './tokens.js'

export interface Crawl {
  url: string
  page: Page
  context: BrowserContext
  /** Every admin page worth checking, signed in. */
  paths: string[]
  tokens: string[]
  close(): Promise<void>
}

export async function startCrawl(o: { bypassCSP?: boolean } = {}): Promise<Crawl> {
  const dataDir = tempDir()
  // No job polling to speak of: the seeded states stay as written.
  const service: NodeService = await startNode(
    testEnv(dataDir, { PATROL_REVOKE: 'off', PATROL_JOB_POLL_MS: '3600000' }),
    { log: memoryLogger() },
  )
  const db: NodeDatabase = openNodeDatabase(service.config.databasePath, { migrate: false })
  const keys = await importKeys(service.config.secrets)
  const tokens: string[] = []
  const ids: number[] = []
  const now = Date.now()
  let n = 0
  for (const status of STATUSES) {
    const azure = n % 3 === 1
    const token = azure ? generateAdoPat() : generateGithubToken('ghp')
    tokens.push(token)
    const place: Place = {
      provider: azure ? 'azure-devops' : 'github',
      repository: azure ? 'Fabrikam/platform-infrastructure-deployments' : `acme/service-with-a-long-name-${n}`,
      path: 'deploy/environments/production/secrets/very/deeply/nested/configuration-file-name.env',
      line: 40 + n,
      encoding: 'plain',
      commitSha: `${'0123456789abcdef'.repeat(3).slice(0, 40 - String(n).length)}${n}`,
      authorName: 'Dev One',
      authorEmail: 'dev.one.with.a.long.address@acme-corporation.example',
      ref: 'refs/heads/feature/a-branch-name-that-is-quite-long',
    }
    const r = await recordFinding(
      db.db,
      keys,
      {
        kind: azure ? 'azure-devops-pat' : 'github-classic-pat',
        issuer: azure ? 'azure-devops' : 'github',
        secret: token,
      },
      place,
      { now: now - n * 3_600_000, pushedAt: now - n * 3_600_000 - 2000 },
    )
    ids.push(r.incidentId)
    const path: (typeof STATUSES)[number][] =
      status === 'new'
        ? []
        : status === 'responding' || status === 'suppressed'
          ? [status]
          : status === 'resolved' || status === 'false_positive'
            ? ['responding', 'revoke_failed', status]
            : ['responding', status]
    let from: (typeof STATUSES)[number] = 'new'
    for (const to of path) {
      await transition(db.db, { incidentId: r.incidentId, from, to, actor: 'patrol', now, unchecked: true })
      from = to
    }
    n++
  }
  await createSuppression(
    db.db,
    keys,
    { repository: 'acme/app', pathGlob: 'test/fixtures/**', reason: 'generated test fixtures', author: 'tester' },
    now,
  )
  const browser: Browser = await launchChromium()
  const context = await browser.newContext({ bypassCSP: o.bypassCSP ?? false })
  const page = await context.newPage()
  await page.goto(`${service.url}/admin/sign-in`)
  await page.fill('input[name=token]', TEST_ADMIN_TOKEN)
  await Promise.all([page.waitForURL(`${service.url}/admin`), page.click('button[type=submit]')])
  return {
    url: service.url,
    page,
    context,
    tokens,
    paths: [
      '/admin',
      '/admin/incidents',
      '/admin/incidents?view=all',
      ...ids.map((id) => `/admin/incidents/${id}`),
      `/admin/incidents/${ids[STATUSES.indexOf('revoke_failed')]}/close`,
      '/admin/suppressions',
      '/admin/no-such-page',
    ],
    async close() {
      await browser.close()
      await service.stop()
      db.close()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/** The widths every page must fit: a 390 px phone and a 1440 px desktop. */
export const WIDTHS = [390, 1440] as const
