/** An in-process app on a temporary SQLite file, with the test environment's secrets: for route tests. */
import { type Config, parseConfig } from '../../src/config.js'
import { createApp } from '../../src/http/app.js'
import { importKeys, type TokenKeys } from '../../src/incidents/sealing.js'
import { memoryLogger } from '../../src/log.js'
import { tempDatabase } from './db.js'
import { TEST_ADMIN_TOKEN, testEnv } from './env.js'

export interface TestApp {
  app: ReturnType<typeof createApp>
  db: ReturnType<typeof tempDatabase>
  config: Config
  keys: TokenKeys
  log: ReturnType<typeof memoryLogger>
  clock: { now: number }
  enqueued: { count: number }
  /** fetch-like call with the admin bearer token. */
  admin(path: string, init?: RequestInit): Promise<Response>
  cleanup(): void
}

export async function testApp(extraEnv: Record<string, string> = {}): Promise<TestApp> {
  const db = tempDatabase()
  const config = parseConfig(testEnv(db.dir, extraEnv))
  const keys = await importKeys(config.secrets)
  const log = memoryLogger()
  const clock = { now: Date.parse('2026-11-27T12:00:00Z') }
  const enqueued = { count: 0 }
  const app = createApp(() => ({
    config,
    db: db.db,
    keys,
    log,
    now: () => clock.now,
    jobsEnqueued: () => void enqueued.count++,
  }))
  return {
    app,
    db,
    config,
    keys,
    log,
    clock,
    enqueued,
    admin: async (path, init = {}) => {
      const headers = new Headers(init.headers)
      headers.set('authorization', `Bearer ${TEST_ADMIN_TOKEN}`)
      if (init.body && !headers.has('content-type')) headers.set('content-type', 'application/json')
      return app.request(path, { ...init, headers })
    },
    cleanup: () => db.cleanup(),
  }
}
