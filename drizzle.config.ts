import { defineConfig } from 'drizzle-kit'

// `out` is also wrangler's D1 `migrations_dir`: one folder for both runtimes (stack.md §3).
export default defineConfig({
  dialect: 'sqlite',
  schema: './src/db/schema.ts',
  out: './migrations',
})
