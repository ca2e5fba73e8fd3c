// Fixture topologies for the IP-family dimension: the lab's three nodes as an IPv4-only, a
// dual-stack and an IPv6-only cluster, with a plan for every suite module (as prepare/deploy/
// settle would leave them), so a test can take every module's rows for one family layout.
import type { SuiteModule } from '../../../helpers/check/suite.ts';
import type { Check, NetworkCheck, NetworkResult, Observation } from '../../../helpers/check/types.ts';
import { loadSuiteModules } from '../../../helpers/check/modules.ts';
import { loadProfile } from '../../../helpers/ports/profiles.ts';
import { DEFAULT_PORTS, clusterFamilies, podRoles, probePodName, type NodeInfo, type ProbePod, type Topology } from '../../../helpers/topology.ts';

export type Layout = 'ipv4' | 'dual' | 'ipv6';
export const NODES = ['lab-control-plane', 'lab-worker-1', 'lab-worker-2'] as const;

const v4 = { node: (i: number) => `172.28.0.${10 + i}`, pod: (i: number, j: number) => `10.244.${i}.${j + 2}`, cidr: (i: number) => `10.244.${i}.0/24` };
const v6 = { node: (i: number) => `fd00:28::${10 + i}`, pod: (i: number, j: number) => `fd00:244:0:${i}::${j + 2}`, cidr: (i: number) => `fd00:244:0:${i}::/64` };

/** Both families' values in the layout's order (the primary first); one for a single-family layout. */
function pick<T>(layout: Layout, a: T, b: T): T[] {
  return layout === 'ipv4' ? [a] : layout === 'ipv6' ? [b] : [a, b];
}

export function familyNodes(layout: Layout, options: { withoutIPv6?: string[] } = {}): NodeInfo[] {
  return NODES.map((name, i) => {
    const lacks = options.withoutIPv6?.includes(name);
    const ips = lacks ? [v4.node(i)] : pick(layout, v4.node(i), v6.node(i));
    return {
      name,
      role: i === 0 ? 'control-plane' : 'worker',
      internalIP: ips[0],
      ...(ips.length > 1 ? { internalIPs: ips } : {}),
      addresses: ips,
      podCIDRs: lacks ? [v4.cidr(i)] : pick(layout, v4.cidr(i), v6.cidr(i)),
    };
  });
}

export async function familyTopology(layout: Layout, options: { withoutIPv6?: string[] } = {}): Promise<Topology> {
  const nodes = familyNodes(layout, options);
  const probes: ProbePod[] = nodes.flatMap((n, i) => {
    const lacks = options.withoutIPv6?.includes(n.name);
    const pods = podRoles().map((role, j): ProbePod => {
      const ips = lacks ? [v4.pod(i, j)] : pick(layout, v4.pod(i, j), v6.pod(i, j));
      return { role, name: probePodName(role, n.name), node: n.name, ip: ips[0]!, ...(ips.length > 1 ? { ips } : {}), ready: true };
    });
    const hostIPs = n.internalIPs ?? [n.internalIP!];
    return [...pods, { role: 'host', name: probePodName('host', n.name), node: n.name, ip: hostIPs[0]!, ...(hostIPs.length > 1 ? { ips: hostIPs } : {}), ready: true }];
  });
  const svc = (name: string, a: string, b: string, port = 80) => {
    const ips = pick(layout, a, b);
    return { name, clusterIP: ips[0]!, ...(ips.length > 1 ? { clusterIPs: ips } : {}), port };
  };
  const serviceCIDRs = pick(layout, '10.96.0.0/16', 'fd00:96::/112');
  const ipOfNode = (i: number) => (layout === 'ipv6' ? v6.node(i) : v4.node(i));
  const profile = await loadProfile('kubeadm');
  const plans: Record<string, unknown> = {
    'pod-to-pod': undefined,
    'pod-to-service': { probes: svc('probes', '10.96.100.7', 'fd00:96::100:7'), api: { name: 'kubernetes', clusterIP: layout === 'ipv6' ? 'fd00:96::1' : '10.96.0.1', port: 443 }, serviceCIDRs },
    'pod-to-external': externalPlan(layout, nodes),
    // No LoadBalancer implementation on the fixture cluster: its two rows are skipped.
    loadbalancer: { service: 'probes-lb', port: 80, addressType: 'InternalIP', nodeAddresses: [], skip: 'no LoadBalancer implementation assigned an address to service/probes-lb' },
    'pod-to-node': { hostnames: Object.fromEntries(NODES.map((n) => [n, n])), problems: {} },
    hairpin: { services: NODES.map((n, i) => ({ node: n, probe: probePodName('probe-a', n), ...svc(`hairpin-${n}`, `10.96.200.${i}`, `fd00:96::200:${i}`) })) },
    'session-affinity': { service: svc('affinity', '10.96.100.8', 'fd00:96::100:8') },
    dns: {
      server: { namespace: 'kube-system', name: 'kube-dns', clusterIP: layout === 'ipv6' ? 'fd00:96::a' : '10.96.0.10' },
      cluster: svc('dns-probes', '10.96.100.9', 'fd00:96::100:9'),
      headless: { name: 'dns-headless', port: 8080 },
      ...(layout === 'dual' ? { twins: [{ family: 'ipv6', cluster: { name: 'dns-probes-ipv6', clusterIP: 'fd00:96::100:10', port: 80 }, headless: { name: 'dns-headless-ipv6', port: 8080 } }] } : {}),
      domain: 'cluster.local',
      search: ['netconform-abc123.svc.cluster.local', 'svc.cluster.local', 'cluster.local'],
      nameservers: [layout === 'ipv6' ? 'fd00:96::a' : '10.96.0.10'],
      api: { name: 'kubernetes', clusterIP: layout === 'ipv6' ? 'fd00:96::1' : '10.96.0.1', port: 443 },
    },
    nodeport: {
      addressType: 'InternalIP',
      range: { low: 30000, high: 32767, source: 'cluster' },
      backend: { pod: 'nodeport-backend', node: 'lab-worker-1', ready: true },
      services: [
        {
          name: 'nodeport-cluster',
          policy: 'Cluster',
          ports: (['low', 'middle', 'high'] as const).flatMap((position, k) => (['tcp', 'udp'] as const).map((protocol) => ({ nodePort: [30000, 31383, 32767][k]!, protocol, position }))),
        },
        {
          name: 'nodeport-local',
          policy: 'Local',
          ports: [
            { nodePort: 31384, protocol: 'tcp', position: 'auto' },
            { nodePort: 31385, protocol: 'udp', position: 'auto' },
          ],
        },
      ],
      targets: nodes.flatMap((n) => (n.internalIPs ?? [n.internalIP!]).map((address) => ({ node: n.name, address }))),
      notes: [],
      runner: {
        reached: true,
        detail: 'reached',
        addresses: Object.fromEntries(nodes.flatMap((n) => (n.internalIPs ?? [n.internalIP!]).map((a) => [a, a.includes(':') ? 'fd00:28::1' : '172.28.0.1']))),
      },
    },
    ports: {
      profile,
      cni: [],
      apiServerPort: 6443,
      apiServerPortSource: 'fixture',
      addressType: 'InternalIP',
      nodes: nodes.map((n, i) => ({
        name: n.name,
        address: n.internalIPs?.[0] ?? ipOfNode(i),
        ...(n.internalIPs ? { addresses: n.internalIPs } : {}),
        labels: i === 0 ? { 'node-role.kubernetes.io/control-plane': '' } : {},
      })),
      image: 'agnhost',
      listeners: {},
    },
  };
  return { runId: 'abc123', namespace: 'netconform-abc123', server: 'https://172.28.0.10:6443', nodes, probes, ports: DEFAULT_PORTS, families: clusterFamilies(nodes, probes), plans };
}

/** pod-to-external after settle: the runner's server per family, each node seen as its own address. */
function externalPlan(layout: Layout, nodes: NodeInfo[]) {
  const of = (family: 'ipv4' | 'ipv6') => ({
    port: family === 'ipv6' ? 40313 : 40312,
    nodes: Object.fromEntries(
      nodes.map((n) => {
        const seen = (n.internalIPs ?? [n.internalIP!]).find((a) => a.includes(':') === (family === 'ipv6'));
        return [n.name, { server: family === 'ipv6' ? 'fd00:28::1' : '172.28.0.1', seen }];
      }),
    ),
  });
  if (layout !== 'dual') return of(layout);
  return { ...of('ipv4'), families: { ipv4: of('ipv4'), ipv6: of('ipv6') } };
}

let modules: SuiteModule[] | undefined;

/** Every suite module's rows for a topology, in report order. */
export async function allRows(topology: Topology, options: { short?: boolean } = {}): Promise<Check[]> {
  modules ??= await loadSuiteModules();
  return modules.flatMap((m) => m.checks(topology, topology.plans[m.name] as never, options));
}

/** Every network row of the fixture cluster as a result: passed, unless `fault` says what was observed. */
export async function resultsOf(layout: Layout, fault: (c: NetworkCheck) => Observation | undefined): Promise<NetworkResult[]> {
  const rows: Check[] = await allRows(await familyTopology(layout));
  return rows
    .filter((c): c is NetworkCheck => c.kind === 'network')
    .map((c) => {
      const observed = fault(c);
      const outcome = !observed ? 'passed' : observed === 'CONTROL_ERROR' ? 'error' : observed === 'REACHABLE' ? 'passed' : 'failed';
      return {
        kind: 'network',
        suite: c.suite,
        name: c.title,
        from: c.from,
        to: c.to,
        port: c.port,
        protocol: c.protocol,
        family: c.family,
        ...(c.payload ? { payload: c.payload } : {}),
        expect: c.expect,
        observed: observed ?? (c.expect === 'CLOSED' ? 'FILTERED' : 'REACHABLE'),
        outcome,
        detail: '',
        attempts: 1,
        latencyMs: 2,
        ...(c.properties ? { properties: c.properties } : {}),
      } satisfies NetworkResult;
    });
}
