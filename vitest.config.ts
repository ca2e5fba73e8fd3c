// Projects: the tool's own tests (unit, lab, lab-down, e2e) and the live-cluster suites.
// `suites` is what the CLI runs (in a child process, with its plan in $NETCONFORM_PLAN).
import { defineConfig } from 'vitest/config';

const concurrency = Number(process.env.NETCONFORM_CONCURRENCY ?? 32);

export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      { test: { name: 'lab', include: ['test/lab/**/*.test.ts'], testTimeout: 600_000, hookTimeout: 900_000, fileParallelism: false } },
      { test: { name: 'lab-down', include: ['test/lab-down/**/*.test.ts'], testTimeout: 600_000, hookTimeout: 600_000, fileParallelism: false } },
      { test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], testTimeout: 600_000, hookTimeout: 600_000, fileParallelism: false } },
      {
        test: {
          name: 'suites',
          include: ['suites/**/*.test.ts'],
          globalSetup: ['suites/setup.ts'],
          // Worker threads, not forked processes: one process for all suite files saves
          // ~200 MB of resident memory per run (measured by `npm run bench`), at equal speed.
          pool: 'threads',
          maxConcurrency: concurrency,
          testTimeout: 180_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
