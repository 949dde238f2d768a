/**
 * First-boot secrets for the Node runtime: every secret the environment does not set is read from
 * `<data dir>/secrets.json`, or generated there (mode 0600) on the first boot. Generated once, reused after.
 * Called first at boot, it also makes the data folder 0700 (private-files.ts).
 *
 * @example
 * const { values, created } = ensureSecretsFile('./data', secretsFromEnv(process.env))
 * if (created) log.info('secrets.created', { path: created })
 */
import { randomBytes } from 'node:crypto'
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ConfigError, type SECRET_VARIABLES, type SecretValues } from '../../config.js'
import { privateFolder } from './private-files.js'

const generators: Record<keyof typeof SECRET_VARIABLES, () => string> = {
  PATROL_ADMIN_TOKENS: () => `admin:${randomBytes(32).toString('base64url')}`,
  PATROL_REPORTER_TOKENS: () => `reporter:${randomBytes(32).toString('base64url')}`,
  GITHUB_WEBHOOK_SECRET: () => randomBytes(32).toString('base64url'),
  AZURE_DEVOPS_WEBHOOK_PASSWORD: () => randomBytes(32).toString('base64url'),
  PATROL_SEALING_KEY: () => randomBytes(32).toString('base64'),
  PATROL_FINGERPRINT_KEY: () => randomBytes(32).toString('base64'),
}

export interface EnsuredSecrets {
  /** The file's values for the secrets the environment did not set. */
  values: SecretValues
  /** The path of secrets.json when this call wrote it (first boot, or a secret added), so the caller prints it once. */
  created?: string
}

export function ensureSecretsFile(dataDir: string, fromEnv: SecretValues): EnsuredSecrets {
  privateFolder(dataDir)
  const path = join(dataDir, 'secrets.json')
  let stored: SecretValues = {}
  if (existsSync(path)) {
    try {
      stored = JSON.parse(readFileSync(path, 'utf8')) as SecretValues
    } catch {
      throw new ConfigError([`${path}: expects the JSON written by patrol on first boot; fix or delete it`])
    }
  }
  const missing = (Object.keys(generators) as (keyof typeof generators)[]).filter(
    (name) => !fromEnv[name] && !stored[name],
  )
  if (existsSync(path)) chmodSync(path, 0o600)
  if (missing.length === 0) return { values: stored }
  for (const name of missing) stored[name] = generators[name]()
  writeFileSync(path, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 })
  chmodSync(path, 0o600)
  return { values: stored, created: path }
}
