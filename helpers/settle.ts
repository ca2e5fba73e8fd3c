// The modules' settle hooks, after the probes passed the preflight: side by side, each module's
// plan announced as soon as it is final, so its checks start while other modules still settle
// (the CLI hands each suite file its plan: plan-channel.ts). Used by lifecycle.ts's setUpRun.
import { settledValue } from './errors.ts';
import type { Kube } from './kube/index.ts';
import type { Deployment } from './probes/deploy.ts';
import type { ProbeStreams } from './probes/stream.ts';
import type { SuiteModule, SuiteOptions } from './check/suite.ts';
import type { Topology } from './topology.ts';

/**
 * Every deployed module's settle, side by side; a module's plan is announced (onReady) as soon as
 * its settle and those of the modules it reads (`after`) are done, and a module without a settle
 * (or not deployed) at once. Every settle is let finish before a failure is thrown: what one
 * registers for teardown after another failed (a server it started) is then known to
 * tearDownRun, which runs it.
 */
export async function settleModules(
  kube: Kube,
  options: { modules: readonly SuiteModule[]; onProgress?: (message: string) => void; onReady?: (module: string, topology: Topology) => void },
  x: {
    topology: Topology;
    deployment: Deployment;
    streams: ProbeStreams;
    plans: Record<string, unknown>;
    deploys: (m: SuiteModule) => boolean;
    suite: SuiteOptions;
    state: { releases?: Array<() => Promise<void>> };
  },
): Promise<void> {
  const progress = options.onProgress ?? (() => undefined);
  const done = new Map<string, Promise<unknown>>();
  const settle = async (m: SuiteModule) => {
    const onTeardown = (release: () => Promise<void>) => void (x.state.releases ??= []).push(release);
    if (!x.deploys(m)) return;
    if (m.settle)
      x.plans[m.name] = await m.settle({ kube, nodes: x.topology.nodes, options: x.suite, deployment: x.deployment, topology: x.topology, onTeardown, streams: x.streams }, x.plans[m.name]);
    if (m.describe) progress(`${m.name}: ${m.describe(x.plans[m.name])}`);
  };
  for (const m of options.modules) done.set(m.name, settle(m));
  const settled = await Promise.allSettled(
    options.modules.map(async (m) => {
      await done.get(m.name);
      // A module announced while another it reads failed to settle would check against a plan that is not final.
      for (const name of m.after ?? []) await done.get(name);
      options.onReady?.(m.name, x.topology);
    }),
  );
  for (const s of settled) settledValue(s);
}
