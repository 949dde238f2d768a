/**
 * The Workers test project: tests run inside workerd (@cloudflare/vitest-pool-workers) with the Worker from
 * wrangler.toml, a D1 database migrated from `migrations/` before each file, the `send_email` binding, and the test
 * secrets as Workers secrets. Loopback stand-ins of GitHub and Azure DevOps run in Node (test/workers/global-setup.ts).
 *
 * @example
 * // npx vitest run --project workers
 */
import { join } from 'node:path'
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers'
import { defineConfig } from 'vitest/config'

/** The same secrets the Node tests use (test/support/env.ts), as Workers secrets. */
const TEST_SECRETS = {
  PATROL_ADMIN_TOKENS: 'tester:test-admin-token-0123456789abcdef',
  GITHUB_WEBHOOK_SECRET: 'test-github-webhook-secret',
  AZURE_DEVOPS_WEBHOOK_PASSWORD: 'test-azure-hook-password',
  PATROL_SEALING_KEY: Buffer.alloc(32, 1).toString('base64'),
  PATROL_FINGERPRINT_KEY: Buffer.alloc(32, 2).toString('base64'),
}

export default defineConfig(async () => {
  const migrations = await readD1Migrations(join(import.meta.dirname, 'migrations'))
  return {
    plugins: [
      cloudflareTest({
        main: './src/adapter/workers/index.ts',
        wrangler: { configPath: './wrangler.toml' },
        miniflare: {
          bindings: { ...TEST_SECRETS, LOG_LEVEL: 'warn', TEST_MIGRATIONS: migrations },
          // More databases: two that the migration tests migrate themselves (one empty, one holding rows), one never
          // migrated.
          d1Databases: { MIGRATE_EMPTY: 'migrate-empty', MIGRATE_SEEDED: 'migrate-seeded', NO_SCHEMA: 'no-schema' },
          // wrangler.toml's EMAIL is repeated: this option replaces the config's list instead of adding to it. The
          // second binding is restricted like a production one, to see a refused recipient end as a permanent failure.
          email: {
            send_email: [
              { name: 'EMAIL' },
              { name: 'RESTRICTED_EMAIL', allowed_destination_addresses: ['allowed@acme.example'] },
            ],
          },
        },
      }),
    ],
    test: {
      name: 'workers',
      include: ['test/workers/**/*.test.ts'],
      globalSetup: ['./test/workers/global-setup.ts'],
      setupFiles: ['./test/workers/apply-migrations.ts'],
      testTimeout: 30_000,
      hookTimeout: 30_000,
    },
  }
})
