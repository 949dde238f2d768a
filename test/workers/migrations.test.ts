/**
 * `migrations/` on D1, the way `wrangler d1 migrations apply` runs it: every file applies to an empty database and
 * gives exactly the tables of the drizzle schema; applying again changes nothing; and a database that already holds
 * rows (written against the first migration's schema) keeps them through every later migration, readable by the
 * current code and served by the Worker.
 */
import { applyD1Migrations, createExecutionContext, waitOnExecutionContext } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { getTableName, is } from 'drizzle-orm'
import { SQLiteTable } from 'drizzle-orm/sqlite-core'
import { describe, expect, it } from 'vitest'
import { openD1Database } from '../../src/adapter/workers/d1.js'
import worker from '../../src/adapter/workers/index.js'
import * as schema from '../../src/db/schema.js'

const migrations = env.TEST_MIGRATIONS
const schemaTables = Object.values(schema)
  .filter((t) => is(t, SQLiteTable))
  .map((t) => getTableName(t))
  .sort()

async function userTables(db: D1Database): Promise<string[]> {
  const { results } = await db
    .prepare(
      "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like '_cf_%' and name != 'd1_migrations' order by name",
    )
    .all<{ name: string }>()
  return results.map((r) => r.name)
}

async function healthOver(db: D1Database): Promise<{ status: number; body: { queue?: { depth: number } } }> {
  const ctx = createExecutionContext()
  const res = await worker.fetch(new Request('https://patrol.example/healthz'), { ...env, DB: db }, ctx)
  await waitOnExecutionContext(ctx)
  return { status: res.status, body: await res.json() }
}

/**
 * Rows in the shape of the first migration (0000_init): valid SQL for it forever, since applied migrations never
 * change.
 */
const SEED_AFTER_FIRST = [
  "insert into deliveries (id, provider, delivery_id, event, received_at, status, body_bytes) values (1, 'github', 'seed-delivery', 'push', 1000, 'stored', 10)",
  "insert into pushes (id, delivery_id, provider, repository, ref, event, received_at, scan_status) values (1, 1, 'github', 'acme/old', 'refs/heads/main', 'push', 1000, 'scanned')",
  "insert into incidents (id, fingerprint, kind, issuer, preview, status, status_changed_at, first_seen_at, last_seen_at, first_pushed_at, created_at, updated_at) values (1, 'fp-seed', 'github-classic-pat', 'github', 'ghp_…seed', 'revoked', 1000, 1000, 1000, 1000, 1000, 1000)",
  "insert into jobs (id, kind, payload, max_attempts, run_at, created_at, updated_at) values (1, 'seeded-kind', '{}', 8, 1000, 1000, 1000)",
]

describe('D1 migrations from migrations/', () => {
  it('reads the top-level SQL files in name order, as wrangler does', () => {
    expect(migrations.length).toBeGreaterThan(0)
    const names = migrations.map((m) => m.name)
    expect(names).toEqual([...names].sort())
    expect(names[0]).toMatch(/^0000_.*\.sql$/)
  })

  it('apply to an empty D1, giving the tables of the drizzle schema, and a second apply changes nothing', async () => {
    const db = env.MIGRATE_EMPTY
    expect(await userTables(db)).toEqual([])
    await applyD1Migrations(db, migrations)
    expect(await userTables(db)).toEqual(schemaTables)
    const recorded = await db.prepare('select name from d1_migrations order by id').all<{ name: string }>()
    expect(recorded.results.map((r) => r.name)).toEqual(migrations.map((m) => m.name))

    await applyD1Migrations(db, migrations)
    const again = await db.prepare('select count(*) as n from d1_migrations').first<{ n: number }>()
    expect(again?.n).toBe(migrations.length)
    expect(await healthOver(db)).toMatchObject({ status: 200, body: { queue: { depth: 0 } } })
  })

  it('apply to a D1 holding rows, keeping them readable by the current code', async () => {
    const db = env.MIGRATE_SEEDED
    await applyD1Migrations(db, migrations.slice(0, 1))
    await db.batch(SEED_AFTER_FIRST.map((q) => db.prepare(q)))

    await applyD1Migrations(db, migrations)
    expect(await userTables(db)).toEqual(schemaTables)
    const orm = openD1Database(db)
    const [incident] = await orm.select().from(schema.incidents)
    expect(incident).toMatchObject({
      id: 1,
      fingerprint: 'fp-seed',
      kind: 'github-classic-pat',
      status: 'revoked',
      preview: 'ghp_…seed',
    })
    const [push] = await orm.select().from(schema.pushes)
    expect(push).toMatchObject({ repository: 'acme/old', scanStatus: 'scanned' })
    const [job] = await orm.select().from(schema.jobs)
    expect(job).toMatchObject({ kind: 'seeded-kind', state: 'queued', attempts: 0 })
    // The seeded job is due (run_at in the past): the Worker's health sees it in the queue.
    expect(await healthOver(db)).toMatchObject({ status: 200, body: { queue: { depth: 1 } } })
  })
})
