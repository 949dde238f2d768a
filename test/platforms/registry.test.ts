/**
 * The platform registry: every registered platform implements the whole `Platform` interface, and an id no platform
 * registered is an explicit error wherever patrol meets one (the webhook route, the respond job, scan-push, the admin
 * page's links, the owner's email), never a fall-through to another platform.
 */
import { eq } from 'drizzle-orm'
import { afterEach, describe, expect, it } from 'vitest'
import { parseConfig } from '../../src/config.js'
import { deliveries, incidents, pushes, revocations } from '../../src/db/schema.js'
import { storeDelivery } from '../../src/incidents/ingest/deliveries.js'
import { type Place, recordFinding } from '../../src/incidents/ingest/record.js'
import { memoryLogger } from '../../src/log.js'
import {
  allPlatforms,
  isPlatformId,
  locationLinks,
  PLATFORM_IDS,
  platform,
  UnknownPlatformError,
} from '../../src/platforms/index.js'
import { DEFAULT_CONFIRM_DELAYS_MS, responseDeps } from '../../src/service.js'
import { pageRequest, signIn } from '../support/admin-page.js'
import { tempDatabase } from '../support/db.js'
import { testEnv } from '../support/env.js'
import { type Pipeline, startPipeline } from '../support/pipeline.js'
import { type TestApp, testApp } from '../support/service-app.js'
import { generateGithubToken } from '../support/tokens.js'

let t: TestApp | undefined
let p: Pipeline | undefined
afterEach(async () => {
  t?.cleanup()
  t = undefined
  await p?.close()
  p = undefined
})

const place = (over: Partial<Place> = {}): Place => ({
  provider: 'github',
  repository: 'acme/app',
  path: 'config.env',
  line: 3,
  encoding: 'plain',
  commitSha: 'a'.repeat(40),
  ...over,
})

describe('the registry', () => {
  it('maps every id of ids.ts to its platform, and only those', () => {
    expect(allPlatforms().map((x) => x.id)).toEqual([...PLATFORM_IDS])
    for (const id of PLATFORM_IDS) expect(platform(id).id).toBe(id)
  })

  it.each(['gitlab', '', 'GitHub', 'constructor', '__proto__', 'toString'])(
    'refuses the id %j with an UnknownPlatformError that names it',
    (id) => {
      expect(isPlatformId(id)).toBe(false)
      expect(() => platform(id)).toThrow(UnknownPlatformError)
      expect(() => platform(id)).toThrow(`unknown platform "${id}"`)
    },
  )

  it.each(PLATFORM_IDS)('%s implements the whole interface', async (id) => {
    const dir = tempDatabase()
    try {
      const config = parseConfig(testEnv(dir.dir, { AZURE_DEVOPS_ORG_URL: 'https://dev.azure.com/contoso' }))
      const p = platform(id)
      expect(p.label).toMatch(/\S/)
      expect(p.sourceSettings).toMatch(/^[A-Z_]+( (or|and) [A-Z_]+)*$/)
      expect(p.advice.auditLog).toMatch(/\S/)
      // Without a source's credentials there is no source, and the platform says which settings give one.
      expect(p.source({ config, timing: { githubBatchDelayMs: 1, githubCallsPerHour: 1, confirmDelaysMs: [1] } })).toBe(
        undefined,
      )
      // A request without the platform's credentials is refused by its headers alone, before any body is read.
      const refused = p.webhook.admit(new Headers(), config)
      expect(refused.ok).toBe(false)
      expect(p.webhook.parse(new Headers(), 'not json')).toMatchObject({ kind: 'refused' })
      const links = p.links(config).of({ repository: 'project/repo', commit: 'b'.repeat(40), path: 'a.txt', line: 1 })
      expect(links.repository).toMatch(/^https:\/\//)
      expect(links.file).toMatch(/^https:\/\//)
      const response = p.response(
        responseDeps({
          config,
          db: dir.db,
          keys: undefined as never,
          log: memoryLogger(),
          now: Date.now,
          mailer: { send: async () => ({}) },
        }),
        {
          config,
          timing: { githubBatchDelayMs: 1000, githubCallsPerHour: 60, confirmDelaysMs: DEFAULT_CONFIRM_DELAYS_MS },
        },
      )
      expect(typeof response.respond).toBe('function')
      expect(response.issuer?.issuer).toBe(id)
      expect(Object.keys(response.jobs).length).toBeGreaterThan(0)
    } finally {
      dir.cleanup()
    }
  })
})

describe('an unknown platform', () => {
  it('is a 404 at the webhook route that names it, and stores nothing', async () => {
    t = await testApp()
    const res = await t.app.request('/webhooks/gitlab', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"object_kind":"push"}',
    })
    expect(res.status).toBe(404)
    expect(await res.json()).toMatchObject({ error: expect.stringContaining('unknown platform "gitlab"') })
    expect(await t.db.db.select().from(deliveries)).toEqual([])
    expect(t.enqueued.count).toBe(0)
  })

  it('ends the response revoke_failed with the reason in the respond job, calling no issuer', async () => {
    p = await startPipeline()
    const r = await recordFinding(
      p.db,
      p.keys,
      { kind: 'github-classic-pat', issuer: 'github', secret: generateGithubToken('ghp') },
      place(),
      { now: p.clock.now, pushedAt: p.clock.now },
    )
    // A row written by a patrol that knew a platform this one does not.
    p.sqlite.prepare("update incidents set issuer = 'gitlab' where id = ?").run(r.incidentId)
    await p.drain()
    const [incident] = await p.db.select().from(incidents).where(eq(incidents.id, r.incidentId))
    expect(incident!.status).toBe('revoke_failed')
    const attempts = await p.db.select().from(revocations).where(eq(revocations.incidentId, r.incidentId))
    expect(attempts.map((a) => [a.outcome, a.detail])).toEqual([
      ['failed', 'unknown platform "gitlab": patrol knows github, azure-devops'],
    ])
    expect(await p.jobsOf('revoke-github-batch')).toEqual([])
  })

  it('fails a stored push of that platform at once, with the reason on the push', async () => {
    p = await startPipeline({ GITHUB_API_URL: 'http://127.0.0.1:9' })
    // A push stored by a patrol that knew a platform this one does not.
    const gitlab = 'gitlab' as never
    const push = {
      provider: gitlab,
      repository: { id: '1', fullName: 'acme/app' },
      refUpdates: [{ ref: 'refs/heads/main', before: '0'.repeat(40), after: 'c'.repeat(40) }],
      pusher: {},
      commits: [],
    }
    await storeDelivery(p.db, p.keys, { provider: gitlab, deliveryId: 'd-1', event: 'push', bodyBytes: 2, push }, 1)
    await p.drain()
    const [row] = await p.db.select().from(pushes)
    expect(row!.scanStatus).toBe('failed')
    expect(row!.partialReasons).toContain('unknown platform \\"gitlab\\"')
    const [job] = await p.jobsOf('scan-push')
    expect(job!.attempts).toBe(1)
    expect(job!.state).toBe('dead')
  })

  it('shows its error in place of the links on the admin page', async () => {
    t = await testApp()
    const r = await recordFinding(
      t.db.db,
      t.keys,
      { kind: 'github-classic-pat', issuer: 'github', secret: generateGithubToken('ghp') },
      place({ repositoryUrl: 'https://evil.example/acme/app' }),
      { now: t.clock.now, pushedAt: t.clock.now },
    )
    const cookie = await signIn(t.app)
    const known = await (await pageRequest(t.app, `/admin/incidents/${r.incidentId}`, { cookie })).text()
    // Links from the configured host (GITHUB_API_URL defaults to api.github.com), never the payload's URL.
    expect(known).toContain('href="https://github.com/acme/app"')
    expect(known).toContain(`href="https://github.com/acme/app/blob/${'a'.repeat(40)}/config.env#L3"`)
    expect(known).not.toContain('evil.example')

    t.db.sqlite.prepare("update occurrences set provider = 'gitlab'").run()
    const res = await pageRequest(t.app, `/admin/incidents/${r.incidentId}`, { cookie })
    expect(res.status).toBe(200)
    const html = await res.text()
    expect(html).toContain('links: unknown platform &quot;gitlab&quot;')
    expect(html).not.toContain('href="https://github.com/acme/app')
    expect(locationLinks(t.config, 'gitlab', { repository: 'acme/app' })).toEqual({
      error: 'unknown platform "gitlab": patrol knows github, azure-devops',
    })
  })
})
