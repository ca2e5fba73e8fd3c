// The network-policy suite's own probe fleet (manifests/netpol-probe.yaml): three namespaces named
// after the run's (<namespace>-x, -y, -z, labelled `ns: x` … and with the run's labels, so
// teardown and `cleanup` find them), pods a, b and c in each (`pod: a` …) spread across the
// nodes, and the pod d some cases add. Each answers its logical name ("x/a") on 80 and 81, TCP
// and UDP. Created and deleted through the kube seam (the CLI for the fleet, the suite worker for
// pod d); read back as the model's pods (addresses, node).
import fs from 'node:fs';
import { waitFor } from '../probes/deploy.ts';
import { paddedAnswer } from '../probes/answers.ts';
import { namespaceManifest, runLabels } from '../probes/manifests.ts';
import { packageFile } from '../package-root.ts';
import type { Kube, Namespace, Pod } from '../kube/index.ts';
import { NAMESPACES, PODS, SERVED, type NamespaceId } from './case-world.ts';
import { yaml } from '../lazy-deps.ts';

export const FLEET_COMPONENT = 'netpol-probe';
/** The label the fleet's namespaces carry for namespaceSelectors (`ns: x`), and its pods (`pod: a`). */
export const NS_LABEL = 'ns';
export const POD_LABEL = 'pod';

export type FleetNamespaces = Record<NamespaceId, string>;

/** <namespace>-x, -y, -z; a run namespace too long for the suffix falls back to netconform-<run id>. */
export function fleetNamespaces(runNamespace: string, runId: string): FleetNamespaces {
  const base = runNamespace.length <= 61 ? runNamespace : `netconform-${runId}`;
  return { x: `${base}-x`, y: `${base}-y`, z: `${base}-z` };
}

/** The logical name a fleet pod answers with: "x/a" (its namespace's id, its name). */
export function answerName(namespaces: FleetNamespaces, namespace: string, pod: string): string {
  const id = NAMESPACES.find((n) => namespaces[n] === namespace) ?? namespace;
  return `${id}/${pod}`;
}

export function fleetNamespaceManifest(options: { id: NamespaceId; name: string; runId: string }): Namespace {
  const ns = namespaceManifest({ name: options.name, runId: options.runId });
  ns.metadata!.labels = { ...ns.metadata!.labels, [NS_LABEL]: options.id };
  return ns;
}

export interface FleetPodOptions {
  namespaces: FleetNamespaces;
  namespace: string;
  name: string;
  /** The model's labels (pod: a, team: blue …); the run's labels are added. */
  labels: Record<string, string>;
  node: string;
  runId: string;
  image: string;
  imagePullSecret?: string;
}

export function fleetPodManifest(options: FleetPodOptions): Pod {
  const pod = yaml().parse(fs.readFileSync(packageFile('manifests', 'netpol-probe.yaml'), 'utf8')) as Pod;
  pod.metadata = { ...pod.metadata, name: options.name, labels: { ...pod.metadata?.labels, ...runLabels(options.runId), ...options.labels } };
  const spec = pod.spec!;
  spec.affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [options.node] }] }] } } };
  if (options.imagePullSecret) spec.imagePullSecrets = [{ name: options.imagePullSecret }];
  const answer = paddedAnswer(answerName(options.namespaces, options.namespace, options.name));
  for (const c of spec.containers) {
    c.image = options.image;
    c.env = [...new Set(SERVED.map((s) => s.port))].flatMap((port) => [
      { name: `SERVE_PORT_${port}`, value: answer },
      { name: `SERVE_UDP_PORT_${port}`, value: answer },
    ]);
  }
  return pod;
}

/** Pod i of the nine (x/a, x/b, … z/c) lands on node i mod n: every node carries some of each namespace. */
export function fleetPlacement(nodes: readonly string[]): { namespace: NamespaceId; pod: string; node: string }[] {
  return NAMESPACES.flatMap((namespace, n) => PODS.map((pod, p) => ({ namespace, pod, node: nodes[(n * PODS.length + p) % nodes.length]! })));
}

/** Create the namespaces and the nine pods; `created` is filled as it goes, so a failure still knows what to delete. */
export async function createFleet(
  kube: Kube,
  options: { namespaces: FleetNamespaces; nodes: readonly string[]; runId: string; image: string; imagePullSecret?: string; created: string[] },
): Promise<void> {
  for (const id of NAMESPACES) {
    await kube.createNamespace(fleetNamespaceManifest({ id, name: options.namespaces[id], runId: options.runId }));
    options.created.push(options.namespaces[id]);
  }
  await Promise.all(
    fleetPlacement(options.nodes).map((p) =>
      kube.createPod(options.namespaces[p.namespace], fleetPodManifest({ ...options, namespace: options.namespaces[p.namespace], name: p.pod, labels: { [POD_LABEL]: p.pod }, node: p.node })),
    ),
  );
}

export interface FleetPod {
  namespace: string;
  name: string;
  node: string;
  ips: string[];
  ready: boolean;
  problem?: string;
}

export function fleetPodOf(pod: Pod): FleetPod {
  const ready = pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  const waiting = pod.status?.containerStatuses?.[0]?.state?.waiting;
  const unscheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
  const problem = ready
    ? undefined
    : waiting
      ? `${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}`
      : unscheduled
        ? `not scheduled: ${unscheduled.message}`
        : `not ready (${pod.status?.phase ?? 'Pending'})`;
  return {
    namespace: pod.metadata?.namespace ?? '',
    name: pod.metadata?.name ?? '',
    node: pod.spec?.nodeName ?? '',
    ips: (pod.status?.podIPs ?? []).map((i) => i.ip).filter((ip): ip is string => !!ip),
    ready: ready && (pod.status?.podIPs?.length ?? 0) > 0,
    ...(problem ? { problem } : {}),
  };
}

/** Wait until every fleet pod is ready with an address (or the timeout): the pods as they are then. */
export async function waitForFleet(kube: Kube, options: { namespaces: FleetNamespaces; runId: string; timeoutMs: number; signal?: AbortSignal }): Promise<FleetPod[]> {
  const selector = `netconform.io/run-id=${options.runId},app.kubernetes.io/component=${FLEET_COMPONENT}`;
  const read = async () => (await Promise.all(NAMESPACES.map((n) => kube.listPods(options.namespaces[n], selector)))).flat().map(fleetPodOf);
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const pods = await read();
    if ((pods.length >= NAMESPACES.length * PODS.length && pods.every((p) => p.ready)) || Date.now() >= deadline || options.signal?.aborted) return pods;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** Create one more fleet pod (a case's pod d) and wait until it is ready: its address and node. */
export async function addFleetPod(kube: Kube, options: FleetPodOptions & { timeoutMs: number }): Promise<FleetPod> {
  await kube.createPod(options.namespace, fleetPodManifest(options));
  return waitFor(
    async () => {
      const pod = await kube.readPod(options.namespace, options.name);
      const p = pod ? fleetPodOf(pod) : undefined;
      return p?.ready ? p : undefined;
    },
    { timeoutMs: options.timeoutMs, what: `pod ${options.namespace}/${options.name} to be ready`, intervalMs: 200 },
  );
}

/** Delete a pod and wait until it is gone (its name is free again for a later case). */
export async function removeFleetPod(kube: Kube, options: { namespace: string; name: string; timeoutMs: number }): Promise<void> {
  await kube.deletePod(options.namespace, options.name, { gracePeriodSeconds: 1 });
  await waitFor(async () => ((await kube.readPod(options.namespace, options.name)) ? undefined : true), {
    timeoutMs: options.timeoutMs,
    what: `pod ${options.namespace}/${options.name} to be deleted`,
    intervalMs: 200,
  });
}

/** Delete the fleet's namespaces (their pods and policies go with them); waits until each is terminating or gone. */
export async function deleteFleet(kube: Kube, options: { namespaces: readonly string[]; timeoutMs: number }): Promise<void> {
  await Promise.all(options.namespaces.map((n) => kube.deleteNamespace(n)));
  await waitFor(
    async () => {
      const left = await Promise.all(options.namespaces.map((n) => kube.readNamespace(n)));
      return left.every((ns) => !ns || ns.metadata?.deletionTimestamp) ? true : undefined;
    },
    { timeoutMs: options.timeoutMs, what: `the network-policy namespaces ${options.namespaces.join(', ')} to be deleted`, intervalMs: 200 },
  );
}
