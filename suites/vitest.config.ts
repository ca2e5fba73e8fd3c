// The product's vitest config: what `kube-netconform run` starts in its own process and `list`
// in a child (helpers/cli/suites.ts) — only the suite files of this code tree, their globalSetup, worker
// threads. Shipped compiled (dist/suites/vitest.config.js, loaded natively) or run from the
// sources; the tool's own tests have their own config (../vitest.config.ts), nothing shared.
// Run directly, deploying its own probes: `npx vitest run --config suites/vitest.config.ts`.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ViteUserConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { longestFirst } from '../helpers/check/file-order.ts';

const self = fileURLToPath(import.meta.url);
const suitesDir = path.dirname(self);
const ext = path.extname(self); // .ts (sources) or .js (compiled): the suite files beside it
const concurrency = Number(process.env.NETCONFORM_CONCURRENCY ?? 32);
// The suites whose checks take the longest (their modules' `startsFirst`, passed by the CLI as
// NETCONFORM_START_FIRST, read when the files are ordered): the workers take files in this
// order, one after another each.
class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const startFirst = (process.env.NETCONFORM_START_FIRST ?? '').split(',').filter(Boolean);
    return longestFirst(await super.sort(files), (f) => f.moduleId, startFirst);
  }
}

const config: ViteUserConfig = {
  root: path.dirname(suitesDir),
  test: {
    include: [`suites/**/*.test${ext}`],
    // Installed, this tree sits under node_modules/: vitest's default exclude would drop it.
    exclude: [],
    globalSetup: [path.join(suitesDir, `setup${ext}`)],
    // Worker threads, not forked processes: one process for all suite files (measured by `npm run bench`).
    pool: 'threads',
    // A worker runs its suite files one after the other in one module graph instead of a fresh
    // thread per file: the helpers load once per worker (about 1 s of CPU less per run). Each
    // run is its own vitest process, so nothing outlives a run.
    isolate: false,
    maxConcurrency: concurrency,
    sequence: { sequencer: LongestFirst },
    testTimeout: 180_000,
    hookTimeout: 300_000,
    watch: false,
    // Nothing to remember between runs (and an installed package may sit in a read-only folder).
    cache: false,
    // Compiled, the helpers and the suite modules the test files import load as plain Node
    // modules in the workers (as they do from an installed package, which is under
    // node_modules/), not through vite's transform pipeline in the CLI's thread; only the test
    // files themselves go through vitest's module runner.
    server: { deps: { external: ext === '.js' ? [/\/helpers\//, /\/suites\/(?![^/]*\.test\.js$)[^/]+\.js$/] : [] } },
  },
};

export default config;
