/**
 * First-boot secrets for the Node runtime: every secret the environment does not set is read from
 * `<data dir>/secrets.json`, or generated there (mode 0600) on the first boot. Generated once, reused after.
 *
 * @example
 * const { values, created } = ensureSecretsFile('./data', secretsFromEnv(process.env))
 * if (created) log.info('secrets.created', { path: created })
 */
import { randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ConfigError, type SECRET_VARIABLES, type SecretValues } from '../../config.js'

const generators: Record<keyof typeof SECRET_VARIABLES, () => string> = {
  PATROL_ADMIN_TOKENS: () => `admin:${randomBytes(32).toString('base64url')}`,
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
  if (missing.length === 0) return { values: stored }
  for (const name of missing) stored[name] = generators[name]()
  mkdirSync(dataDir, { recursive: true })
  writeFileSync(path, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 })
  chmodSync(path, 0o600)
  return { values: stored, created: path }
}
