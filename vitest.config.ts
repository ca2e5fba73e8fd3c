// The tool's own tests: unit, lab, lab-down and e2e projects. The live-cluster suites the CLI
// runs have their own config (suites/vitest.config.ts), so no setting is shared by accident.
import { defineConfig } from 'vitest/config';

// A failed e2e assertion shows every row it compared (CI prints the failure message, not the diff).
const chaiConfig = { truncateThreshold: 0 };

export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      { test: { name: 'lab', include: ['test/lab/**/*.test.ts'], testTimeout: 600_000, hookTimeout: 900_000, fileParallelism: false, chaiConfig } },
      { test: { name: 'lab-down', include: ['test/lab-down/**/*.test.ts'], testTimeout: 600_000, hookTimeout: 600_000, fileParallelism: false, chaiConfig } },
      { test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], testTimeout: 600_000, hookTimeout: 600_000, fileParallelism: false, chaiConfig } },
    ],
  },
});
