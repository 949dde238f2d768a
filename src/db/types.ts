/**
 * The one database type that repository code is written against: drizzle over SQLite, sync (better-sqlite3) or
 * async (D1). Code always `await`s, so the same query runs on both. Atomic work is one statement (upsert,
 * UPDATE … RETURNING, compare-and-set on a status column) or `atomically()`.
 *
 * @example
 * export async function countIncidents(db: DB) { return (await db.select({ n: count() }).from(incidents))[0]?.n ?? 0 }
 */
import { is } from 'drizzle-orm'
import type { BatchItem } from 'drizzle-orm/batch'
import { type BaseSQLiteDatabase, SQLiteSelectBase } from 'drizzle-orm/sqlite-core'
import type * as schema from './schema.js'

// biome-ignore lint/suspicious/noExplicitAny: the run-result type differs per driver; code awaits either
export type DB = BaseSQLiteDatabase<'sync' | 'async', any, typeof schema>

type Statement = BatchItem<'sqlite'>

/**
 * Runs statements all-or-nothing, in one round trip on D1: D1's `batch`, or a synchronous better-sqlite3 transaction
 * (D1 has no interactive transactions, and better-sqlite3 rejects async callbacks: docs/reference/stack-notes.md P5).
 * Each result is what awaiting that statement alone gives: rows for a select or a `returning`, the driver's run
 * result otherwise. Statements must be built on `db`; reads cannot feed later writes, except through SQL (a subquery
 * or an `exists` test). Reads only is fine too: one round trip instead of one per read, from one snapshot.
 */
export async function atomically<const T extends readonly [Statement, ...Statement[]]>(
  db: DB,
  statements: T,
): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  type Results = { -readonly [K in keyof T]: Awaited<T[K]> }
  const batchable = db as unknown as { batch?: (s: T) => Promise<Results> }
  if (typeof batchable.batch === 'function') return batchable.batch(statements)
  const sync = db as unknown as { transaction: (fn: () => unknown[]) => unknown[] }
  return sync.transaction(() =>
    statements.map((s) => {
      const query = s as unknown as { all(): unknown[]; run(): unknown }
      return returnsRows(s) ? query.all() : query.run()
    }),
  ) as Results
}

/** A select, or a write with `returning`: the statements whose awaited result is their rows. */
function returnsRows(statement: Statement): boolean {
  return (
    is(statement, SQLiteSelectBase) || Boolean((statement as { config?: { returning?: unknown } }).config?.returning)
  )
}

/**
 * Ids bound into one statement (`inArray`): D1 binds at most 100 parameters a statement, and this leaves room for the
 * statement's other ones.
 */
export const ID_SLICE = 90

/** `items` in consecutive slices of at most `size`, for lists bound into one statement each. */
export function slices<T>(items: readonly T[], size = ID_SLICE): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}
