/**
 * patrol's numbers in the Prometheus text exposition format (version 0.0.4), computed from the database at each
 * scrape: several processes (or Workers isolates) share one database, so in-memory counters would each see a part.
 * The format is small enough to write here; prom-client, the usual library, is Node-only and keeps counters in memory.
 *
 * @example
 * const text = await renderMetrics(db, Date.now())
 * // # TYPE patrol_incidents gauge
 * // patrol_incidents{status="revoked"} 3
 */
import { and, eq, isNotNull, sql } from 'drizzle-orm'
import { deliveries, incidents, notifications, occurrences, revocations } from '../../db/schema.js'
import type { DB } from '../../db/types.js'
import { queueStats } from '../../jobs/queue.js'
import { TOKEN_KIND_IDS } from '../../kinds/index.js'

/** Upper bounds (seconds) of the push-to-revoke histogram: from a few seconds to the hour Azure may take. */
export const LATENCY_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 900, 3600]

type Labels = Record<string, string>
export interface Family {
  name: string
  help: string
  type: 'counter' | 'gauge' | 'histogram'
  samples: { name?: string; labels?: Labels; value: number }[]
}

export async function renderMetrics(db: DB, now: number): Promise<string> {
  const n = sql<number>`count(*)`
  const latency = (column: typeof incidents.revokedAt | typeof incidents.confirmedDeadAt) =>
    db
      .select({ ms: sql<number>`${column} - ${incidents.firstPushedAt}` })
      .from(incidents)
      .where(isNotNull(column))
  const [byProvider, findings, byStatus, byOutcome, byEmail, queue, dead, requested, byKind, revoked] =
    await Promise.all([
      db.select({ provider: deliveries.provider, n }).from(deliveries).groupBy(deliveries.provider),
      db.select({ n }).from(occurrences),
      db.select({ status: incidents.status, n }).from(incidents).groupBy(incidents.status),
      db
        .select({ issuer: revocations.issuer, outcome: revocations.outcome, n })
        .from(revocations)
        .groupBy(revocations.issuer, revocations.outcome),
      db.select({ status: notifications.status, n }).from(notifications).groupBy(notifications.status),
      queueStats(db, now),
      latency(incidents.confirmedDeadAt),
      latency(incidents.revokedAt),
      db.select({ kind: incidents.kind, n }).from(incidents).groupBy(incidents.kind),
      db
        .select({ incidentId: revocations.incidentId, candidates: revocations.candidates })
        .from(revocations)
        .where(and(eq(revocations.outcome, 'requested'), isNotNull(revocations.candidates))),
    ])
  const families: Family[] = [
    {
      name: 'patrol_deliveries_total',
      help: 'Webhook deliveries stored, by provider.',
      type: 'counter',
      samples: byProvider.map((r) => ({ labels: { provider: r.provider }, value: r.n })),
    },
    {
      name: 'patrol_findings_total',
      help: 'High-confidence findings recorded (occurrences).',
      type: 'counter',
      samples: [{ value: findings[0]?.n ?? 0 }],
    },
    {
      name: 'patrol_incidents',
      help: 'Incidents by status.',
      type: 'gauge',
      samples: byStatus.map((r) => ({ labels: { status: r.status }, value: r.n })),
    },
    {
      name: 'patrol_incidents_by_kind',
      help: 'Incidents by token kind (every kind of the catalog, 0 when none).',
      type: 'gauge',
      samples: TOKEN_KIND_IDS.map((kind) => ({
        labels: { kind },
        value: byKind.find((r) => r.kind === kind)?.n ?? 0,
      })),
    },
    {
      name: 'patrol_revocations_total',
      help: 'Revocation attempts by issuer and outcome.',
      type: 'counter',
      samples: byOutcome.map((r) => ({ labels: { issuer: r.issuer, outcome: r.outcome }, value: r.n })),
    },
    {
      name: 'patrol_emails_total',
      help: 'Notification emails by status.',
      type: 'counter',
      samples: byEmail.map((r) => ({ labels: { status: r.status }, value: r.n })),
    },
    { name: 'patrol_queue_depth', help: 'Jobs queued or running.', type: 'gauge', samples: [{ value: queue.depth }] },
    {
      name: 'patrol_queue_oldest_job_age_seconds',
      help: 'Age of the oldest due job.',
      type: 'gauge',
      samples: [{ value: queue.oldestDueAgeMs / 1000 }],
    },
    {
      name: 'patrol_jobs_dead',
      help: 'Jobs that used up their attempts.',
      type: 'gauge',
      samples: [{ value: queue.dead }],
    },
    histogram(
      'patrol_push_to_revocation_request_seconds',
      'Time from the push that first carried a token to the issuer accepting its revocation request.',
      requested,
    ),
    histogram(
      'patrol_push_to_revoke_seconds',
      'Time from the push that first carried a token to patrol seeing it stop authenticating (state revoked).',
      dead,
    ),
    {
      name: 'patrol_collateral_revocations_total',
      help: 'Authorizations revoked beyond the leaked one (Azure DevOps candidates that could not be told apart).',
      type: 'counter',
      samples: [{ value: collateral(revoked) }],
    },
  ]
  return `${families.map(render).join('\n')}\n`
}

function histogram(name: string, help: string, rows: { ms: number }[]): Family {
  const seconds = rows.map((l) => l.ms / 1000)
  return {
    name,
    help,
    type: 'histogram',
    samples: [
      ...LATENCY_BUCKETS.map((le) => ({
        name: `${name}_bucket`,
        labels: { le: String(le) },
        value: seconds.filter((s) => s <= le).length,
      })),
      { name: `${name}_bucket`, labels: { le: '+Inf' }, value: seconds.length },
      { name: `${name}_sum`, value: seconds.reduce((a, b) => a + b, 0) },
      { name: `${name}_count`, value: seconds.length },
    ],
  }
}

/** Per incident, every authorization revoked but one (at most one of them is the leaked PAT). */
function collateral(rows: { incidentId: number; candidates: string | null }[]): number {
  const perIncident = new Map<number, number>()
  for (const r of rows) {
    const n = r.candidates ? (JSON.parse(r.candidates) as unknown[]).length : 0
    perIncident.set(r.incidentId, (perIncident.get(r.incidentId) ?? 0) + n)
  }
  let total = 0
  for (const n of perIncident.values()) total += Math.max(0, n - 1)
  return total
}

export function render(f: Family): string {
  const lines = [`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`]
  for (const s of f.samples) lines.push(`${s.name ?? f.name}${labels(s.labels)} ${formatValue(s.value)}`)
  return lines.join('\n')
}

function labels(l: Labels | undefined): string {
  if (!l || Object.keys(l).length === 0) return ''
  return `{${Object.entries(l)
    .map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')}"`)
    .join(',')}}`
}

function formatValue(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(3)
}
