/**
 * The data folder and patrol's files in it are private whatever the umask (issue 14, item 5): folder 0700, the
 * database with its WAL and shm files and secrets.json 0600, also when they already existed with looser modes.
 */
import { chmodSync, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openNodeDatabase } from '../../src/adapter/node/database.js'
import { ensureSecretsFile } from '../../src/adapter/node/secrets-file.js'
import { tempDir } from '../support/db.js'

const mode = (path: string) => statSync(path).mode & 0o777
let previous: number | undefined
afterEach(() => {
  if (previous !== undefined) process.umask(previous)
  previous = undefined
})

describe('the data folder', () => {
  it('is 0700 with 0600 files under the most permissive umask', () => {
    previous = process.umask(0o000)
    const dir = join(tempDir(), 'data')
    ensureSecretsFile(dir, {})
    const database = openNodeDatabase(join(dir, 'patrol.db'))
    database.sqlite.exec("CREATE TABLE IF NOT EXISTS probe (x); INSERT INTO probe VALUES ('written')")
    try {
      expect(mode(dir)).toBe(0o700)
      for (const file of ['secrets.json', 'patrol.db', 'patrol.db-wal', 'patrol.db-shm']) {
        expect(existsSync(join(dir, file)), file).toBe(true)
        expect(mode(join(dir, file)), file).toBe(0o600)
      }
    } finally {
      database.close()
    }
  })

  it('tightens a folder and files that already existed with the usual 0755 and 0644', () => {
    previous = process.umask(0o022)
    const dir = join(tempDir(), 'data')
    mkdirSync(dir, { mode: 0o755 })
    chmodSync(dir, 0o755)
    writeFileSync(join(dir, 'patrol.db'), '', { mode: 0o644 })
    ensureSecretsFile(dir, {})
    chmodSync(join(dir, 'secrets.json'), 0o644)
    ensureSecretsFile(dir, {})
    const database = openNodeDatabase(join(dir, 'patrol.db'))
    try {
      expect(mode(dir)).toBe(0o700)
      for (const file of ['secrets.json', 'patrol.db', 'patrol.db-wal', 'patrol.db-shm'])
        expect(mode(join(dir, file)), file).toBe(0o600)
    } finally {
      database.close()
    }
  })
})
