import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Two cores: keep parallelism modest. Each API test file gets its own database.
    maxWorkers: 2,
    env: { TZ: 'UTC' },
    projects: [
      { test: { name: 'core', include: ['packages/core/src/**/*.test.ts'] } },
      { test: { name: 'web', include: ['apps/web/src/**/*.test.ts'] } },
      {
        test: {
          name: 'server',
          include: ['apps/server/src/**/*.test.ts', 'apps/server/test/**/*.test.ts'],
          globalSetup: ['apps/server/test/global-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
