// Shared by the suite files: turn rows into vitest tests. Each test runs its row's probe,
// leaves the structured CheckResult on task.meta (the collector reporter gathers them) and
// asserts the outcome, so vitest's own view agrees with the reports.
import { inject, test } from 'vitest';
import { ControlClient } from '../helpers/http.ts';
import type { ControlTransport } from '../helpers/kube/index.ts';
import { evaluateStaticRow, runCheck, unreachableControlResult } from '../helpers/probe.ts';
import type { CheckResult } from '../helpers/results.ts';
import type { Row } from '../helpers/rows.ts';
import { CONTROL_ENV, decodeControlTransport, type RunPlan } from '../helpers/plan.ts';
import { NO_CHECKS_TITLE } from '../helpers/cli/suites.ts';

declare module 'vitest' {
  interface TaskMeta {
    result?: CheckResult;
  }
}

let control: Promise<ControlClient> | undefined;

/**
 * The pod-proxy transport: handed over by the CLI in $NETCONFORM_CONTROL, or (vitest run
 * directly) resolved here from the plan's kubeconfig target, loading the client library.
 */
export async function controlTransport(plan: RunPlan): Promise<ControlTransport> {
  const handed = process.env[CONTROL_ENV];
  if (handed) return decodeControlTransport(handed);
  const { Kube, loadKubeConfig } = await import('../helpers/kube/index.ts');
  return new Kube(loadKubeConfig(plan.kube)).controlTransport();
}

/** One pod-proxy client per worker, built lazily. */
function controlClient(plan: RunPlan): Promise<ControlClient> {
  control ??= controlTransport(plan).then((t) => new ControlClient(t, { concurrency: plan.concurrency }));
  return control;
}

export function planFromSetup(): RunPlan {
  return inject('plan');
}

export function checkRows(rows: Row[], plan: RunPlan): void {
  if (rows.length === 0) {
    test.skip(NO_CHECKS_TITLE, () => undefined);
    return;
  }
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
