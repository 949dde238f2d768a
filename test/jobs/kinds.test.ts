/** The job vocabulary (src/jobs/kinds.ts) and the handlers patrol registers name the same kinds. */
import { describe, expect, it } from 'vitest'
import { OutboxMailer } from '../../src/adapter/node/outbox.js'
import { parseConfig } from '../../src/config.js'
import { importKeys } from '../../src/incidents/sealing.js'
import { JOB_KINDS } from '../../src/jobs/kinds.js'
import { memoryLogger } from '../../src/log.js'
import { createJobHandlers } from '../../src/service.js'
import { tempDatabase } from '../support/db.js'
import { testEnv } from '../support/env.js'

describe('job vocabulary', () => {
  it('has a handler for every kind, and no handler outside it', async () => {
    const t = tempDatabase()
    try {
      const config = parseConfig(testEnv(t.dir, { AZURE_DEVOPS_ORG_URL: 'https://dev.azure.com/fabrikam' }))
      const handlers = createJobHandlers({
        config,
        db: t.db,
        keys: await importKeys(config.secrets),
        log: memoryLogger(),
        now: Date.now,
        mailer: new OutboxMailer({ dir: t.dir }),
      })
      expect(Object.keys(handlers).sort()).toEqual([...JOB_KINDS].sort())
    } finally {
      t.cleanup()
    }
  })
})
