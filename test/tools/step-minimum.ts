// A step of test/run-all.sh must execute at least its minimum number of tests (passed + failed;
// skipped and filtered-out tests do not count), so a broken lab, a file that stopped being
// collected or a filter that matches less cannot pass as a green step with skips (issue 21).
// Usage: node --import tsx test/tools/step-minimum.ts <step> <minimum> <vitest json report>
// Exit 0 when enough ran; 1 with a message naming the step, the minimum and the count otherwise.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** What vitest's json reporter writes that this reads. */
export interface VitestJsonReport {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  testResults?: Array<{ name: string; status: string; message?: string }>;
}

export interface StepCount {
  executed: number;
  skipped: number;
  /** Test files that failed without running a test (an error at import or collection: e.g. requireLab). */
  failedFiles: number;
}

export function countStep(report: VitestJsonReport): StepCount {
  const failedFiles = (report.testResults ?? []).filter((f) => f.status === 'failed' && f.message).length;
  return { executed: report.numPassedTests + report.numFailedTests, skipped: report.numPendingTests + report.numTodoTests, failedFiles };
}

/** undefined when the step ran enough tests; else the message to print. */
export function checkStep(step: string, minimum: number, report: VitestJsonReport | undefined, reportPath = ''): string | undefined {
  if (!report) return `step ${step}: no vitest report${reportPath ? ` at ${reportPath}` : ''} (vitest did not finish?), minimum ${minimum} tests`;
  const c = countStep(report);
  if (c.executed >= minimum) return undefined;
  return (
    `step ${step}: ${c.executed} tests ran (passed + failed), fewer than its minimum ${minimum}` +
    ` (${c.skipped} skipped${c.failedFiles ? `, ${c.failedFiles} test files failed before running a test` : ''}):` +
    ' a lab that is down, a file no longer collected or a narrower filter; if tests were removed on purpose, lower the minimum in test/run-all.sh'
  );
}

function main(argv: string[]): number {
  const [step, min, file] = argv;
  const minimum = Number(min);
  if (!step || !file || !Number.isInteger(minimum) || minimum < 0) {
    console.error('usage: step-minimum.ts <step> <minimum> <vitest json report>');
    return 2;
  }
  let report: VitestJsonReport | undefined;
  try {
    report = JSON.parse(fs.readFileSync(file, 'utf8')) as VitestJsonReport;
  } catch {
    report = undefined;
  }
  const problem = checkStep(step, minimum, report, file);
  if (problem) {
    console.log(problem);
    return 1;
  }
  const c = countStep(report!);
  console.log(`=== ${step}: ${c.executed} tests ran (minimum ${minimum}), ${c.skipped} skipped`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) process.exitCode = main(process.argv.slice(2));
