// The nodeport suite's objects (suites/nodeport.ts deploys them): the backend pod pinned to one
// node, a Cluster and a Local NodePort Service over it, the ports they get, each node's address
// of the chosen type, and the cluster's NodePort range read without storing anything.
import { firstPerFamily } from '../ip.ts';
import fs from 'node:fs';
import { messageOf } from '../errors.ts';
import type { Kube, Node, Pod, Service } from '../kube/index.ts';
import { NODE_ANNOTATION, ROLE_LABEL, runLabels } from '../probes/manifests.ts';
import { packageFile } from '../package-root.ts';
import type { NodeInfo } from '../topology.ts';
import { DEFAULT_NODEPORT_RANGE, parseNodePortRange } from './allocate.ts';
import type { NodeAddressType, NodePortRange, NodePortTarget, RangePosition } from './types.ts';
import { yaml } from '../lazy-deps.ts';

export const BACKEND_POD = 'nodeport-backend';
/** The backend's containers (manifests/nodeport-backend.yaml): each logs the client address of every request it answers. */
export const BACKEND_CONTAINERS = { tcp: 'http', udp: 'udp' } as const;
export const CLUSTER_SERVICE = 'nodeport-cluster';
export const LOCAL_SERVICE = 'nodeport-local';

export function loadManifests<T>(file: string): T[] {
  const text = fs.readFileSync(packageFile('manifests', file), 'utf8');
  return yaml()
    .parseAllDocuments(text)
    .map((d) => d.toJS() as T);
}

/** The backend goes on the first probed worker (a control-plane node may be special), else the first probed node. */
export function backendNode(nodes: readonly NodeInfo[]): string | undefined {
  const probed = nodes.filter((n) => !n.skipReason);
  return (probed.find((n) => n.role === 'worker') ?? probed[0])?.name;
}

/** Each probed node's address of the chosen type, or why it has none. */
export function nodeTargets(nodes: readonly NodeInfo[], raw: readonly Node[], addressType: NodeAddressType): NodePortTarget[] {
  return nodes
    .filter((n) => !n.skipReason)
    .flatMap((n): NodePortTarget[] => {
      // Every family the node has an address of (a dual-stack node: its IPv4 and its IPv6 address).
      const addresses = firstPerFamily((raw.find((r) => r.metadata?.name === n.name)?.status?.addresses ?? []).filter((a) => a.type === addressType).map((a) => a.address));
      return addresses.length
        ? addresses.map((address) => ({ node: n.name, address }))
        : [{ node: n.name, reason: `node ${n.name} has no ${addressType} address (status.addresses); pass --node-address-type ${addressType === 'InternalIP' ? 'ExternalIP' : 'InternalIP'}` }];
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
export function serviceManifests(options: { runId: string; nodePorts: Partial<Record<RangePosition, number>>; localNodePorts?: Partial<Record<'tcp' | 'udp', number>> }): {
  cluster: Service;
  local: Service;
} {
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
  for (const port of local!.spec!.ports ?? []) {
    const nodePort = options.localNodePorts?.[(port.protocol ?? 'TCP').toLowerCase() as 'tcp' | 'udp'];
    if (nodePort) port.nodePort = nodePort;
  }
  return { cluster: cluster!, local: local! };
}

/** The cluster's NodePort range, from the API server's rejection of nodePort 1 in a dry run (nothing is stored). */
export async function readNodePortRange(kube: Kube, namespace: string): Promise<NodePortRange> {
  const probe: Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'nodeport-range-check' },
    spec: { type: 'NodePort', ports: [{ port: 80, nodePort: 1, protocol: 'TCP' }] },
  };
  try {
    await kube.createService(namespace, probe, { dryRun: true });
    // A range that includes port 1: nothing to learn from the rejection.
    return DEFAULT_NODEPORT_RANGE;
  } catch (err) {
    return parseNodePortRange(messageOf(err)) ?? DEFAULT_NODEPORT_RANGE;
  }
}

/** nodePort → the Service that holds it, over the whole cluster (health-check ports too). */
export function usedNodePorts(services: readonly Service[]): Map<number, string> {
  const used = new Map<number, string>();
  for (const s of services) {
    for (const p of s.spec?.ports ?? []) if (p.nodePort) used.set(p.nodePort, `${s.metadata?.namespace}/${s.metadata?.name}`);
    if (s.spec?.healthCheckNodePort) used.set(s.spec.healthCheckNodePort, `${s.metadata?.namespace}/${s.metadata?.name} (health check)`);
  }
  return used;
}
