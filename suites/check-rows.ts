// The vitest glue every suite file uses: a suite module's rows become tests. Each test runs its
// row through the one check runner (helpers/check/run.ts), leaves the CheckResult on task.meta
// (the collector reporter gathers them) and asserts the outcome, so vitest's own view agrees
// with the reports. No suite file talks to the API itself.
import { describe, inject, test } from 'vitest';
import { runCheck, type RunContext } from '../helpers/check/run.ts';
import { NO_CHECKS_TITLE, rowsOf } from '../helpers/check/select.ts';
import type { SuiteModule } from '../helpers/check/suite.ts';
import type { CheckResult } from '../helpers/check/types.ts';
import { ControlClient } from '../helpers/http.ts';
import type { ControlTransport, Kube } from '../helpers/kube.ts';
import { CONTROL_ENV, decodeControlTransport, type RunPlan } from '../helpers/plan.ts';

declare module 'vitest' {
  interface TaskMeta {
    result?: CheckResult;
  }
}

/**
 * The pod-proxy transport: handed over by the CLI in $NETCONFORM_CONTROL, or (vitest run
 * directly) resolved here from the plan's kubeconfig target, loading the client library.
 */
export async function controlTransport(plan: RunPlan): Promise<ControlTransport> {
  const handed = process.env[CONTROL_ENV];
  if (handed) return decodeControlTransport(handed);
  const { Kube, loadKubeConfig } = await import('../helpers/kube.ts');
  return new Kube(loadKubeConfig(plan.kube)).controlTransport();
}

function once<T>(make: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => (value ??= make());
}

/** One pod-proxy client and (only where a driver execs) one API client per worker, built lazily. */
function runContext(plan: RunPlan): RunContext {
  return {
    namespace: plan.topology.namespace,
    attempts: plan.attempts,
    probes: plan.topology.probes,
    podPort: plan.topology.ports.http,
    samples: plan.samples,
    maxLossPct: plan.maxLossPct,
    kubectl: plan.kube,
    control: once(async () => new ControlClient(await controlTransport(plan), { concurrency: plan.concurrency })),
    kube: once(async (): Promise<Kube> => {
      const { Kube, loadKubeConfig } = await import('../helpers/kube.ts');
      return new Kube(loadKubeConfig(plan.kube));
    }),
  };
}

export function suiteTests(module: SuiteModule): void {
  const plan = inject('plan') as RunPlan;
  const rows = rowsOf(module, plan.topology, plan.selection);
  const ctx = runContext(plan);
  describe(module.name, () => {
    if (rows.length === 0) {
      test.skip(NO_CHECKS_TITLE, () => undefined);
      return;
    }
    // A plain loop rather than test.for: test.for's "$title" formatting quotes and truncates.
    for (const row of rows) {
      test.concurrent(row.title, async ({ task, skip }) => {
        const result = await runCheck(row, ctx);
        task.meta.result = result;
        if (result.outcome === 'skipped') skip(result.reason);
        if (result.outcome === 'error') throw new Error(result.reason ?? result.detail);
        if (result.outcome === 'failed') throw new Error(result.detail);
      });
    }
  });
}
