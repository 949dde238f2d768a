import { readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ensureSecretsFile } from '../../src/adapter/node/secrets-file.js'
import { ConfigError, parseConfig } from '../../src/config.js'
import { tempDir } from '../support/db.js'

describe('first-boot secrets', () => {
  it('generates every secret once, with mode 0600, and reuses them', () => {
    const dir = join(tempDir(), 'data')
    const first = ensureSecretsFile(dir, {})
    expect(first.created).toBe(join(dir, 'secrets.json'))
    expect(statSync(first.created!).mode & 0o777).toBe(0o600)
    const config = parseConfig({}, first.values)
    expect(config.secrets.adminTokens[0]?.name).toBe('admin')
    expect(config.secrets.adminTokens[0]?.token.length).toBeGreaterThanOrEqual(40)
    expect(config.secrets.sealingKey).toHaveLength(32)

    const second = ensureSecretsFile(dir, {})
    expect(second.created).toBeUndefined()
    expect(second.values).toEqual(first.values)
  })

  it('writes nothing for secrets the environment sets', () => {
    const dir = tempDir()
    const { values } = ensureSecretsFile(dir, { GITHUB_WEBHOOK_SECRET: 'from-env' })
    expect(values.GITHUB_WEBHOOK_SECRET).toBeUndefined()
    expect(JSON.parse(readFileSync(join(dir, 'secrets.json'), 'utf8'))).not.toHaveProperty('GITHUB_WEBHOOK_SECRET')
  })

  it('adds a secret missing from an older file, keeping the others', () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'secrets.json'), JSON.stringify({ GITHUB_WEBHOOK_SECRET: 'kept' }))
    const { values, created } = ensureSecretsFile(dir, {})
    expect(created).toBeDefined()
    expect(values.GITHUB_WEBHOOK_SECRET).toBe('kept')
    expect(values.PATROL_SEALING_KEY).toBeTruthy()
  })

  it('names the file when it is not JSON', () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'secrets.json'), '{oops')
    expect(() => ensureSecretsFile(dir, {})).toThrow(ConfigError)
    expect(() => ensureSecretsFile(dir, {})).toThrow(/secrets\.json: expects the JSON written by patrol/)
  })
})
