// globalSetup of the `suites` project: provide the run plan to every suite.
// Run by the CLI: the CLI has deployed the probes already and names the plan in $NETCONFORM_PLAN.
// Run directly (`npx vitest run --project suites`): deploy here, once, and tear down at the end;
// flags come from $NETCONFORM_KUBECONFIG, $NETCONFORM_CONTEXT, $NETCONFORM_SHORT, $NETCONFORM_ONLY.
import type { TestProject } from 'vitest/node';
import type { RunState } from '../helpers/lifecycle.ts';
import { PLAN_ENV, readPlan, type RunPlan } from '../helpers/plan.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    plan: RunPlan;
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | void> {
  const planFile = process.env[PLAN_ENV];
  if (planFile) {
    project.provide('plan', readPlan(planFile));
    return;
  }
  // Imported only here: under the CLI this process never loads the client library (~70 MB).
  const { Kube, loadKubeConfig } = await import('../helpers/kube/index.ts');
  const { setUpRun, tearDownRun } = await import('../helpers/lifecycle.ts');
  const { loadSuiteModules } = await import('../helpers/check/modules.ts');
  const target = { kubeconfig: process.env.NETCONFORM_KUBECONFIG, context: process.env.NETCONFORM_CONTEXT };
  const kube = new Kube(loadKubeConfig(target));
  const runId = Math.random().toString(16).slice(2, 8);
  const state: RunState = { phases: {} };
  try {
    const topology = await setUpRun(kube, {
      runId, namespace: `netconform-${runId}`, readyTimeoutMs: 120_000, concurrency: 8, modules: await loadSuiteModules(),
      onProgress: (m) => process.stderr.write(`${m}\n`),
    }, state);
    project.provide('plan', {
      topology,
      selection: { short: process.env.NETCONFORM_SHORT === '1', only: process.env.NETCONFORM_ONLY ? [process.env.NETCONFORM_ONLY] : [] },
      kube: target, concurrency: 8, attempts: 2,
    });
  } catch (err) {
    await tearDownRun(kube, state, { keep: false });
    throw err;
  }
  return () => tearDownRun(kube, state, { keep: process.env.NETCONFORM_KEEP === '1' });
}
