/// <reference types="@cloudflare/workers-types" />
/// <reference types="@cloudflare/vitest-pool-workers/types" />
/**
 * Workers globals (D1Database, SendEmail, …) and the `cloudflare:test` / `cloudflare:workers` modules for the whole
 * typecheck, as stack.md §3 sets them (the same as listing both in tsconfig `types`), plus
 * the bindings the Workers tests see through `env` from `cloudflare:workers`: wrangler.toml's, plus what
 * vitest.workers.config.ts adds (test secrets, migrations, extra databases, a restricted mail binding).
 */
import type { D1Migration } from 'cloudflare:test'

declare global {
  namespace Cloudflare {
    /** Types `exports.default` from `cloudflare:workers` as the Worker's default export. */
    interface GlobalProps {
      mainModule: typeof import('../../src/adapter/workers/index.js')
    }
    interface Env {
      DB: D1Database
      EMAIL: SendEmail
      JOBS: Queue
      RESTRICTED_EMAIL: SendEmail
      MIGRATE_EMPTY: D1Database
      MIGRATE_SEEDED: D1Database
      NO_SCHEMA: D1Database
      TEST_MIGRATIONS: D1Migration[]
      PATROL_ADMIN_TOKENS: string
      GITHUB_WEBHOOK_SECRET: string
      AZURE_DEVOPS_WEBHOOK_PASSWORD: string
      PATROL_SEALING_KEY: string
      PATROL_FINGERPRINT_KEY: string
      LOG_LEVEL: string
      MAIL_FROM: string
    }
  }
}
