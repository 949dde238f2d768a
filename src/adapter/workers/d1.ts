/**
 * Opens the D1 binding as patrol's one `DB` type, so repository code runs unchanged on Workers. Cheap enough to call
 * per request (docs/reference/stack-notes.md §3): drizzle only wraps the binding. Workers only in practice, but imports nothing Node-only.
 *
 * @example
 * const db = openD1Database(env.DB)
 * await db.select().from(incidents)
 */
import { drizzle } from 'drizzle-orm/d1'
import * as schema from '../../db/schema.js'
import type { DB } from '../../db/types.js'

/** The D1 binding as drizzle types it (workers-types' `D1Database` when those types are loaded). */
export type D1Binding = Parameters<typeof drizzle>[0]

export function openD1Database(binding: D1Binding): DB {
  return drizzle(binding, { schema }) as unknown as DB
}
