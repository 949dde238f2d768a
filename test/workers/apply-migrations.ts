/**
 * Setup file inside workerd: applies `migrations/` to the Worker's D1 database before each test file, as
 * `wrangler d1 migrations apply` does on deploy (recorded in `d1_migrations`, so a second run applies nothing).
 *
 * @example
 * // vitest.workers.config.ts: test.setupFiles = ['./test/workers/apply-migrations.ts']
 */
import { applyD1Migrations } from 'cloudflare:test'
import { env } from 'cloudflare:workers'

await applyD1Migrations(env.DB, env.TEST_MIGRATIONS)
