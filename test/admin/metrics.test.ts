import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { deliveries, revocations } from '../../src/db/schema.js'
import { recordFinding } from '../../src/incidents/ingest/record.js'
import { transition } from '../../src/incidents/transitions.js'
import { enqueue } from '../../src/jobs/queue.js'
import { TOKEN_KIND_IDS } from '../../src/kinds/index.js'
import { type TestApp, testApp } from '../support/service-app.js'
import { generateGithubToken } from '../support/tokens.js'

let t: TestApp
beforeEach(async () => {
  t = await testApp()
})
afterEach(() => t.cleanup())

/** Every sample line of the Prometheus text format, as name{labels} → value; throws on a malformed line. */
function parse(text: string): Map<string, number> {
  const samples = new Map<string, number>()
  const declared = new Set<string>()
  for (const line of text.trimEnd().split('\n')) {
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$/.exec(line)
    if (meta) {
      if (meta[1] === 'TYPE') {
        expect(['counter', 'gauge', 'histogram']).toContain(meta[3])
        declared.add(meta[2]!)
      }
      continue
    }
    const sample =
      /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*\})? (-?[0-9.]+(?:e[+-]?\d+)?|\+Inf|NaN)$/.exec(
        line,
      )
    if (!sample) throw new Error(`not a Prometheus sample line: ${line}`)
    const family = sample[1]!.replace(/_(bucket|sum|count)$/, '')
    expect(declared.has(sample[1]!) || declared.has(family), `${sample[1]} has a # TYPE`).toBe(true)
    samples.set(`${sample[1]}${sample[2] ?? ''}`, Number(sample[3]))
  }
  return samples
}

describe('GET /metrics', () => {
  it('speaks the Prometheus text format with patrol’s counters, queue and latency histogram', async () => {
    const now = t.clock.now
    await t.db.db
      .insert(deliveries)
      .values({ provider: 'github', deliveryId: 'd1', event: 'push', receivedAt: now, status: 'queued', bodyBytes: 10 })
    const ids: number[] = []
    for (const delayMs of [3_000, 40_000]) {
      const r = await recordFinding(
        t.db.db,
        t.keys,
        { kind: 'github-classic-pat', issuer: 'github', secret: generateGithubToken('ghp') },
        { provider: 'github', repository: 'a/b', path: 'x', line: 1, encoding: 'plain' },
        { now, pushedAt: now },
      )
      await transition(t.db.db, { incidentId: r.incidentId, from: 'new', to: 'responding', actor: 'patrol', now })
      await transition(t.db.db, {
        incidentId: r.incidentId,
        from: 'responding',
        to: 'revocation_requested',
        actor: 'patrol',
        now,
        set: { revokedAt: now + delayMs },
      })
      ids.push(r.incidentId)
    }
    // The first is confirmed dead a minute after the push; its Azure-style revocation took two PATs besides the leak.
    await transition(t.db.db, {
      incidentId: ids[0]!,
      from: 'revocation_requested',
      to: 'revoked',
      actor: 'patrol',
      now,
      set: { confirmedDeadAt: now + 60_000 },
    })
    const candidate = (id: string) => ({ authorizationId: id, why: 'same month, before the commit' })
    await t.db.db.insert(revocations).values({
      incidentId: ids[0]!,
      issuer: 'azure-devops',
      outcome: 'requested',
      detail: 'accepted',
      candidates: JSON.stringify([candidate('a'), candidate('b'), candidate('c')]),
      at: now,
    })
    await enqueue(t.db.db, { kind: 'x', payload: {} }, now - 5_000)

    const res = await t.admin('/metrics')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
    const m = parse(await res.text())
    expect(m.get('patrol_deliveries_total{provider="github"}')).toBe(1)
    expect(m.get('patrol_findings_total')).toBe(2)
    expect(m.get('patrol_incidents{status="revocation_requested"}')).toBe(1)
    // One sample per kind of the catalog, so a dashboard sees every kind, even at 0.
    expect(m.get('patrol_incidents_by_kind{kind="github-classic-pat"}')).toBe(2)
    expect(m.get('patrol_incidents_by_kind{kind="azure-devops-app-secret"}')).toBe(0)
    expect([...m.keys()].filter((k) => k.startsWith('patrol_incidents_by_kind{'))).toHaveLength(TOKEN_KIND_IDS.length)
    expect(m.get('patrol_push_to_revocation_request_seconds_bucket{le="5"}')).toBe(1)
    expect(m.get('patrol_push_to_revocation_request_seconds_bucket{le="60"}')).toBe(2)
    expect(m.get('patrol_push_to_revocation_request_seconds_bucket{le="+Inf"}')).toBe(2)
    expect(m.get('patrol_push_to_revocation_request_seconds_count')).toBe(2)
    expect(m.get('patrol_push_to_revocation_request_seconds_sum')).toBe(43)
    // Only the confirmed one counts as revoked.
    expect(m.get('patrol_incidents{status="revoked"}')).toBe(1)
    expect(m.get('patrol_push_to_revoke_seconds_count')).toBe(1)
    expect(m.get('patrol_push_to_revoke_seconds_bucket{le="30"}')).toBe(0)
    expect(m.get('patrol_push_to_revoke_seconds_bucket{le="60"}')).toBe(1)
    expect(m.get('patrol_collateral_revocations_total')).toBe(2)
    expect(m.get('patrol_queue_depth')).toBeGreaterThanOrEqual(3)
    expect(m.get('patrol_queue_oldest_job_age_seconds')).toBe(5)
  })
})
