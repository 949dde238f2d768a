import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type NodeDatabase, openNodeDatabase } from '../../src/adapter/node/database.js'

/** A migrated SQLite file (WAL) in a fresh temporary folder, removed by `cleanup()`. */
export function tempDatabase(): NodeDatabase & { dir: string; path: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'patrol-test-'))
  const path = join(dir, 'patrol.db')
  const database = openNodeDatabase(path)
  return {
    ...database,
    dir,
    path,
    cleanup() {
      try {
        database.close()
      } catch {}
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'patrol-test-'))
}
