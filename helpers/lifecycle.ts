// One run's setup and teardown, in order: preflight → nodes → namespace → probes → ready →
// topology. Used by the CLI and by suites/setup.ts (when the suites are run by vitest directly).
// Records phase times; stops at the next step when `signal` aborts; never leaves what it made.
import { preflightProbes, PREFLIGHT_TRY_MS } from './probes/preflight.ts';
import { ProbeStreams } from './probes/stream.ts';
import { messageOf, SetupError, settledValue } from './errors.ts';
import { ControlClient } from './http.ts';
import { createProbes, discoverNodes, prepareNamespace, waitFor, waitForProbes, type Deployment } from './probes/deploy.ts';
import { teardown } from './runs/teardown.ts';
import { freeHostPorts, isHostPortConflict, portsFor } from './probes/host-ports.ts';
import { missingProbes } from './probes/identity.ts';
import { groupProblems } from './setup-problems.ts';
import { stuckNamespaces } from './runs/leftovers.ts';
import { Heartbeat } from './runs/heartbeat.ts';
import type { Kube } from './kube/index.ts';
import { MANAGED_BY, probeImage, ROLE_LABEL, RUN_LABEL } from './probes/manifests.ts';
import type { SuiteModule, SuiteOptions } from './check/suite.ts';
import { deployNeeds, type DeployNeeds } from './check/needs.ts';
import type { Selection } from './check/select.ts';
import { settleModules } from './settle.ts';
import { DEFAULT_PODS_PER_NODE, PROBE_IMAGE_ARCHITECTURES, clusterFamilies, explainUnschedulable, podRoles, probePodName, type NodeInfo, type ProbeRole, type Topology } from './topology.ts';

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
  /** The suite modules of this run (check/modules.ts), in report order. */
  modules: readonly SuiteModule[];
  /**
   * The rows this run checks (--only/--skip/--short/--ip-family): only the modules with a selected
   * row deploy and settle, and the host probes start only when a selected row needs them
   * (check/needs.ts). Without it, everything is deployed.
   */
  selection?: Selection;
  /** Flags the suite modules read (--profile, --node-address-type, --cni). */
  flags?: SuiteOptions['flags'];
  /** Called after every module's prepare, before anything is created (the run checks its selection here). */
  beforeDeploy?: (planned: Topology) => void;
  /**
   * Called once the run's objects are created, as the wait for the probes begins (the CLI loads
   * and creates vitest here, without starting it: that wait is mostly the kubelets' latency).
   */
  afterDeploy?: () => void;
  /**
   * Called once the probes passed the preflight, before the modules settle (the CLI starts
   * vitest here: its workers start while the settles mostly wait, e.g. for kube-proxy), with the
   * run's exec streams (opened by the preflight, used by the checks).
   */
  beforeSettle?: (streams: ProbeStreams) => void;
  /**
   * A module's plan is final (the probes passed the preflight, its settle and those of the
   * modules it reads are done): its checks may start, while other modules still settle.
   */
  onReady?: (module: string, topology: Topology) => void;
}

export interface RunState {
  /** Set as soon as anything was created: what teardown deletes. */
  deployment?: Deployment;
  topology?: Topology;
  kubernetesVersion?: string;
  phases: Record<string, number>;
  /** What the modules started in this process for the run (a server): stopped at teardown, even with --keep. */
  releases?: Array<() => Promise<void>>;
  /** The run's Lease, renewed while it runs (runs/heartbeat.ts): `cleanup` leaves a live run alone. */
  heartbeat?: Heartbeat;
  /** What the selection needs deployed (check/needs.ts); undefined: everything. */
  needs?: DeployNeeds;
  /**
   * The run's exec streams, one per probe: opened by the control preflight, used by the settle
   * hooks and (through the CLI thread, probes/stream-broker.ts) by every check; closed at teardown.
   */
  streams?: ProbeStreams;
}

/** Attempts at placing the host probes when another run took their port between our read and the scheduler. */
const HOST_PORT_ROUNDS = 3;

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

/** The topology a run would build, before anything exists: every probe as if ready, with placeholder IPs. */
export function plannedTopology(
  base: { runId: string; namespace: string; server: string; kubernetesVersion?: string; nodes: NodeInfo[] },
  options: { hostPort?: number; podsPerNode?: number },
  plans: Record<string, unknown>,
): Topology {
  const probed = base.nodes.filter((n) => !n.skipReason);
  const probes = probed.flatMap((n) => {
    // Placeholder pod IPs, one per family of the node's pod CIDRs ('<pod-ip::6>' reads as IPv6).
    const podIPs = [...new Set(n.podCIDRs.map((c) => (c.includes(':') ? '<pod-ip::6>' : '<pod-ip>')))];
    const pod = podIPs.length > 1 ? { ip: podIPs[0]!, ips: podIPs } : { ip: podIPs[0] ?? '<pod-ip>' };
    const hostIPs = n.internalIPs ?? [];
    return [
      ...podRoles(options.podsPerNode).map((role) => ({ role, name: probePodName(role, n.name), node: n.name, ...pod, ready: true })),
      { role: 'host' as const, name: probePodName('host', n.name), node: n.name, ip: n.internalIP ?? '<node-ip>', ...(hostIPs.length > 1 ? { ips: hostIPs } : {}), ready: true },
    ];
  });
  return { ...base, ports: portsFor(options.hostPort), probes, families: clusterFamilies(base.nodes, probes), plans };
}

/** The default image (or its mirror under --registry) is multi-arch with a known list; a user's own --image is not checked. */
export function imageArchitectures(options: { image?: string }): readonly string[] | undefined {
  return options.image ? undefined : PROBE_IMAGE_ARCHITECTURES;
}

/** The probe roles a run creates: every pod-network role, and the host probe unless no selected row needs it. */
export function probeRoles(options: { podsPerNode?: number; hostProbes?: boolean }): ProbeRole[] {
  return [...podRoles(options.podsPerNode), ...(options.hostProbes === false ? [] : (['host'] as const))];
}

/** The probes a run creates: each of `roles` (default: every pod-network role and the host probe) on every probed node. */
export function expectedProbes(nodes: readonly NodeInfo[], podsPerNode?: number, roles: readonly ProbeRole[] = probeRoles({ podsPerNode })): { name: string; node: string; role: ProbeRole }[] {
  return nodes.filter((n) => !n.skipReason).flatMap((n) => roles.map((role) => ({ name: probePodName(role, n.name), node: n.name, role })));
}

/** Every module's prepare: reads only, in parallel. A bad input (a profile's typo) stops the run here, before anything exists. */
export async function prepareModules(kube: Kube, nodes: readonly NodeInfo[], options: Pick<SetupOptions, 'modules' | 'flags'> & { suite: SuiteOptions }): Promise<Record<string, unknown>> {
  const entries = await Promise.all(options.modules.map(async (m) => [m.name, m.prepare ? await m.prepare({ kube, nodes, options: options.suite }) : undefined] as const));
  return Object.fromEntries(entries);
}

function suiteOptions(options: SetupOptions): SuiteOptions {
  return {
    runId: options.runId,
    image: probeImage(options),
    imagePullSecret: options.imagePullSecret,
    readyTimeoutMs: options.readyTimeoutMs,
    flags: options.flags ?? {},
    signal: options.signal,
    onProgress: options.onProgress,
  };
}

/** Fills `state` as it goes, so a caller that catches can still tear down what was made. */
export async function setUpRun(kube: Kube, options: SetupOptions, state: RunState): Promise<Topology> {
  const progress = options.onProgress ?? (() => undefined);
  let ports = portsFor(options.hostPort);
  const suite = suiteOptions(options);
  const [version, stuck] = await Promise.all([kube.serverVersion(), stuckNamespaces(kube)]);
  state.kubernetesVersion = version;
  // A run does not wait for its namespace object to go (probes/deploy.ts teardown): say so when one never went.
  for (const s of stuck) progress(`warning: ${s}`);
  const nodes = await discoverNodes(kube, { nodeSelector: options.nodeSelector, architectures: imageArchitectures(options) });
  checkAborted(options.signal);
  const probed = nodes.filter((n) => !n.skipReason);
  /** Create the run's probe pods on the host ports chosen so far: every role, or only `roles`. */
  const placeProbes = (deployment: Deployment, roles?: ProbeRole[]) =>
    createProbes(kube, deployment, nodes, {
      runId: options.runId,
      image: probeImage(options),
      imagePullSecret: options.imagePullSecret,
      ports,
      concurrency: options.concurrency,
      podsPerNode: options.podsPerNode,
      ...(roles ? { roles } : {}),
      signal: options.signal,
    });
  progress(`cluster ${kube.access.server} (${state.kubernetesVersion}): probing ${probed.length} of ${nodes.length} nodes`);
  const plans = await prepareModules(kube, nodes, { modules: options.modules, suite });
  const planned = plannedTopology({ runId: options.runId, namespace: options.namespace, server: kube.access.server, kubernetesVersion: state.kubernetesVersion, nodes }, options, plans);
  options.beforeDeploy?.(planned);
  if (options.selection) state.needs = deployNeeds(options.modules, planned, options.selection);
  const needs = state.needs;
  const deploys = (m: SuiteModule) => !needs || needs.modules.includes(m.name);
  const roles = probeRoles({ podsPerNode: options.podsPerNode, hostProbes: needs?.hostProbes ?? true });
  const hostProbes = roles.includes('host');
  if (needs) progress(`deploying for ${needs.modules.join(', ')}${hostProbes ? '' : '; no selected row needs a host-network probe: none is started'}`);

  await timed(state, 'deploy', async () => {
    // The namespace and the host-port read side by side; whatever was created is recorded before a failure of the other is thrown.
    const [made, free] = await Promise.allSettled([
      prepareNamespace(kube, { runId: options.runId, namespace: options.namespace }),
      options.hostPort === undefined ? freeHostPorts(kube) : Promise.resolve(ports),
    ]);
    if (made.status === 'fulfilled') state.deployment = made.value;
    const deployment = settledValue(made);
    ports = settledValue(free);
    checkAborted(options.signal);
    // The heartbeat before anything else in the namespace: from here on, `cleanup` sees the run as live.
    state.heartbeat = await Heartbeat.start(kube, { namespace: deployment.namespace, runId: options.runId, onWarning: progress });
    progress(
      `namespace ${deployment.namespace}${deployment.createdNamespace ? ' created' : ' (existing, empty)'}; ${hostProbes ? `host probes on ${ports.hostHttp}/tcp and ${ports.hostUdp}/udp; ` : ''}creating ${probed.length * ((options.podsPerNode ?? DEFAULT_PODS_PER_NODE) + (hostProbes ? 1 : 0))} probe pods`,
    );
    // The probes and each path's own objects at once (none of those needs a probe to exist; the
    // LoadBalancer Service's wait for an address counts from its creation). Every creation is
    // let finish before a failure is thrown, so teardown knows all that exists.
    const created = await Promise.allSettled([
      placeProbes(deployment, roles),
      ...options.modules.map(async (m) => {
        if (m.deploy && deploys(m) && !options.signal?.aborted) plans[m.name] = await m.deploy({ kube, nodes, options: suite, deployment }, plans[m.name]);
      }),
    ]);
    for (const c of created) settledValue(c);
  });
  checkAborted(options.signal);
  options.afterDeploy?.();
  const deployment = state.deployment!;
  const streams = (state.streams ??= new ProbeStreams(new ControlClient(kube.credentials, { concurrency: options.concurrency }), deployment.namespace, { openTimeoutMs: PREFLIGHT_TRY_MS }));

  const waitStarted = performance.now();
  const topology = await timed(state, 'wait-ready', async () => {
    const wait = () => waitForProbes(kube, deployment, { timeoutMs: options.readyTimeoutMs, onProgress: progress, signal: options.signal });
    let probes = await wait();
    // Another run took our host port between the read and the scheduler: place the host probes on another pair.
    for (
      let round = 1;
      hostProbes && options.hostPort === undefined && round <= HOST_PORT_ROUNDS && probes.some((p) => p.role === 'host' && isHostPortConflict(p.problem)) && !options.signal?.aborted;
      round++
    ) {
      const taken = ports.hostHttp;
      progress(`host port ${taken} was claimed by another pod between planning and scheduling: placing the host probes on another pair (round ${round})`);
      const hostSelector = `${RUN_LABEL}=${options.runId},${ROLE_LABEL}=host`;
      await kube.deletePods(deployment.namespace, hostSelector);
      await waitFor(async () => ((await kube.listPods(deployment.namespace, hostSelector)).length === 0 ? true : undefined), {
        timeoutMs: 30_000,
        what: `the host probes of run ${options.runId} to be deleted before placing them again`,
        signal: options.signal,
      });
      ports = await freeHostPorts(kube, [taken, taken + 1]);
      progress(`host probes on ${ports.hostHttp}/tcp and ${ports.hostUdp}/udp`);
      await placeProbes(deployment, ['host']);
      probes = await wait();
    }
    // A probe created and then deleted by someone else before the checks is a row, never silently dropped.
    probes = [...probes, ...missingProbes(probes, expectedProbes(nodes, options.podsPerNode, roles))];
    explainUnschedulable(probes, nodes);
    checkAborted(options.signal);
    if (probes.every((p) => !p.ready)) {
      const reasons = groupProblems(probes.filter((p) => !p.ready))
        .map((g) => `  - ${g.text}`)
        .join('\n');
      throw new SetupError(
        `no probe pod became ready in namespace ${deployment.namespace}:\n${reasons}\nImage: ${probeImage(options)} (use --image/--registry/--image-pull-secret for private registries).`,
      );
    }
    const built: Topology = {
      runId: options.runId,
      namespace: deployment.namespace,
      server: kube.access.server,
      kubernetesVersion: state.kubernetesVersion,
      nodes,
      probes,
      ports,
      families: clusterFamilies(nodes, probes),
      plans,
      ...(needs ? { undeployed: options.modules.filter((m) => (m.deploy || m.settle) && !deploys(m)).map((m) => m.name) } : {}),
    };
    // The wait-ready split: the probes' start-up, then the control preflight.
    const readyAt = performance.now();
    state.phases['wait-ready.probes'] = Math.round(readyAt - waitStarted);
    await preflightProbes(built, { streams, concurrency: options.concurrency, signal: options.signal, onProgress: progress });
    state.phases['wait-ready.preflight'] = Math.round(performance.now() - readyAt);
    return built;
  });
  state.topology = topology;
  checkAborted(options.signal);
  options.beforeSettle?.(streams);
  await timed(state, 'settle', () => settleModules(kube, options, { topology, deployment, streams, plans, deploys, suite, state }));
  return topology;
}

/** Delete what the run made (unless kept); records the cleanup phase. */
export async function tearDownRun(kube: Kube, state: RunState, options: { keep: boolean; timeoutMs?: number; onProgress?: (m: string) => void }): Promise<void> {
  // The probes' exec streams end first (their counts stay readable on state.streams).
  state.streams?.close();
  await state.streams?.control.close();
  for (const release of state.releases?.splice(0) ?? []) await release().catch((err: unknown) => options.onProgress?.(`warning: ${messageOf(err)}`));
  // A kept run releases its Lease (cleanup may remove it at once); otherwise the Lease goes with the run's objects.
  await state.heartbeat?.stop({ release: options.keep }).catch((err: unknown) => options.onProgress?.(`warning: could not release the run's heartbeat Lease: ${messageOf(err)}`));
  const deployment = state.deployment;
  if (!deployment) return;
  if (options.keep) {
    options.onProgress?.(`--keep: leaving namespace ${deployment.namespace} (run id ${deployment.runId}); remove it with: kube-netconform cleanup -n ${deployment.namespace}`);
    return;
  }
  await timed(state, 'cleanup', () => teardown(kube, deployment, { timeoutMs: options.timeoutMs ?? 60_000 }));
}
