import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import { migrate } from 'drizzle-orm/better-sqlite3/migrator'
import { describe, expect, it } from 'vitest'
import { MIGRATIONS_FOLDER, openNodeDatabase } from '../../src/adapter/node/database.js'
import { tempDir } from '../support/db.js'

interface Journal {
  entries: { idx: number; tag: string }[]
}
const journal = JSON.parse(readFileSync(join(MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8')) as Journal

/** A copy of the migrations folder that knows only the first `n` migrations. */
function firstMigrations(n: number): string {
  const dir = join(tempDir(), 'migrations')
  mkdirSync(join(dir, 'meta'), { recursive: true })
  cpSync(MIGRATIONS_FOLDER, dir, { recursive: true })
  writeFileSync(
    join(dir, 'meta', '_journal.json'),
    JSON.stringify({ ...journal, entries: journal.entries.slice(0, n) }),
  )
  return dir
}

function tables(sqlite: Database.Database): string[] {
  return (
    sqlite
      .prepare(
        `select name from sqlite_master where type='table' and name not like 'sqlite_%' and name not like '__drizzle%' order by name`,
      )
      .all() as { name: string }[]
  ).map((r) => r.name)
}

/** Inserts one row into every table, filling each NOT NULL column without a default. */
function seedEveryTable(sqlite: Database.Database): void {
  for (const table of tables(sqlite)) {
    const columns = sqlite.prepare(`pragma table_info("${table}")`).all() as {
      name: string
      type: string
      notnull: number
      dflt_value: unknown
      pk: number
    }[]
    const required = columns.filter((c) => c.notnull && c.dflt_value === null && !c.pk)
    const values = required.map((c) => (c.type.toUpperCase().includes('INT') ? 1 : `seed-${table}-${c.name}`))
    const names = required.map((c) => `"${c.name}"`).join(', ')
    sqlite.prepare(`insert into "${table}" (${names}) values (${required.map(() => '?').join(', ')})`).run(...values)
  }
}

describe('migrations', () => {
  it('apply to an empty file and create every table of the schema', () => {
    const { sqlite, close } = openNodeDatabase(join(tempDir(), 'empty.db'))
    expect(tables(sqlite)).toEqual(
      [
        'admin_sessions',
        'channel_messages',
        'audit_events',
        'content_events',
        'deliveries',
        'incidents',
        'jobs',
        'notifications',
        'occurrences',
        'pushes',
        'response_steps',
        'revocations',
        'scan_commits',
        'suppressions',
      ].sort(),
    )
    expect(sqlite.pragma('journal_mode', { simple: true })).toBe('wal')
    close()
  })

  it('are idempotent at boot: reopening a file holding rows keeps them', () => {
    const path = join(tempDir(), 'rows.db')
    const first = openNodeDatabase(path)
    seedEveryTable(first.sqlite)
    first.close()
    const again = openNodeDatabase(path)
    for (const table of tables(again.sqlite)) {
      expect((again.sqlite.prepare(`select count(*) as n from "${table}"`).get() as { n: number }).n, table).toBe(1)
    }
    again.close()
  })

  // Each later migration must apply on top of a database that holds rows in every table of the earlier ones.
  it.each(journal.entries.map((e) => [e.idx + 1, e.tag] as const))(
    'apply on top of rows left by the first %i (%s)',
    (n) => {
      const path = join(tempDir(), 'upgrade.db')
      const sqlite = new Database(path)
      migrate(drizzle(sqlite), { migrationsFolder: firstMigrations(n) })
      seedEveryTable(sqlite)
      const before = tables(sqlite).map((t) => [
        t,
        (sqlite.prepare(`select count(*) as n from "${t}"`).get() as { n: number }).n,
      ])
      migrate(drizzle(sqlite), { migrationsFolder: MIGRATIONS_FOLDER })
      for (const [t, n] of before)
        expect((sqlite.prepare(`select count(*) as n from "${t}"`).get() as { n: number }).n).toBe(n)
      sqlite.close()
    },
  )
})
