import { configDefaults, defineConfig } from 'vitest/config'

// Two projects in one `npx vitest run`: the Node suite, and the Workers suite inside workerd
// (vitest.workers.config.ts).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, 'test/workers/**'],
          pool: 'forks',
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      './vitest.workers.config.ts',
    ],
  },
})
