// Deploy once per run (STYLE.md §6): the run's namespace, probe pods on every schedulable node,
// the probes Service; wait until ready (timeouts name what was awaited, no sleeps); read the
// topology; and clean up only what this run created (STYLE.md §7).
import pLimit from 'p-limit';
import { SetupError } from '../errors.ts';
import { groupProblems } from '../setup-problems.ts';
import { endpointAddresses, type Kube, type Pod } from '../kube/index.ts';
import { COMPONENT_LABEL, namespaceManifest, probePodManifest, PROBE_COMPONENTS, RUN_LABEL, MANAGED_BY } from './manifests.ts';
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

/** How often teardown looks whether what it deleted is gone (a read per look; cleanup is on the run's wall time). */
const GONE_POLL_MS = 100;
/**
 * The probes are deleted gracefully (their own 1 s termination grace), not forced: a pod object
 * is then gone only once its node has stopped its containers, so "gone" means gone from the
 * nodes too (a forced delete leaves the containers running for a moment, holding the host
 * probes' ports against the next run's).
 */
const POD_DELETE_GRACE_S = 1;

/**
 * Delete what this run created and wait until it is gone. A namespace we created is deleted,
 * and its pods and Services explicitly with it, in parallel; the run waits until no pod and no
 * Service is left in it and the namespace is terminating. It does not wait for the namespace
 * object itself: the namespace controller removes an empty terminating namespace only after a
 * fixed 5 s (kube-controller-manager's namespace deletion grace), and nothing can be created
 * in it meanwhile. In a namespace we did not create, only our pods and Services (by run label
 * and by name) go.
 */
export async function teardown(kube: Kube, deployment: Deployment, options: { timeoutMs: number }): Promise<void> {
  const { namespace } = deployment;
  const selector = `${RUN_LABEL}=${deployment.runId}`;
  const deleteContent = () =>
    Promise.all([kube.deletePods(namespace, selector, { gracePeriodSeconds: POD_DELETE_GRACE_S }), ...deployment.createdServices.map((name) => kube.deleteService(namespace, name))]);
  if (deployment.createdNamespace) {
    // A failure of our own deletes is not fatal: the namespace's deletion deletes the rest, and we wait for that.
    await Promise.all([deleteContent().catch(() => undefined), kube.deleteNamespace(namespace)]);
    await waitFor(
      async () => {
        const [ns, pods, services] = await Promise.all([kube.readNamespace(namespace), kube.listPods(namespace), kube.listServices(namespace)]);
        if (!ns) return true;
        return ns.metadata?.deletionTimestamp && pods.length === 0 && services.length === 0 ? true : undefined;
      },
      { timeoutMs: options.timeoutMs, intervalMs: GONE_POLL_MS, what: `namespace ${namespace} to be terminating with no pod or Service left in it` },
    );
    return;
  }
  await deleteContent();
  await waitFor(async () => ((await kube.listPods(namespace, selector)).length === 0 ? true : undefined), {
    timeoutMs: options.timeoutMs,
    intervalMs: GONE_POLL_MS,
    what: `the probe pods of run ${deployment.runId} in namespace ${namespace} to be deleted`,
  });
}

/**
 * `cleanup`: leftovers of earlier runs, found by label (only in `namespace` when given).
 * Namespaces carrying our run label were created by a run; in any other namespace only our
 * labelled pods and Services go.
 */
export async function cleanupLeftovers(
  kube: Kube,
  options: { timeoutMs: number; namespace?: string; onProgress?: (m: string) => void },
): Promise<{ namespaces: string[]; pods: number; services: number }> {
  const managed = Object.entries(MANAGED_BY)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const withRun = `${managed},${RUN_LABEL}`;
  const inScope = (ns: string | undefined) => !options.namespace || ns === options.namespace;
  const listNamespaces = async () => (await kube.listNamespaces(withRun)).map((n) => n.metadata!.name!).filter(inScope);
  const listPods = async () => (options.namespace ? await kube.listPods(options.namespace, withRun) : await kube.listPodsAllNamespaces(withRun));
  const namespaces = await listNamespaces();
  const pods = (await listPods()).filter((p) => !namespaces.includes(p.metadata!.namespace!));
  const services = (options.namespace ? await kube.listServices(options.namespace, withRun) : await kube.listServicesAllNamespaces(withRun)).filter(
    (s) => !namespaces.includes(s.metadata!.namespace!),
  );
  for (const ns of namespaces) {
    options.onProgress?.(`deleting namespace ${ns}`);
    await kube.deleteNamespace(ns);
  }
  for (const ns of new Set(pods.map((p) => p.metadata!.namespace!))) await kube.deletePods(ns, withRun);
  for (const s of services) await kube.deleteService(s.metadata!.namespace!, s.metadata!.name!);
  await waitFor(
    async () => {
      const left = (await listNamespaces()).length + (await listPods()).length;
      return left === 0 ? true : undefined;
    },
    { timeoutMs: options.timeoutMs, what: `every object labelled ${RUN_LABEL}${options.namespace ? ` in namespace ${options.namespace}` : ''} to be deleted` },
  );
  return { namespaces, pods: pods.length, services: services.length };
}
