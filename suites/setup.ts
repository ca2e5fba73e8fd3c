// globalSetup of the suites (suites/vitest.config.ts): provide the API server transport (the
// probes' exec streams ride on it) and the names of the CLI thread's channels to every suite
// worker, in memory; each suite file then asks for its own plan (helpers/plan-channel.ts).
// Run by the CLI: the CLI starts vitest while the probes start and hands over the transport and
// the channels at once, in memory (vitest runs in the CLI's process); taken here once.
// Run directly (`npx vitest run --config suites/vitest.config.ts`): deploy here, once, and tear
// down at the end; flags come from $NETCONFORM_KUBECONFIG, $NETCONFORM_CONTEXT,
// $NETCONFORM_SHORT, $NETCONFORM_ONLY.
import type { TestProject } from 'vitest/node';
import type { RunState } from '../helpers/lifecycle.ts';
import { takeOfferedHandover, serializeControlTransport, type SerializedControlTransport } from '../helpers/plan.ts';
import { servePlans } from '../helpers/plan-channel.ts';
import { serveCredentials } from '../helpers/credential-channel.ts';
import { serveStreams } from '../helpers/probes/stream-broker.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Where each suite file asks for its suite's plan (helpers/plan-channel.ts). */
    planChannel: string;
    /** Absent only when a hand-over carries none: suites then resolve it from the plan's kubeconfig. */
    control?: SerializedControlTransport;
    /** Where the workers ask for fresh credentials (helpers/credential-channel.ts). */
    credentialChannel?: string;
    /** Where the workers send their commands for the probes: the run's one exec stream per probe (helpers/probes/stream-broker.ts). */
    streamChannel?: string;
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | void> {
  const offered = takeOfferedHandover();
  if (offered) {
    const handover = await offered;
    project.provide('planChannel', handover.planChannel);
    if (handover.control) project.provide('control', handover.control);
    if (handover.credentialChannel) project.provide('credentialChannel', handover.credentialChannel);
    if (handover.streamChannel) project.provide('streamChannel', handover.streamChannel);
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
  const selection = { short: process.env.NETCONFORM_SHORT === '1', only: process.env.NETCONFORM_ONLY ? [process.env.NETCONFORM_ONLY] : [] };
  // Every suite's plan at once: here the whole setup is done before the workers start.
  const plans = servePlans();
  try {
    const topology = await setUpRun(
      kube,
      {
        runId,
        namespace: `netconform-${runId}`,
        readyTimeoutMs: 120_000,
        concurrency: 8,
        modules: await loadSuiteModules(),
        selection,
        onProgress: (m) => process.stderr.write(`${m}\n`),
      },
      state,
    );
    const plan = { topology, selection, kube: target, concurrency: 8, attempts: 2 };
    for (const m of await loadSuiteModules()) plans.offer(m.name, plan);
    project.provide('planChannel', plans.name);
    project.provide('control', serializeControlTransport(await kube.controlTransport()));
  } catch (err) {
    plans.close();
    await tearDownRun(kube, state, { keep: false });
    throw err;
  }
  const served = serveCredentials(kube.credentials);
  project.provide('credentialChannel', served.name);
  const commands = state.streams ? serveStreams(state.streams) : undefined;
  if (commands) project.provide('streamChannel', commands.name);
  return async () => {
    plans.close();
    served.close();
    commands?.close();
    await tearDownRun(kube, state, { keep: process.env.NETCONFORM_KEEP === '1' });
  };
}
