// A vitest reporter, loaded in the vitest child process (`--reporter <this file>`): gathers
// each test's CheckResult (left on task.meta by the suite) into the file named by
// $NETCONFORM_RESULTS, times each suite, and prints a line of progress now and then.
import fs from 'node:fs';
import path from 'node:path';
import type { SerializedError } from 'vitest';
import type { Reporter, TestCase, TestModule } from 'vitest/node';
import { RESULTS_ENV, type SuiteOutput } from '../plan.ts';
import { NO_CHECKS_TITLE } from './suites.ts';
import type { CheckResult, SuiteName } from '../results.ts';
import { Progress, colorEnabled, factsOf, liveProgress, painter } from '../tty.ts';

/** Plain output (CI logs, pipes): a line every 2 s. On a terminal the one line updates at most every 100 ms. */
const PROGRESS_EVERY_MS = 2_000;
const LIVE_EVERY_MS = 100;

function suiteOf(moduleId: string): SuiteName {
  return path.basename(moduleId).replace(/\.test\.ts$/, '') as SuiteName;
}

/** A test that ended without leaving a result (it crashed): an error row, never a silent pass. */
function resultOf(test: TestCase, suite: SuiteName): CheckResult {
  const meta = test.meta() as { result?: CheckResult };
  if (meta.result) return meta.result;
  const errors = test.result().errors?.map((e) => e.message).join('; ') || `test ended ${test.result().state} without a result`;
  return {
    suite, name: test.name, from: { node: '', ip: '', kind: 'pod' }, to: { node: '', ip: '', kind: 'pod' },
    port: 0, protocol: 'tcp', expect: 'REACHABLE', observed: 'CONTROL_ERROR', outcome: 'error',
    detail: errors, reason: errors, attempts: 0, latencyMs: test.diagnostic()?.duration ?? 0,
  };
}

export default class Collector implements Reporter {
  private readonly started = new Map<string, number>();
  private readonly phases: Record<string, number> = {};
  private done = 0;
  private failed = 0;
  private total = 0;
  private lastPrint = 0;
  private readonly paint = painter(colorEnabled(factsOf(process.stderr)));
  private readonly progress = new Progress(process.stderr, { live: liveProgress(factsOf(process.stderr)), paint: this.paint });

  private counts(): string {
    const failed = `${this.failed} not passed`;
    return `checks: ${this.done}/${this.total} done, ${this.failed > 0 ? this.paint(failed, 'red') : failed}`;
  }

  onTestModuleCollected(module: TestModule): void {
    this.total += [...module.children.allTests()].length;
  }

  onTestModuleStart(module: TestModule): void {
    this.started.set(module.moduleId, performance.now());
  }

  onTestCaseResult(test: TestCase): void {
    this.done++;
    if (test.result().state === 'failed') this.failed++;
    const now = performance.now();
    if (now - this.lastPrint >= (this.progress.live ? LIVE_EVERY_MS : PROGRESS_EVERY_MS)) {
      this.lastPrint = now;
      this.progress.status(this.counts());
    }
  }

  onTestModuleEnd(module: TestModule): void {
    const started = this.started.get(module.moduleId);
    if (started !== undefined) this.phases[suiteOf(module.moduleId)] = Math.round(performance.now() - started);
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>): void {
    const results: CheckResult[] = [];
    const errors = unhandledErrors.map((e) => e.message);
    for (const module of modules) {
      const suite = suiteOf(module.moduleId);
      for (const e of module.errors()) errors.push(`${suite}: ${e.message}`);
      for (const test of module.children.allTests()) {
        // A suite with no selected rows registers one skipped placeholder: not a check.
        if (test.name === NO_CHECKS_TITLE && !(test.meta() as { result?: CheckResult }).result) continue;
        results.push(resultOf(test, suite));
      }
    }
    this.progress.suspend();
    process.stderr.write(`${this.counts()}\n`);
    const output: SuiteOutput = { results, phases: this.phases, errors, controlRequests: results.reduce((n, r) => n + r.attempts, 0) };
    const file = process.env[RESULTS_ENV];
    if (file) fs.writeFileSync(file, JSON.stringify(output));
  }
}
