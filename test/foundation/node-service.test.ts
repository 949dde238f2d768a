import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { startChildService } from '../support/child-service.js'
import { tempDir } from '../support/db.js'

describe('node entry', () => {
  it('comes up with nothing configured, generating its secrets into the data folder', async () => {
    const dir = join(tempDir(), 'data')
    const service = await startChildService({ PATROL_DATA_DIR: dir, PORT: '0' })
    try {
      const res = await fetch(`${service.url}/healthz`)
      expect(res.status).toBe(200)
      expect(existsSync(join(dir, 'secrets.json'))).toBe(true)
      expect(existsSync(join(dir, 'patrol.db'))).toBe(true)
      const created = service.lines.find((l) => l.event === 'secrets.created')
      expect(created?.path).toBe(join(dir, 'secrets.json'))
      // The log says where the secrets are, never what they are.
      expect(JSON.stringify(service.lines)).not.toMatch(/admin:[A-Za-z0-9_-]{20}/)
    } finally {
      service.child.kill('SIGTERM')
      await service.exited
    }
  })

  it('shuts down gracefully on SIGTERM: stops accepting, exits 0', async () => {
    const service = await startChildService({ PATROL_DATA_DIR: tempDir(), PORT: '0' })
    expect((await fetch(`${service.url}/healthz`)).status).toBe(200)
    service.child.kill('SIGTERM')
    expect(await service.exited).toBe(0)
    expect(service.lines.map((l) => l.event)).toEqual(expect.arrayContaining(['service.stopping', 'service.stopped']))
    await expect(fetch(`${service.url}/healthz`)).rejects.toThrow()
  })

  it('refuses to boot on a bad variable, naming it', async () => {
    await expect(startChildService({ PATROL_DATA_DIR: tempDir(), PORT: 'eighty' })).rejects.toThrow(/PORT: expects a port number/)
  })
})
