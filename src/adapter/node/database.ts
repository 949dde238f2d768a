/**
 * Opens the SQLite file on Node: WAL (readers never block the writer; several processes can share the file),
 * a busy timeout (a second process waits for the lock instead of failing), and the migrations applied at boot.
 * The file and its WAL and shm companions are 0600 whatever the umask (private-files.ts).
 * Node only: better-sqlite3 is a native module.
 *
 * @example
 * const { db, close } = openNodeDatabase('./data/patrol.db')
 */

import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { type BetterSQLite3Database, drizzle } from 'drizzle-orm/better-sqlite3'
import { migrate } from 'drizzle-orm/better-sqlite3/migrator'
import * as schema from '../../db/schema.js'
import type { DB } from '../../db/types.js'
import { ownFolderIfNew, privateDatabaseFiles, privateFile } from './private-files.js'

export const MIGRATIONS_FOLDER = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'migrations')

export interface NodeDatabase {
  db: DB
  /** The same database with its driver's type, for what only better-sqlite3 can do (synchronous transactions). */
  drizzle: BetterSQLite3Database<typeof schema>
  sqlite: Database.Database
  close(): void
}

export function openNodeDatabase(path: string, options: { migrate?: boolean } = {}): NodeDatabase {
  const onDisk = path !== ':memory:'
  if (onDisk) {
    ownFolderIfNew(dirname(path))
    // Created 0600 before SQLite opens it: SQLite gives its WAL and shm files the database file's mode.
    privateFile(path)
  }
  const sqlite = new Database(path)
  sqlite.pragma('journal_mode = WAL')
  if (onDisk) privateDatabaseFiles(path)
  sqlite.pragma('busy_timeout = 5000')
  // NORMAL is durable with WAL against process crashes (the case invariant 2 is about) and halves write cost
  // (docs/reference/stack-notes.md §5).
  sqlite.pragma('synchronous = NORMAL')
  const db = drizzle(sqlite, { schema })
  if (options.migrate !== false) migrate(db, { migrationsFolder: MIGRATIONS_FOLDER })
  return { db: db as unknown as DB, drizzle: db, sqlite, close: () => sqlite.close() }
}
