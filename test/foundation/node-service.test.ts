import { existsSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openNodeDatabase } from '../../src/adapter/node/database.js'
import { jobs } from '../../src/db/schema.js'
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

  it('takes back at boot the jobs of a process of this host that died, without waiting for the stale-lock timeout', async () => {
    const dir = tempDir()
    const seed = openNodeDatabase(join(dir, 'patrol.db'))
    const now = Date.now()
    const orphan = {
      kind: 'no-such-kind',
      payload: '{}',
      state: 'running',
      attempts: 1,
      maxAttempts: 3,
      runAt: now,
      lockedAt: now,
      createdAt: now,
      updatedAt: now,
    }
    // pid 2^22 + 1 is above Linux's pid_max: no such process can exist.
    await seed.db.insert(jobs).values([
      { ...orphan, lockedBy: `${hostname()}:4194305` },
      { ...orphan, lockedBy: 'another-host:1' },
    ])
    seed.close()
    const service = await startChildService({ PATROL_DATA_DIR: dir, PORT: '0' })
    try {
      expect(service.lines.find((l) => l.event === 'jobs.recovered')).toMatchObject({
        worker: `${hostname()}:4194305`,
        count: 1,
      })
      const check = openNodeDatabase(join(dir, 'patrol.db'), { migrate: false })
      const rows = await check.db.select().from(jobs).orderBy(jobs.id)
      check.close()
      expect(rows[0]?.lockedBy).not.toBe(`${hostname()}:4194305`)
      expect(rows[1]).toMatchObject({ state: 'running', lockedBy: 'another-host:1' })
    } finally {
      service.child.kill('SIGTERM')
      await service.exited
    }
  })

  it('refuses to boot on a bad variable, naming it', async () => {
    await expect(startChildService({ PATROL_DATA_DIR: tempDir(), PORT: 'eighty' })).rejects.toThrow(
      /PORT: expects a port number/,
    )
  })
})
