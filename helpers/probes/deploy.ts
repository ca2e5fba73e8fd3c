// Deploy once per run (STYLE.md §6): the run's namespace, probe pods on every schedulable node,
// the probes Service; wait until ready (timeouts name what was awaited, no sleeps); read the
// topology. Teardown and `cleanup` are helpers/runs/ (teardown.ts, leftovers.ts).
import pLimit from 'p-limit';
import { SetupError } from '../errors.ts';
import { groupProblems } from '../setup-problems.ts';
import { endpointAddresses } from '../kube/endpoints.ts';
import type { Kube, Pod } from '../kube/index.ts';
import { COMPONENT_LABEL, namespaceManifest, probePodManifest, PROBE_COMPONENTS, RUN_LABEL } from './manifests.ts';
import { classifyNodes, isStuck, podRoles, probesFromPods, type NodeInfo, type ProbePod, type ProbePorts, type ProbeRole } from '../topology.ts';

export interface ProbeOptions {
  runId: string;
  image: string;
  imagePullSecret?: string;
  ports: ProbePorts;
  concurrency: number;
  /** Pod-network probes per node (default 2). */
  podsPerNode?: number;
  /** Only these roles (default: every pod-network role and the host probe). */
  roles?: ProbeRole[];
  signal?: AbortSignal;
}

/** What this run created: exactly what cleanup may delete. */
export interface Deployment {
  runId: string;
  namespace: string;
  createdNamespace: boolean;
  createdPods: string[];
  createdServices: string[];
}

const POLL_MS = 250;

/** Poll `check` until it returns a value; on timeout throw an error naming what was awaited. */
export async function waitFor<T>(check: () => Promise<T | undefined>, options: { timeoutMs: number; what: string; intervalMs?: number; signal?: AbortSignal }): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (options.signal?.aborted) throw new SetupError(`interrupted while waiting for ${options.what}`);
    if (Date.now() >= deadline) throw new SetupError(`timed out after ${Math.round(options.timeoutMs / 1000)} s waiting for ${options.what}`);
    await new Promise((resolve) => setTimeout(resolve, Math.min(options.intervalMs ?? POLL_MS, Math.max(0, deadline - Date.now()))));
  }
}

export async function prepareNamespace(kube: Kube, options: { runId: string; namespace: string }): Promise<Deployment> {
  const deployment: Deployment = { runId: options.runId, namespace: options.namespace, createdNamespace: false, createdPods: [], createdServices: [] };
  const existing = await kube.readNamespace(options.namespace);
  if (existing) {
    if (existing.status?.phase === 'Terminating') throw new SetupError(`namespace ${options.namespace} is being deleted; pick another --namespace or wait.`);
    const [pods, services] = await Promise.all([kube.listPods(options.namespace), kube.listServices(options.namespace)]);
    if (pods.length > 0 || services.length > 0) {
      throw new SetupError(
        `namespace ${options.namespace} exists and is not empty (${pods.length} pods, ${services.length} services). kube-netconform uses an existing --namespace only when it is empty, and never deletes it; omit --namespace to get a fresh one.`,
      );
    }
    return deployment;
  }
  await kube.createNamespace(namespaceManifest({ name: options.namespace, runId: options.runId }));
  deployment.createdNamespace = true;
  return deployment;
}

/** Create the shared probe pods: podsPerNode pod-network probes and one hostNetwork probe per node. */
export async function createProbes(kube: Kube, deployment: Deployment, nodes: NodeInfo[], options: ProbeOptions): Promise<void> {
  const limit = pLimit(Math.max(1, options.concurrency));
  const roles: ProbeRole[] = options.roles ?? [...podRoles(options.podsPerNode), 'host'];
  const manifests = nodes
    .filter((n) => !n.skipReason)
    .flatMap((n) =>
      roles.map((role) =>
        probePodManifest({
          role,
          node: n.name,
          runId: options.runId,
          image: options.image,
          ports: options.ports,
          imagePullSecret: options.imagePullSecret,
          ...(n.internalIPs && n.internalIPs.length > 1 ? { dualStack: true } : {}),
        }),
      ),
    );
  await Promise.all(
    manifests.map((pod) =>
      limit(async () => {
        if (options.signal?.aborted) return;
        await kube.createPod(deployment.namespace, pod);
        if (!deployment.createdPods.includes(pod.metadata!.name!)) deployment.createdPods.push(pod.metadata!.name!);
      }),
    ),
  );
}

/**
 * Wait until every probe is Ready or stuck (ImagePullBackOff, Unschedulable, CrashLoopBackOff…)
 * or the timeout passes. Never throws for a single node: its probes come back not ready with
 * the reason, and become setup-failure testcases.
 */
export async function waitForProbes(kube: Kube, deployment: Deployment, options: { timeoutMs: number; onProgress?: (m: string) => void; signal?: AbortSignal }): Promise<ProbePod[]> {
  // Only the probes: the run's other pods (nodeport backend, port listeners) carry the run label too.
  const selector = `${RUN_LABEL}=${deployment.runId},${COMPONENT_LABEL} in (${PROBE_COMPONENTS.join(',')})`;
  const deadline = Date.now() + options.timeoutMs;
  let last = '';
  for (;;) {
    const pods: Pod[] = await kube.listPods(deployment.namespace, selector);
    const probes = probesFromPods(pods);
    const waiting = probes.filter((p) => !p.ready);
    // One line per distinct reason, naming its pods: not the same long message once per pod.
    const progress = `probes ready: ${probes.length - waiting.length}/${probes.length}${
      waiting.length
        ? ` (waiting: ${groupProblems(waiting)
            .slice(0, 3)
            .map((g) => g.text)
            .join('; ')})`
        : ''
    }`;
    if (progress !== last) options.onProgress?.(progress);
    last = progress;
    if (waiting.every((p) => isStuck(p.problem ?? '')) || options.signal?.aborted) return probes;
    if (Date.now() >= deadline) {
      for (const p of waiting) p.problem = `${p.problem} (still not ready after ${Math.round(options.timeoutMs / 1000)} s)`;
      return probes;
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(POLL_MS, Math.max(0, deadline - Date.now()))));
  }
}

/** Wait until a Service's EndpointSlices list `expected` ready endpoints, so Service rows test kube-proxy, not endpoint lag. */
export async function waitForEndpoints(kube: Kube, deployment: Deployment, options: { service: string; expected: number; timeoutMs: number; signal?: AbortSignal }): Promise<void> {
  await waitFor(
    async () => {
      const slices = await kube.listEndpointSlices(deployment.namespace, `kubernetes.io/service-name=${options.service}`);
      // A dual-stack Service has slices per family (addressType IPv4, IPv6): each family must list them all.
      const families = [...new Set(slices.map((s) => s.addressType))];
      const readyIn = (family: string) => new Set(endpointAddresses(slices, { readyOnly: true, addressType: family })).size;
      return families.length > 0 && families.every((f) => readyIn(f) >= options.expected) ? true : undefined;
    },
    { timeoutMs: options.timeoutMs, signal: options.signal, what: `the EndpointSlices of Service ${deployment.namespace}/${options.service} to list ${options.expected} ready endpoints` },
  );
}

export async function discoverNodes(kube: Kube, options: { nodeSelector?: Record<string, string>; architectures?: readonly string[] }): Promise<NodeInfo[]> {
  const nodes = classifyNodes(await kube.listNodes(), options);
  if (nodes.length === 0)
    throw new SetupError(
      `no node matches${
        options.nodeSelector
          ? ` --node-selector ${Object.entries(options.nodeSelector)
              .map(([k, v]) => `${k}=${v}`)
              .join(',')}`
          : ' (the cluster lists no nodes)'
      }.`,
    );
  if (nodes.every((n) => n.skipReason)) throw new SetupError(`no node can be probed: ${nodes.map((n) => `${n.name} is ${n.skipReason}`).join('; ')}.`);
  return nodes;
}
