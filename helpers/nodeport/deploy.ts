// One-time setup of the nodeport suite, run with the probes (lifecycle.ts): the backend pod
// pinned to one node, a Cluster and a Local NodePort Service over it with the Cluster one's
// NodePorts at the ends and the middle of the cluster's range, and each node's address of the
// chosen type. Everything carries the run label and is recorded in the Deployment for cleanup.
import fs from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { waitFor, waitForEndpoints, type Deployment } from '../deploy.ts';
import { messageOf } from '../errors.ts';
import type { Kube, Node, Pod, Service } from '../kube.ts';
import { NODE_ANNOTATION, ROLE_LABEL, runLabels } from '../manifests.ts';
import { packageFile } from '../package-root.ts';
import { describePodProblem, isPodReady, isStuck, type NodeInfo } from '../topology.ts';
import { DEFAULT_NODEPORT_RANGE, parseNodePortRange, pickNodePorts } from './allocate.ts';
import type { NodeAddressType, NodePortRange, NodePortService, NodePortTarget, NodePortTopology, RangePosition } from './types.ts';

export const BACKEND_POD = 'nodeport-backend';
const CLUSTER_SERVICE = 'nodeport-cluster';
const LOCAL_SERVICE = 'nodeport-local';

export function loadManifests<T>(file: string): T[] {
  const text = fs.readFileSync(packageFile('manifests', file), 'utf8');
  return parseAllDocuments(text).map((d) => d.toJS() as T);
}

/** The backend goes on the first probed worker (a control-plane node may be special), else the first probed node. */
export function backendNode(nodes: readonly NodeInfo[]): string | undefined {
  const probed = nodes.filter((n) => !n.skipReason);
  return (probed.find((n) => n.role === 'worker') ?? probed[0])?.name;
}

/** Each probed node's address of the chosen type, or why it has none. */
export function nodeTargets(nodes: readonly NodeInfo[], raw: readonly Node[], addressType: NodeAddressType): NodePortTarget[] {
  return nodes.filter((n) => !n.skipReason).map((n) => {
    const address = raw.find((r) => r.metadata?.name === n.name)?.status?.addresses?.find((a) => a.type === addressType)?.address;
    return address ? { node: n.name, address } : { node: n.name, reason: `node ${n.name} has no ${addressType} address (status.addresses); pass --node-address-type ${addressType === 'InternalIP' ? 'ExternalIP' : 'InternalIP'}` };
  });
}

export function backendPodManifest(options: { node: string; runId: string; image: string; imagePullSecret?: string }): Pod {
  const pod = loadManifests<Pod>('nodeport-backend.yaml')[0]!;
  pod.metadata = {
    ...pod.metadata,
    name: BACKEND_POD,
    labels: { ...pod.metadata?.labels, ...runLabels(options.runId), [ROLE_LABEL]: 'nodeport-backend' },
    annotations: { ...pod.metadata?.annotations, [NODE_ANNOTATION]: options.node },
  };
  const spec = pod.spec!;
  spec.affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [options.node] }] }] } } };
  if (options.imagePullSecret) spec.imagePullSecrets = [{ name: options.imagePullSecret }];
  for (const c of spec.containers) c.image = options.image;
  return pod;
}

/** The two Services with the run's selector; the Cluster one's ports get `nodePorts` by position. */
export function serviceManifests(options: { runId: string; nodePorts: Partial<Record<RangePosition, number>> }): { cluster: Service; local: Service } {
  const [cluster, local] = loadManifests<Service>('nodeport-services.yaml');
  for (const svc of [cluster!, local!]) {
    svc.metadata = { ...svc.metadata, labels: { ...svc.metadata?.labels, ...runLabels(options.runId) } };
    svc.spec!.selector = { ...svc.spec!.selector, ...runLabels(options.runId) };
  }
  for (const port of cluster!.spec!.ports ?? []) {
    const position = port.name?.split('-')[1] as RangePosition | undefined;
    const nodePort = position ? options.nodePorts[position] : undefined;
    if (nodePort) port.nodePort = nodePort;
  }
  return { cluster: cluster!, local: local! };
}

/** Read the cluster's NodePort range from the API server's rejection of nodePort 1 (nothing is stored). */
async function readNodePortRange(kube: Kube, deployment: Deployment): Promise<NodePortRange> {
  const probe: Service = {
    apiVersion: 'v1', kind: 'Service',
    metadata: { name: 'nodeport-range-check', labels: runLabels(deployment.runId) },
    spec: { type: 'NodePort', ports: [{ port: 80, nodePort: 1, protocol: 'TCP' }] },
  };
  try {
    await kube.createService(deployment.namespace, probe);
    // A range that includes port 1: nothing to learn; remove it again.
    await kube.deleteService(deployment.namespace, 'nodeport-range-check');
    return DEFAULT_NODEPORT_RANGE;
  } catch (err) {
    return parseNodePortRange(messageOf(err)) ?? DEFAULT_NODEPORT_RANGE;
  }
}

function usedNodePorts(services: readonly Service[]): Map<number, string> {
  const used = new Map<number, string>();
  for (const s of services) {
    for (const p of s.spec?.ports ?? []) if (p.nodePort) used.set(p.nodePort, `${s.metadata?.namespace}/${s.metadata?.name}`);
    if (s.spec?.healthCheckNodePort) used.set(s.spec.healthCheckNodePort, `${s.metadata?.namespace}/${s.metadata?.name} (health check)`);
  }
  return used;
}

function describeService(svc: Service, policy: 'Cluster' | 'Local', positions: Map<number, RangePosition>): NodePortService {
  return {
    name: svc.metadata!.name!,
    policy,
    ports: (svc.spec?.ports ?? []).map((p) => ({ nodePort: p.nodePort ?? 0, protocol: (p.protocol ?? 'TCP').toLowerCase() as 'tcp' | 'udp', position: positions.get(p.nodePort ?? 0) ?? 'auto' })),
  };
}

/** Create the Cluster Service at the picked ports; a port taken meanwhile (another run) → pick again, a few times. */
async function createClusterService(kube: Kube, deployment: Deployment, range: NodePortRange, notes: string[]): Promise<NodePortService> {
  for (let attempt = 1; ; attempt++) {
    const used = usedNodePorts(await kube.listServicesAllNamespaces(''));
    const picked = pickNodePorts({ range, used: used.keys() });
    const nodePorts = Object.fromEntries(picked.ports.map((p) => [p.position, p.nodePort]));
    const { cluster } = serviceManifests({ runId: deployment.runId, nodePorts });
    try {
      const created = await kube.createService(deployment.namespace, cluster);
      deployment.createdServices.push(CLUSTER_SERVICE);
      notes.push(...picked.notes.map((n) => {
        const owner = used.get(Number(/(\d+) is in use/.exec(n)?.[1]));
        return owner ? n.replace('is in use', `is in use by ${owner}`) : n;
      }));
      return describeService(created, 'Cluster', new Map(picked.ports.map((p) => [p.nodePort, p.position])));
    } catch (err) {
      if (attempt >= 3 || !/already allocated/i.test(messageOf(err))) throw err;
    }
  }
}

export interface NodePortSetupOptions {
  runId: string;
  image: string;
  imagePullSecret?: string;
  addressType: NodeAddressType;
  readyTimeoutMs: number;
  signal?: AbortSignal;
}

/** Create, wait and describe. Never throws: a failure becomes `error` and the suite's rows say it. */
export async function setUpNodePort(kube: Kube, deployment: Deployment, nodes: readonly NodeInfo[], options: NodePortSetupOptions): Promise<NodePortTopology> {
  const node = backendNode(nodes) ?? '';
  const result: NodePortTopology = {
    addressType: options.addressType, range: DEFAULT_NODEPORT_RANGE,
    backend: { pod: BACKEND_POD, node, ready: false }, services: [], targets: [], notes: [],
  };
  try {
    if (!node) throw new Error('no node can be probed');
    await kube.createPod(deployment.namespace, backendPodManifest({ node, runId: options.runId, image: options.image, imagePullSecret: options.imagePullSecret }));
    deployment.createdPods.push(BACKEND_POD);
    result.targets = nodeTargets(nodes, await kube.listNodes(), options.addressType);
    result.range = await readNodePortRange(kube, deployment);
    result.services.push(await createClusterService(kube, deployment, result.range, result.notes));
    const { local } = serviceManifests({ runId: options.runId, nodePorts: {} });
    result.services.push(describeService(await kube.createService(deployment.namespace, local), 'Local', new Map()));
    deployment.createdServices.push(LOCAL_SERVICE);
    const pod = await waitFor(async () => {
      const p = await kube.readPod(deployment.namespace, BACKEND_POD);
      if (!p) return undefined;
      if (isPodReady(p) || isStuck(describePodProblem(p))) return p;
      return undefined;
    }, { timeoutMs: options.readyTimeoutMs, what: `pod ${deployment.namespace}/${BACKEND_POD} on ${node} to become Ready`, signal: options.signal });
    result.backend.ready = isPodReady(pod);
    if (!result.backend.ready) {
      result.backend.problem = describePodProblem(pod);
      return result;
    }
    for (const svc of result.services) {
      await waitForEndpoints(kube, deployment, { service: svc.name, expected: 1, timeoutMs: 30_000, signal: options.signal });
    }
  } catch (err) {
    result.error = `nodeport setup failed: ${messageOf(err)}`;
  }
  return result;
}
