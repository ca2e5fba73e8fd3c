// One run's setup and teardown, in order: preflight → nodes → namespace → probes → ready →
// topology. Used by the CLI and by suites/setup.ts (when the suites are run by vitest directly).
// Records phase times; stops at the next step when `signal` aborts; never leaves what it made.
import { checkControlPaths } from './control-preflight.ts';
import { SetupError } from './errors.ts';
import { ControlClient } from './http.ts';
import { createProbes, discoverNodes, prepareNamespace, readClusterFacts, teardown, waitForEndpoints, waitForProbes, type Deployment } from './deploy.ts';
import { deployExtraSuites, describeNodePort, describePortsPlan, prepareExtraSuites, type ExtraSuitesOptions } from './extra-suites.ts';
import type { Kube } from './kube/index.ts';
import { probeImage } from './manifests.ts';
import { DEFAULT_PODS_PER_NODE, DEFAULT_PORTS, explainUnschedulable, type ProbePorts, type Topology } from './topology.ts';

export interface SetupOptions {
  runId: string;
  namespace: string;
  image?: string;
  registry?: string;
  imagePullSecret?: string;
  nodeSelector?: Record<string, string>;
  hostPort?: number;
  readyTimeoutMs: number;
  concurrency: number;
  /** Pod-network probes per node (--pods-per-node, default 2). */
  podsPerNode?: number;
  signal?: AbortSignal;
  onProgress?: (message: string) => void;
  /** nodeport and ports suites: --profile, --node-address-type, --cni (helpers/extra-suites.ts). */
  extraSuites?: ExtraSuitesOptions;
}

export interface RunState {
  /** Set as soon as anything was created: what teardown deletes. */
  deployment?: Deployment;
  topology?: Topology;
  kubernetesVersion?: string;
  phases: Record<string, number>;
}

export function portsFor(hostPort?: number): ProbePorts {
  return hostPort ? { ...DEFAULT_PORTS, hostHttp: hostPort, hostUdp: hostPort + 1 } : DEFAULT_PORTS;
}

async function timed<T>(state: RunState, phase: string, fn: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await fn();
  } finally {
    state.phases[phase] = Math.round((state.phases[phase] ?? 0) + performance.now() - started);
  }
}

function checkAborted(signal?: AbortSignal) {
  if (signal?.aborted) throw new SetupError('interrupted');
}

/** Fills `state` as it goes, so a caller that catches can still tear down what was made. */
export async function setUpRun(kube: Kube, options: SetupOptions, state: RunState): Promise<Topology> {
  const progress = options.onProgress ?? (() => undefined);
  const ports = portsFor(options.hostPort);
  state.kubernetesVersion = await kube.serverVersion();
  const nodes = await discoverNodes(kube, { nodeSelector: options.nodeSelector });
  checkAborted(options.signal);
  const probed = nodes.filter((n) => !n.skipReason);
  progress(`cluster ${kube.access.server} (${state.kubernetesVersion}): probing ${probed.length} of ${nodes.length} nodes`);
  // ports suite (issue 4): profile, CNI, API server port — read before deploying; a bad profile stops here.
  const portsPlan = await prepareExtraSuites(kube, nodes, { ...options.extraSuites, image: probeImage(options), imagePullSecret: options.imagePullSecret });
  progress(`ports: ${describePortsPlan(portsPlan)}`);
  let nodePortSetup: ReturnType<typeof deployExtraSuites> | undefined;

  await timed(state, 'deploy', async () => {
    const deployment = await prepareNamespace(kube, { runId: options.runId, namespace: options.namespace });
    state.deployment = deployment;
    checkAborted(options.signal);
    progress(`namespace ${deployment.namespace}${deployment.createdNamespace ? ' created' : ' (existing, empty)'}; creating ${probed.length * ((options.podsPerNode ?? DEFAULT_PODS_PER_NODE) + 1)} probe pods`);
    await createProbes(kube, deployment, nodes, {
      runId: options.runId, image: probeImage(options), imagePullSecret: options.imagePullSecret,
      ports, concurrency: options.concurrency, podsPerNode: options.podsPerNode, signal: options.signal,
    });
    // nodeport suite (issue 4): its backend and Services, created now, awaited with the probes.
    if (!options.signal?.aborted) {
      nodePortSetup = deployExtraSuites(kube, deployment, nodes, { ...options.extraSuites, runId: options.runId, image: probeImage(options), imagePullSecret: options.imagePullSecret, readyTimeoutMs: options.readyTimeoutMs, signal: options.signal });
      // Awaited later; a handler now keeps an early rejection from crashing the process as unhandled.
      nodePortSetup.catch(() => undefined);
    }
  });
  checkAborted(options.signal);

  const deployment = state.deployment!;
  const topology = await timed(state, 'wait-ready', async () => {
    const probes = await waitForProbes(kube, deployment, { timeoutMs: options.readyTimeoutMs, onProgress: progress, signal: options.signal });
    explainUnschedulable(probes, nodes);
    checkAborted(options.signal);
    const ready = probes.filter((p) => p.ready && p.role !== 'host');
    if (probes.every((p) => !p.ready)) {
      const reasons = [...new Set(probes.map((p) => p.problem))].slice(0, 5).join('; ');
      throw new SetupError(`no probe pod became ready in namespace ${deployment.namespace}: ${reasons}. Image: ${probeImage(options)} (use --image/--registry/--image-pull-secret for private registries).`);
    }
    const services = await kube.listServices(deployment.namespace);
    // The probes Service is the first one created (the nodeport suite's come after it).
    const svc = services.find((s) => s.metadata?.name === deployment.createdServices[0]);
    try {
      if (svc) await waitForEndpoints(kube, deployment, { service: svc.metadata!.name!, expected: ready.length, timeoutMs: 30_000, signal: options.signal });
    } catch (err) {
      progress(`warning: ${(err as Error).message}; Service checks may fail`);
    }
    const facts = await readClusterFacts(kube);
    const nodePort = await nodePortSetup;
    if (nodePort) progress(`nodeport: ${describeNodePort(nodePort)}`);
    const built: Topology = {
      runId: options.runId,
      namespace: deployment.namespace,
      server: kube.access.server,
      kubernetesVersion: state.kubernetesVersion,
      nodes,
      probes,
      ports,
      ...(svc?.spec?.clusterIP ? { probeService: { name: svc.metadata!.name!, clusterIP: svc.spec.clusterIP, port: svc.spec.ports?.[0]?.port ?? 80 } } : {}),
      ...facts,
      portsPlan,
      ...(nodePort ? { nodePort } : {}),
    };
    await preflightControl(kube, built, { concurrency: options.concurrency, signal: options.signal, onProgress: progress });
    return built;
  });
  state.topology = topology;
  return topology;
}

/** Mark the probes the API server's pod proxy cannot reach (helpers/control-preflight.ts), and say so. */
async function preflightControl(kube: Kube, topology: Topology, options: { concurrency: number; signal?: AbortSignal; onProgress: (m: string) => void }): Promise<void> {
  const control = new ControlClient(await kube.controlTransport(), { concurrency: options.concurrency });
  try {
    const unreachable = await checkControlPaths(control, topology, options);
    if (unreachable.length) options.onProgress(`warning: the API server cannot reach ${unreachable.length} probe(s) through its pod proxy (${unreachable.map((p) => p.name).join(', ')}); their checks are reported as errors without running`);
  } finally {
    kube.requests += control.requests;
    await control.close();
  }
}

/** Delete what the run made (unless kept); records the cleanup phase. */
export async function tearDownRun(kube: Kube, state: RunState, options: { keep: boolean; timeoutMs?: number; onProgress?: (m: string) => void }): Promise<void> {
  const deployment = state.deployment;
  if (!deployment) return;
  if (options.keep) {
    options.onProgress?.(`--keep: leaving namespace ${deployment.namespace} (run id ${deployment.runId}); remove it with: kube-netconform cleanup`);
    return;
  }
  await timed(state, 'cleanup', () => teardown(kube, deployment, { timeoutMs: options.timeoutMs ?? 60_000 }));
}
