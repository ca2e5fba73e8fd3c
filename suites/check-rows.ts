// Shared by the suite files: turn rows into vitest tests. Each test runs its row's probe,
// leaves the structured CheckResult on task.meta (the collector reporter gathers them) and
// asserts the outcome, so vitest's own view agrees with the reports.
import { afterAll, beforeAll, inject, test } from 'vitest';
import { ControlClient } from '../helpers/http.ts';
import type { ControlTransport } from '../helpers/kube.ts';
import { evaluateStaticRow, runCheck, unreachableControlResult } from '../helpers/probe.ts';
import type { CheckResult } from '../helpers/results.ts';
import type { Row } from '../helpers/rows.ts';
import type { RunPlan } from '../helpers/plan.ts';
import { NO_CHECKS_TITLE } from '../helpers/cli/suites.ts';

declare module 'vitest' {
  interface TaskMeta {
    result?: CheckResult;
    /** On a suite file: the API requests its checks sent (pod proxy, exec), for the run's counters. */
    apiRequests?: number;
  }
}

let control: Promise<ControlClient> | undefined;
let controlMade: ControlClient | undefined;

/**
 * The pod-proxy transport: provided by the globalSetup (handed over by the CLI through a pipe,
 * never an environment variable), or — when nothing provided it — resolved here from the
 * plan's kubeconfig target, loading the client library.
 */
export async function controlTransport(plan: RunPlan): Promise<ControlTransport> {
  const handed = inject('control');
  if (handed) return handed;
  const { Kube, loadKubeConfig } = await import('../helpers/kube.ts');
  return new Kube(loadKubeConfig(plan.kube)).controlTransport();
}

/** One pod-proxy client per worker, built lazily. */
function controlClient(plan: RunPlan): Promise<ControlClient> {
  control ??= controlTransport(plan).then((t) => (controlMade = new ControlClient(t, { concurrency: plan.concurrency })));
  return control;
}

/**
 * Report the API requests this suite file's checks send: `sent()` reads the clients' running
 * totals (they may be shared with other files of the same worker, which run one after the
 * other), and the difference over the file goes on the meta of the suite the hooks belong to, for the
 * collector.
 */
export function countApiRequests(sent: () => number): void {
  let before = 0;
  beforeAll(() => {
    before = sent();
  });
  // vitest requires a destructuring pattern as a hook's first (fixtures) argument.
  afterAll(({}, suite) => {
    suite.meta.apiRequests = sent() - before;
  });
}

export function planFromSetup(): RunPlan {
  return inject('plan');
}

export function checkRows(rows: Row[], plan: RunPlan): void {
  if (rows.length === 0) {
    test.skip(NO_CHECKS_TITLE, () => undefined);
    return;
  }
  countApiRequests(() => controlMade?.requests ?? 0);
  const controlProblems = new Map(plan.topology.probes.filter((p) => p.controlProblem).map((p) => [p.name, p.controlProblem!]));
  // A plain loop rather than test.for: test.for's "$title" formatting quotes and truncates.
  for (const row of rows) {
    test.concurrent(row.title, async ({ task, skip }) => {
      const unreachable = row.kind === 'check' ? controlProblems.get(row.control.pod) : undefined;
      const result = row.kind !== 'check'
        ? evaluateStaticRow(row)
        : unreachable
          ? unreachableControlResult(row, unreachable)
          : await runCheck(row, { control: await controlClient(plan), namespace: plan.topology.namespace, attempts: plan.attempts });
      task.meta.result = result;
      if (result.outcome === 'skipped') skip(result.reason);
      if (result.outcome === 'error') throw new Error(result.reason ?? result.detail);
      if (result.outcome === 'failed') throw new Error(result.detail);
    });
  }
}
