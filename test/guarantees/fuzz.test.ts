/**
 * Fuzz (DESIGN.md invariant 6): thousands of random and mutated requests against both webhook routes and the
 * admin API, through the real app on a real SQLite file (`app.request`). Every answer is a 2xx or a 4xx, never a
 * 5xx or a throw, and a request that does not authenticate writes no row anywhere. The scanner, fed random
 * strings and bytes, never throws, and finishes on large adversarial inputs.
 */
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { scanAddedLines, scanText } from '../../src/scan/index.js'
import { TEST_ADMIN_TOKEN, TEST_AZURE_PASSWORD, TEST_GITHUB_SECRET } from '../support/env.js'
import { githubSignature } from '../support/github-signing.js'
import { SecretSweep } from '../support/secret-sweep.js'
import { type TestApp, testApp } from '../support/service-app.js'
import { generateAdoPat, generateGithubToken } from '../support/tokens.js'

let t: TestApp
let tables: string[] = []

beforeAll(async () => {
  t = await testApp()
  tables = (
    t.db.sqlite
      .prepare(
        "select name from sqlite_master where type = 'table' and name not like '\\_\\_%' escape '\\' and name not like 'sqlite%'",
      )
      .all() as { name: string }[]
  ).map((r) => r.name)
})
afterAll(() => t?.cleanup())

/** Row count of every table: a request that changes nothing leaves this equal. */
function rowCounts(): Record<string, number> {
  return Object.fromEntries(
    tables.map((name) => [name, (t.db.sqlite.prepare(`select count(*) as n from "${name}"`).get() as { n: number }).n]),
  )
}

const RUNS = Number(process.env.FUZZ_RUNS ?? 1500)

const hex40 = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 40, maxLength: 40 })

/** A GitHub push payload shaped like the real one, to mutate. */
const pushShape = fc.record(
  {
    ref: fc.oneof(fc.constant('refs/heads/main'), fc.string()),
    before: fc.oneof(fc.constant('0'.repeat(40)), hex40, fc.string()),
    after: fc.oneof(hex40, fc.string(), fc.integer()),
    created: fc.boolean(),
    deleted: fc.boolean(),
    forced: fc.boolean(),
    commits: fc.array(
      fc.record(
        {
          id: hex40,
          message: fc.string(),
          timestamp: fc.string(),
          author: fc.record({ name: fc.string(), email: fc.string() }, { requiredKeys: [] }),
          distinct: fc.boolean(),
        },
        { requiredKeys: [] },
      ),
      { maxLength: 4 },
    ),
    repository: fc.record(
      {
        full_name: fc.oneof(fc.constant('acme/app'), fc.string()),
        name: fc.string(),
        html_url: fc.webUrl(),
        private: fc.boolean(),
      },
      { requiredKeys: [] },
    ),
    pusher: fc.record({ name: fc.string(), email: fc.string() }, { requiredKeys: [] }),
  },
  { requiredKeys: [] },
)

const anyJson = fc.oneof(fc.jsonValue(), pushShape, fc.dictionary(fc.string(), fc.jsonValue()))
const body = fc.oneof(
  anyJson.map((v) => JSON.stringify(v)),
  fc.string({ unit: 'binary' }),
  fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.from(b).toString('latin1')),
  anyJson.map((v) => `payload=${encodeURIComponent(JSON.stringify(v))}`),
)
const headerValue = fc.string({ maxLength: 300 }).filter((s) => /^[\t\x20-\x7e]*$/.test(s))

describe('webhook routes under random input', () => {
  it('GitHub: only 2xx/4xx, and nothing stored without a valid signature', async () => {
    const signatureKind = fc.constantFrom('valid', 'absent', 'random', 'other-secret', 'other-body', 'truncated')
    await fc.assert(
      fc.asyncProperty(
        body,
        signatureKind,
        fc.option(fc.constantFrom('push', 'ping', 'issues', ''), { nil: undefined }),
        fc.option(fc.oneof(fc.uuid(), headerValue), { nil: undefined }),
        fc.constantFrom('application/json', 'application/x-www-form-urlencoded', 'text/plain', undefined),
        headerValue,
        async (raw, kind, event, deliveryId, contentType, noise) => {
          const headers: Record<string, string> = {}
          if (contentType) headers['content-type'] = contentType
          if (event !== undefined) headers['x-github-event'] = event
          if (deliveryId !== undefined) headers['x-github-delivery'] = deliveryId
          const good = githubSignature(raw, TEST_GITHUB_SECRET)
          const signatures: Record<string, string | undefined> = {
            valid: good,
            absent: undefined,
            random: noise,
            'other-secret': githubSignature(raw, 'not-the-secret'),
            'other-body': githubSignature(`${raw} `, TEST_GITHUB_SECRET),
            truncated: good.slice(0, -1),
          }
          const signature = signatures[kind]
          if (signature !== undefined) headers['x-hub-signature-256'] = signature
          const before = kind === 'valid' ? undefined : rowCounts()
          const res = await t.app.request('/webhooks/github', { method: 'POST', headers, body: raw })
          expect(res.status, `${kind} ${res.status}`).toBeLessThan(500)
          expect(res.status).toBeGreaterThanOrEqual(200)
          if (before) {
            expect(res.status).toBe(401)
            expect(rowCounts()).toEqual(before)
          }
        },
      ),
      { numRuns: RUNS },
    )
  })

  it('Azure DevOps: only 2xx/4xx, and nothing stored without the service hook’s credentials', async () => {
    const basic = (pair: string) => `Basic ${Buffer.from(pair).toString('base64')}`
    const auth = fc.oneof(
      fc.constant({ ok: true, value: basic(`patrol:${TEST_AZURE_PASSWORD}`) }),
      fc.constant({ ok: false, value: undefined }),
      fc.constant({ ok: false, value: basic(`patrol:${TEST_AZURE_PASSWORD}x`) }),
      fc.constant({ ok: false, value: basic(`admin:${TEST_AZURE_PASSWORD}`) }),
      headerValue.map((v) => ({ ok: false, value: v })),
      headerValue.map((v) => ({ ok: false, value: `Basic ${v}` })),
    )
    const azureShape = fc.record(
      {
        id: fc.oneof(fc.uuid(), fc.string()),
        eventType: fc.oneof(fc.constant('git.push'), fc.string()),
        resource: fc.oneof(
          fc.jsonValue(),
          fc.record(
            {
              pushId: fc.integer(),
              refUpdates: fc.array(fc.jsonValue()),
              commits: fc.array(fc.jsonValue()),
              repository: fc.jsonValue(),
            },
            { requiredKeys: [] },
          ),
        ),
      },
      { requiredKeys: [] },
    )
    const azureBody = fc.oneof(
      body,
      azureShape.map((v) => JSON.stringify(v)),
    )
    await fc.assert(
      fc.asyncProperty(azureBody, auth, async (raw, a) => {
        const headers: Record<string, string> = { 'content-type': 'application/json' }
        if (a.value !== undefined) headers.authorization = a.value
        const before = a.ok ? undefined : rowCounts()
        const res = await t.app.request('/webhooks/azure-devops', { method: 'POST', headers, body: raw })
        expect(res.status).toBeLessThan(500)
        expect(res.status).toBeGreaterThanOrEqual(200)
        expect(res.status).not.toBe(410) // Azure disables a subscription that gets a 410
        if (before) {
          expect(res.status).toBe(401)
          expect(rowCounts()).toEqual(before)
        }
      }),
      { numRuns: RUNS },
    )
  })
})

describe('admin API under random input', () => {
  it('only 2xx/4xx, and nothing changes without the admin token', async () => {
    // A few real incidents to aim at, so that random ids sometimes hit one.
    const azure = (await import('../support/azure-devops-api.js')).azurePushSample()
    azure.resource.commits = [
      { ...azure.resource.commits[0]!, comment: `key ${generateAdoPat()} and ${generateGithubToken('ghp')}` },
    ]
    await t.app.request('/webhooks/azure-devops', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from(`patrol:${TEST_AZURE_PASSWORD}`).toString('base64')}`,
      },
      body: JSON.stringify(azure),
    })
    // A token pasted into a suppression must not come back in any answer (invariant 1).
    const pasted = generateGithubToken('ghp')
    const sweep = new SecretSweep([pasted])
    const segment = fc.oneof(
      fc.constantFrom(
        'incidents',
        'suppressions',
        'stats',
        'actions',
        'openapi.json',
        '1',
        '2',
        '0',
        '-1',
        '99999999999999999999',
        '..',
        '%00',
        'x',
      ),
      fc.string({ maxLength: 12 }).map(encodeURIComponent),
    )
    const query = fc.dictionary(
      fc.constantFrom('status', 'kind', 'limit', 'cursor', 'issuer', 'repository', 'since', 'until', 'q', 'x'),
      fc.string({ maxLength: 40 }),
      { maxKeys: 4 },
    )
    const jsonBody = fc.oneof(
      fc.jsonValue(),
      fc.record(
        {
          action: fc.oneof(
            fc.constantFrom('acknowledge', 'resolve', 'false_positive', 'retry_response', 'reopen'),
            fc.string(),
          ),
          note: fc.oneof(fc.string(), fc.integer()),
        },
        { requiredKeys: [] },
      ),
      fc.record(
        {
          token: fc.oneof(fc.string(), fc.constant(pasted)),
          repository: fc.string(),
          pathGlob: fc.string(),
          reason: fc.string(),
          expiresAt: fc.string(),
        },
        { requiredKeys: [] },
      ),
    )
    const request = fc.record({
      method: fc.constantFrom('GET', 'POST', 'DELETE', 'PUT', 'PATCH'),
      path: fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => `/api/${s.join('/')}`),
      query,
      body: fc.oneof(
        jsonBody.map((v) => JSON.stringify(v)),
        fc.string(),
        fc.constant(undefined),
      ),
      auth: fc.oneof(
        fc.constant('valid'),
        fc.constant('absent'),
        headerValue,
        fc.constant(`Bearer ${TEST_ADMIN_TOKEN}x`),
        fc.constant(`bearer ${TEST_ADMIN_TOKEN.slice(1)}`),
      ),
    })
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const headers: Record<string, string> = {}
        if (r.auth === 'valid') headers.authorization = `Bearer ${TEST_ADMIN_TOKEN}`
        else if (r.auth !== 'absent') headers.authorization = r.auth
        if (r.body !== undefined) headers['content-type'] = 'application/json'
        const url = `${r.path}?${new URLSearchParams(r.query)}`
        const hasBody = r.body !== undefined && r.method !== 'GET'
        const before = r.auth === 'valid' ? undefined : rowCounts()
        const res = await t.app.request(url, { method: r.method, headers, body: hasBody ? r.body : undefined })
        sweep.check(`${r.method} ${url}`, await res.text())
        expect(res.status, `${r.method} ${url}`).toBeLessThan(500)
        expect(res.status).toBeGreaterThanOrEqual(200)
        if (before) {
          expect(rowCounts()).toEqual(before)
          // The URL parser resolves dot segments (`/api/x/../openapi.json`): the public document is what it names.
          if (new URL(url, 'http://localhost').pathname !== '/api/openapi.json')
            expect([401, 404, 405]).toContain(res.status)
        }
      }),
      { numRuns: RUNS },
    )
    expect(t.log.lines.filter((l) => l.event === 'http.unhandled')).toEqual([])
    sweep.check('log lines', JSON.stringify(t.log.lines))
    expect(sweep.hits).toEqual([])
  })
})

describe('the scanner under random input', () => {
  it('never throws on random strings, bytes or added lines', () => {
    const text = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 2000 }),
      fc.string({ unit: 'grapheme', maxLength: 500 }),
      fc.uint8Array({ maxLength: 2000 }).map((b) => Buffer.from(b).toString('latin1')),
      fc.uint8Array({ maxLength: 2000 }).map((b) => Buffer.from(b).toString('utf8')),
      fc.uint8Array({ maxLength: 1500 }).map((b) => Buffer.from(b).toString('base64')),
      // Near-tokens: real tokens cut, mutated, encoded and wrapped in noise.
      fc
        .tuple(
          fc.constantFrom(generateGithubToken('ghp'), generateAdoPat()),
          fc.nat(90),
          fc.string({ maxLength: 20 }),
          fc.constantFrom('plain', 'base64', 'percent', 'utf16'),
        )
        .map(([tok, cut, noise, enc]) => {
          const piece = tok.slice(0, cut) + noise + tok.slice(cut)
          if (enc === 'base64') return Buffer.from(piece).toString('base64')
          if (enc === 'percent')
            return [...piece].map((c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join('')
          if (enc === 'utf16') return Buffer.from(Buffer.from(piece, 'utf16le').toString('base64')).toString()
          return piece
        }),
    )
    fc.assert(
      fc.property(text, fc.boolean(), (s, includeLow) => {
        const findings = scanText(s, { includeLow })
        expect(Array.isArray(findings)).toBe(true)
      }),
      { numRuns: 3000 },
    )
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            path: fc.string(),
            line: fc.integer(),
            text,
            commit: fc.option(fc.string(), { nil: undefined }),
          }),
          { maxLength: 20 },
        ),
        (lines) => {
          expect(Array.isArray(scanAddedLines(lines))).toBe(true)
        },
      ),
      { numRuns: 500 },
    )
  })

  it('finishes on large adversarial inputs (long runs of token alphabets, prefixes, nested encodings)', () => {
    const MB = 1 << 20
    const token = generateGithubToken('ghp')
    const nested = (() => {
      let s = `x ${token} y`
      for (let i = 0; i < 6; i++) s = Buffer.from(s).toString('base64')
      return s
    })()
    const inputs: [string, string][] = [
      ['one 2 MB line of base62', 'A1b2'.repeat(MB / 2)],
      ['ghp_ repeated', 'ghp_'.repeat(MB / 2)],
      ['github_pat_ repeated', 'github_pat_'.repeat(MB / 5)],
      ['2 MB of base64 alphabet', Buffer.alloc(1.5 * MB, 7).toString('base64')],
      ['percent escapes', '%41'.repeat(MB / 2)],
      ['a token every 100 bytes', `${token} ${'x'.repeat(60)}\n`.repeat(MB / 100)],
      ['nested base64 of a token', `${nested}\n`.repeat(200)],
      [
        '2 MB of random bytes',
        Buffer.from(Array.from({ length: 2 * MB }, (_, i) => (i * 2654435761) >>> 24)).toString('latin1'),
      ],
    ]
    for (const [what, input] of inputs) {
      const findings = scanText(input)
      expect(Array.isArray(findings), what).toBe(true)
    }
    // The planted token is still found in the haystacks that hold it.
    expect(scanText(`${token} ${'x'.repeat(60)}\n`.repeat(1000)).filter((f) => f.secret === token)).toHaveLength(1000)
  })
})
