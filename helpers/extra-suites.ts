// The one-time setup of the nodeport and ports suites, called from lifecycle.ts next to the
// probes' own: read the port profile and the cluster facts the ports suite needs (before
// anything is deployed, so a bad --profile is a usage error), and deploy the nodeport
// suite's backend and Services alongside the probes.
import type { Deployment } from './deploy.ts';
import type { Kube } from './kube/index.ts';
import { setUpNodePort } from './nodeport/deploy.ts';
import type { NodeAddressType, NodePortTopology } from './nodeport/types.ts';
import { readPortsPlan } from './ports-check/setup.ts';
import type { PortsPlan } from './ports-check/types.ts';
export { describePortsPlan } from './ports-check/rows.ts';
import type { NodeInfo, Topology } from './topology.ts';
import { DEFAULT_NODEPORT_RANGE, pickNodePorts } from './nodeport/allocate.ts';
import { backendNode, BACKEND_POD } from './nodeport/deploy.ts';

export interface ExtraSuitesOptions {
  /** --profile: kubeadm (default), seed-2017, or a path to a YAML profile. */
  profile?: string;
  /** --node-address-type: the node address the runner (nodeport) and the host probes (ports) dial. */
  nodeAddressType?: NodeAddressType;
  /** --cni hints, e.g. flannel/vxlan, replacing detection for the named add-ons. */
  cniHints?: string[];
}

export const DEFAULT_PROFILE = 'kubeadm';

export function prepareExtraSuites(kube: Kube, nodes: readonly NodeInfo[], options: ExtraSuitesOptions & { image: string; imagePullSecret?: string }): Promise<PortsPlan> {
  return readPortsPlan(kube, nodes, {
    profile: options.profile ?? DEFAULT_PROFILE,
    addressType: options.nodeAddressType ?? 'InternalIP',
    cniHints: options.cniHints,
    image: options.image,
    imagePullSecret: options.imagePullSecret,
  });
}

/** Never rejects: a failure lands in the result and the nodeport rows report it. */
export function deployExtraSuites(kube: Kube, deployment: Deployment, nodes: readonly NodeInfo[], options: ExtraSuitesOptions & { runId: string; image: string; imagePullSecret?: string; readyTimeoutMs: number; signal?: AbortSignal }): Promise<NodePortTopology> {
  return setUpNodePort(kube, deployment, nodes, {
    runId: options.runId, image: options.image, imagePullSecret: options.imagePullSecret,
    addressType: options.nodeAddressType ?? 'InternalIP', readyTimeoutMs: options.readyTimeoutMs, signal: options.signal,
  });
}

/** One line for the progress output: the NodePorts chosen and where the backend runs. */
export function describeNodePort(np: NodePortTopology): string {
  if (np.error) return np.error;
  const ports = np.services.map((s) => `${s.name} (${s.policy}) ${[...new Set(s.ports.map((p) => p.nodePort))].join(', ')}`).join('; ');
  return `range ${np.range.low}-${np.range.high} (${np.range.source === 'cluster' ? 'read from the API server' : 'assumed default'}); ${ports}; backend ${np.backend.pod} on ${np.backend.node}${np.backend.ready ? '' : ` NOT READY: ${np.backend.problem ?? ''}`}; runner dials ${np.addressType} addresses${np.notes.length ? `; ${np.notes.join('; ')}` : ''}`;
}

/**
 * For `list`: what a run would check, without deploying. The ports plan is read as a run reads
 * it; the NodePorts are the ones free now (the Local Service's are left to the API server: 0).
 */
export async function plannedExtraSuites(kube: Kube, nodes: readonly NodeInfo[], options: ExtraSuitesOptions & { image: string }): Promise<Pick<Topology, 'portsPlan' | 'nodePort'>> {
  const portsPlan = await prepareExtraSuites(kube, nodes, options);
  const used = (await kube.listServicesAllNamespaces('')).flatMap((s) => (s.spec?.ports ?? []).map((p) => p.nodePort ?? 0));
  const picked = pickNodePorts({ range: DEFAULT_NODEPORT_RANGE, used });
  const addressType = options.nodeAddressType ?? 'InternalIP';
  return {
    portsPlan,
    nodePort: {
      addressType, range: DEFAULT_NODEPORT_RANGE, notes: picked.notes,
      backend: { pod: BACKEND_POD, node: backendNode(nodes) ?? '', ready: true },
      services: [
        { name: 'nodeport-cluster', policy: 'Cluster', ports: picked.ports.flatMap((p) => (['tcp', 'udp'] as const).map((protocol) => ({ nodePort: p.nodePort, protocol, position: p.position }))) },
        { name: 'nodeport-local', policy: 'Local', ports: [{ nodePort: 0, protocol: 'tcp', position: 'auto' }, { nodePort: 0, protocol: 'udp', position: 'auto' }] },
      ],
      targets: portsPlan.nodes.map((n) => (n.address ? { node: n.name, address: n.address } : { node: n.name, reason: `node ${n.name} has no ${addressType} address` })),
    },
  };
}
