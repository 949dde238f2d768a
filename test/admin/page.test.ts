/**
 * The admin page in a real browser (Debian's chromium, driven by playwright-core) against the whole service started
 * in-process (`startNode`, real HTTP, a SQLite file, the job runner): an admin is sent to sign in, is refused with a
 * wrong token, signs in, filters the incident list, opens an incident, closes it on a confirming page with a reason,
 * and sees the audit
 * event on its timeline. The session cookie's flags are read from the browser itself. Times show the browser's time
 * zone when JavaScript runs (a same-origin script under the page's Content-Security-Policy), UTC with their age
 * without it.
 */

import { rmSync } from 'node:fs'
import { and, eq } from 'drizzle-orm'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type NodeDatabase, openNodeDatabase } from '../../src/adapter/node/database.js'
import { type NodeService, startNode } from '../../src/adapter/node/index.js'
import { auditEvents, incidents } from '../../src/db/schema.js'
import { type Place, recordFinding } from '../../src/incidents/ingest/record.js'
import { importKeys } from '../../src/incidents/sealing.js'
import { memoryLogger } from '../../src/log.js'
import type { TokenKind } from '../../src/scan/types.js'
import { launchChromium } from '../support/browser.js'
import { tempDir } from '../support/db.js'
import { TEST_ADMIN_TOKEN, testEnv } from '../support/env.js'
import { generateAdoPat, generateGithubToken } from '../support/tokens.js'
import { eventually as until } from '../support/until.js'

let service: NodeService
let db: NodeDatabase
let dataDir: string
let browser: Browser
let context: BrowserContext
let page: Page
const seeded: { id: number; token: string; repository: string }[] = []

beforeAll(async () => {
  dataDir = tempDir()
  // PATROL_REVOKE=off and no SMTP: the response is local (notify_only, emails to the outbox folder).
  service = await startNode(testEnv(dataDir, { PATROL_REVOKE: 'off', PATROL_JOB_POLL_MS: '50' }), {
    log: memoryLogger(),
  })
  db = openNodeDatabase(service.config.databasePath, { migrate: false })
  const keys = await importKeys(service.config.secrets)
  const seed = async (kind: TokenKind, where: Partial<Place>) => {
    const token = kind === 'azure-devops-pat' ? generateAdoPat() : generateGithubToken('ghp')
    const place: Place = {
      provider: 'github',
      repository: 'acme/app',
      path: 'config.env',
      line: 3,
      encoding: 'plain',
      commitSha: 'c'.repeat(40),
      authorEmail: 'dev@acme.example',
      ...where,
    }
    const now = Date.now()
    const r = await recordFinding(
      db.db,
      keys,
      { kind, issuer: kind.startsWith('azure') ? 'azure-devops' : 'github', secret: token },
      place,
      { now, pushedAt: now - 500 },
    )
    seeded.push({ id: r.incidentId, token, repository: place.repository })
  }
  await seed('github-classic-pat', { repository: 'acme/app' })
  await seed('azure-devops-pat', { repository: 'acme/web', path: 'deploy/pipeline.yml' })
  await seed('github-classic-pat', { repository: 'acme/infra' })
  await until('the response to every incident', async () => {
    const rows = await db.db.select().from(incidents)
    return rows.length === seeded.length && rows.every((r) => r.status === 'notify_only') ? rows : undefined
  })
  browser = await launchChromium()
  context = await browser.newContext()
  page = await context.newPage()
}, 60_000)

afterAll(async () => {
  await browser?.close()
  await service?.stop()
  db?.close()
  rmSync(dataDir, { recursive: true, force: true })
})

describe('the admin page in a browser', () => {
  it('sends a visitor without a session to sign in, and refuses a wrong token', async () => {
    await page.goto(`${service.url}/admin/incidents`)
    expect(new URL(page.url()).pathname).toBe('/admin/sign-in')
    expect(new URL(page.url()).searchParams.get('next')).toBe('/admin/incidents')
    await page.fill('input[name=token]', 'not-the-admin-token-at-all')
    const [refused] = await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')])
    expect(refused?.status()).toBe(401)
    expect(await page.textContent('[role=alert]')).toContain('That is not an admin token.')
    expect(await context.cookies()).toEqual([])
  })

  it('signs in with the admin token to a session cookie that is HttpOnly, SameSite=Strict and holds no token', async () => {
    await page.fill('input[name=token]', TEST_ADMIN_TOKEN)
    await Promise.all([page.waitForURL(`${service.url}/admin/incidents`), page.click('button[type=submit]')])
    const [cookie, ...others] = await context.cookies()
    expect(others).toEqual([])
    expect(cookie).toMatchObject({
      name: 'patrol_admin',
      httpOnly: true,
      sameSite: 'Strict',
      path: '/admin',
      secure: false,
    })
    expect(decodeURIComponent(cookie!.value)).not.toContain(TEST_ADMIN_TOKEN)
    expect(await page.evaluate(() => document.cookie)).toBe('')
    expect(await page.textContent('header')).toContain('signed in as tester')
    const rows = await page.locator('tbody tr').count()
    expect(rows).toBe(seeded.length)
    const html = await page.content()
    for (const s of seeded) expect(html).not.toContain(s.token)
  })

  it('filters the list by repository', async () => {
    const web = seeded.find((s) => s.repository === 'acme/web')!
    await page.fill('input[name=repository]', 'acme/web')
    await Promise.all([page.waitForURL(/repository=acme%2Fweb/), page.click('form.filters button[type=submit]')])
    const rows = page.locator('tbody tr')
    expect(await rows.count()).toBe(1)
    expect(await rows.first().textContent()).toContain(`${web.token.slice(0, 4)}…${web.token.slice(-4)}`)
    expect(await page.inputValue('input[name=repository]')).toBe('acme/web')
  })

  it('shows times in the browser’s time zone when JavaScript runs, and in UTC with their age without it', async () => {
    const cookies = await context.cookies()
    const open = async (o: { javaScriptEnabled: boolean }) => {
      const ctx = await browser.newContext({ ...o, timezoneId: 'Asia/Tokyo', locale: 'en-GB' })
      await ctx.addCookies(cookies)
      const tab = await ctx.newPage()
      const refused: string[] = []
      tab.on('console', (m) => {
        if (m.type() === 'error') refused.push(m.text())
      })
      await tab.goto(`${service.url}/admin/incidents/${seeded[0]!.id}`)
      return { ctx, tab, refused }
    }
    const pad = (n: number) => String(n).padStart(2, '0')

    const js = await open({ javaScriptEnabled: true })
    const time = js.tab.locator('time[datetime]').first()
    const at = new Date((await time.getAttribute('datetime'))!)
    // Tokyo is UTC+9 all year round.
    const tokyo = new Date(at.getTime() + 9 * 3_600_000)
    await until('the script rewrote the clock', async () =>
      (await time.textContent())?.includes('GMT+9') ? true : undefined,
    )
    const local = (await time.textContent())!
    expect(local).toContain(`${pad(tokyo.getUTCHours())}:${pad(tokyo.getUTCMinutes())}`)
    expect(local).toMatch(/ ago · /)
    expect(local).not.toContain('UTC')
    expect(await time.getAttribute('title')).toBe(at.toISOString())
    // Loaded under the Content-Security-Policy: no violation reported.
    expect(js.refused).toEqual([])
    await js.ctx.close()

    const plain = await open({ javaScriptEnabled: false })
    const fallback = (await plain.tab.locator('time[datetime]').first().textContent())!
    expect(fallback).toMatch(/ ago · \d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})? UTC$/)
    expect(fallback).toContain(`${pad(at.getUTCHours())}:${pad(at.getUTCMinutes())}`)
    await plain.ctx.close()
  })

  it('opens an incident, closes it on the confirming page with a reason, and shows the audit event on its timeline', async () => {
    const web = seeded.find((s) => s.repository === 'acme/web')!
    await Promise.all([
      page.waitForURL(`${service.url}/admin/incidents/${web.id}`),
      page.locator('tbody tr a').first().click(),
    ])
    expect(await page.textContent('h1')).toContain(`Incident ${web.id}`)
    expect(await page.textContent('.timeline')).toContain('seen in acme/web deploy/pipeline.yml:3')
    await Promise.all([
      page.waitForURL(`${service.url}/admin/incidents/${web.id}/close`),
      page.click('text=Close this incident…'),
    ])
    await page.check('input[name=reason][value=revoked_elsewhere]')
    await page.fill('textarea[name=comment]', 'owner rotated the PAT')
    await page.check('input[name=rotated]')
    await Promise.all([
      page.waitForURL(`${service.url}/admin/incidents/${web.id}?done=close`),
      page.click('button.danger'),
    ])
    expect(await page.textContent('[role=status]')).toContain('Closed.')
    expect(await page.textContent('h1')).toContain('closed')
    const audit = page.locator('.timeline li.t-audit', { hasText: 'admin tester: now closed' })
    expect(await audit.count()).toBe(1)
    expect(await audit.textContent()).toContain('owner rotated the PAT')
    expect(await page.locator('button[value=reopen]').count()).toBe(1)

    const [row] = await db.db.select().from(incidents).where(eq(incidents.id, web.id))
    expect(row?.status).toBe('resolved')
    const [event] = await db.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.subjectId, web.id), eq(auditEvents.action, 'status.resolved')))
    expect(event?.actor).toBe('admin:tester')
  })

  it('signs out, after which the page asks to sign in again', async () => {
    await Promise.all([page.waitForURL(/\/admin\/sign-in\?signed-out/), page.click('header button')])
    expect(await context.cookies()).toEqual([])
    await page.goto(`${service.url}/admin`)
    expect(new URL(page.url()).pathname).toBe('/admin/sign-in')
  })
})
