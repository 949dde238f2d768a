/**
 * The data folder holds everything a thief of it could use (sealed tokens with, in `secrets.json`, the key that
 * opens them): it is 0700 and patrol's files in it 0600, whatever the umask. Modes are set explicitly after creating,
 * because `mkdir`/`open` modes are masked by the umask. Node only.
 *
 * @example
 * privateFolder('./data')                  // created if missing; chmod 0700
 * privateFile('./data/patrol.db')          // created empty if missing; chmod 0600
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs'

export function privateFolder(path: string): void {
  mkdirSync(path, { recursive: true, mode: 0o700 })
  chmodSync(path, 0o700)
}

/**
 * A folder patrol may have to create but does not own (the parent of a DATABASE_PATH elsewhere): 0700 only when new.
 */
export function ownFolderIfNew(path: string): void {
  if (!existsSync(path)) privateFolder(path)
}

export function privateFile(path: string): void {
  closeSync(openSync(path, 'a', 0o600))
  chmodSync(path, 0o600)
}

/** The SQLite file and its WAL and shared-memory companions, those that exist. */
export function privateDatabaseFiles(path: string): void {
  for (const file of [path, `${path}-wal`, `${path}-shm`]) if (existsSync(file)) chmodSync(file, 0o600)
}
