// A small planned topology for row and probe tests: control plane + two workers, all probes ready.
import { DEFAULT_PORTS, podRoles, probePodName, type NodeInfo, type ProbePod, type Topology } from '../../helpers/topology.ts';

export function node(name: string, index: number, extra: Partial<NodeInfo> = {}): NodeInfo {
  return {
    name,
    role: name.includes('control') ? 'control-plane' : 'worker',
    internalIP: `172.28.0.${10 + index}`,
    addresses: [`172.28.0.${10 + index}`],
    podCIDRs: [`10.244.${index}.0/24`],
    ...extra,
  };
}

export function fixtureTopology(options: { nodes?: NodeInfo[]; notReady?: string[]; podsPerNode?: number } = {}): Topology {
  const nodes = options.nodes ?? [node('lab-control-plane', 0), node('lab-worker-1', 1), node('lab-worker-2', 2)];
  const probes: ProbePod[] = nodes
    .filter((n) => !n.skipReason)
    .flatMap((n, i) => [
      ...podRoles(options.podsPerNode).map((role, j) => ({ role, name: probePodName(role, n.name), node: n.name, ip: `10.244.${i}.${j + 2}`, ready: true })),
      { role: 'host' as const, name: probePodName('host', n.name), node: n.name, ip: n.internalIP ?? '', ready: true },
    ]);
  for (const p of probes) {
    if (options.notReady?.includes(p.name)) {
      p.ready = false;
      p.problem = 'ImagePullBackOff: Back-off pulling image "registry.k8s.io/e2e-test-images/agnhost:2.66.1"';
    }
  }
  return {
    runId: 'abc123',
    namespace: 'netconform-abc123',
    server: 'https://172.28.0.10:6443',
    nodes,
    probes,
    ports: DEFAULT_PORTS,
    plans: {
      'pod-to-service': { probes: { name: 'probes', clusterIP: '10.96.100.7', port: 80 }, api: { name: 'kubernetes', clusterIP: '10.96.0.1', port: 443 }, serviceCIDRs: ['10.96.0.0/12'] },
    },
  };
}
