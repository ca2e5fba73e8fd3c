// A vitest reporter, handed to the in-process vitest by the CLI (helpers/cli/suites.ts): gathers
// each test's CheckResult (left on task.meta by the suite) into `output` when the run ends,
// times each suite, and prints a line of progress now and then.
import type { SerializedError } from 'vitest';
import type { Reporter, TestCase, TestModule } from 'vitest/node';
import type { SuiteOutput } from '../plan.ts';
import { NO_CHECKS_TITLE } from '../check/select.ts';
import { suiteOfTestFile } from '../check/file-order.ts';
import type { CheckResult, SuiteName } from '../check/types.ts';
import { Progress, colorEnabled, factsOf, liveProgress, painter } from '../tty.ts';

/** Plain output (CI logs, pipes): a line every 2 s. On a terminal the one line updates at most every 100 ms. */
const PROGRESS_EVERY_MS = 2_000;
const LIVE_EVERY_MS = 100;

function suiteOf(moduleId: string): SuiteName {
  return suiteOfTestFile(moduleId) as SuiteName;
}

/** API requests a suite file's checks sent, as its hooks left them on the file's or its suites' meta (suites/check-rows.ts). */
function apiRequestsOf(module: TestModule, key: 'apiRequests' | 'execStreams' = 'apiRequests'): number {
  let n = (module.meta() as Record<string, number | undefined>)[key] ?? 0;
  for (const suite of module.children.allSuites()) n += (suite.meta() as Record<string, number | undefined>)[key] ?? 0;
  return n;
}

/** A test that ended without leaving a result (it crashed): an error row, never a silent pass. */
function resultOf(test: TestCase, suite: SuiteName): CheckResult {
  const meta = test.meta() as { result?: CheckResult };
  if (meta.result) return meta.result;
  const errors =
    test
      .result()
      .errors?.map((e) => e.message)
      .join('; ') || `test ended ${test.result().state} without a result`;
  return { kind: 'static', suite, name: test.name, status: 'not-run', outcome: 'error', detail: errors, reason: errors };
}

export class Collector implements Reporter {
  /** Set when the run ends (onTestRunEnd); absent if vitest stopped before that. */
  output?: SuiteOutput;
  private readonly started = new Map<string, number>();
  private readonly phases: Record<string, number> = {};
  private firstStart?: number;
  private lastEnd?: number;
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
    this.firstStart ??= Date.now();
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
    this.lastEnd = Date.now();
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>): void {
    const results: CheckResult[] = [];
    let controlRequests = 0;
    let execStreams = 0;
    const errors = unhandledErrors.map((e) => e.message);
    for (const module of modules) {
      const suite = suiteOf(module.moduleId);
      controlRequests += apiRequestsOf(module);
      execStreams += apiRequestsOf(module, 'execStreams');
      for (const e of module.errors()) errors.push(`${suite}: ${e.message}`);
      // A failed hook of a describe block lands on that suite, not on the module or a test.
      for (const s of module.children.allSuites()) for (const e of s.errors()) errors.push(`${suite} > ${s.name}: ${e.message}`);
      for (const test of module.children.allTests()) {
        // A suite with no selected rows registers one skipped placeholder: not a check.
        if (test.name === NO_CHECKS_TITLE && !(test.meta() as { result?: CheckResult }).result) continue;
        results.push(resultOf(test, suite));
      }
    }
    this.progress.suspend();
    process.stderr.write(`${this.counts()}\n`);
    const span = this.firstStart !== undefined && this.lastEnd !== undefined ? { firstStart: this.firstStart, lastEnd: this.lastEnd } : undefined;
    this.output = { results, phases: this.phases, errors, controlRequests, execStreams, ...(span ? { span } : {}) };
  }
}
