// What the network-policy cases read from the cluster before anything is made: the pod address
// range per family (ipBlock cases: the smallest CIDR holding every node's pod CIDR) and the
// cluster DNS pods (egress-to-DNS cases: their namespace, labels, addresses and named ports).
// Reads only; `list` makes the same cases as a run.
import { parseRange } from '../cidr.ts';
import type { Kube } from '../kube/index.ts';
import type { NodeInfo } from '../topology.ts';
import type { DnsTarget } from './case-world.ts';
import type { ContainerPort, PolicyProtocol } from './types.ts';

function format(value: bigint, family: 4 | 6): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 255n)).join('.');
  const groups = Array.from({ length: 8 }, (_, i) => ((value >> BigInt(112 - 16 * i)) & 0xffffn).toString(16));
  // The longest run of zero groups (two or more) becomes "::", as the canonical form writes it.
  let best = { at: -1, length: 1 };
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > best.length) best = { at: i, length: j - i };
    i = j === i ? i + 1 : j;
  }
  if (best.at < 0) return groups.join(':');
  return `${groups.slice(0, best.at).join(':')}::${groups.slice(best.at + best.length).join(':')}`;
}

/** The smallest CIDR holding all of `cidrs` (one family), in canonical form. */
export function supernet(cidrs: readonly string[]): string | undefined {
  const ranges = cidrs.map(parseRange);
  const family = ranges[0]?.family;
  if (!family || ranges.some((r) => r.family !== family)) return undefined;
  const width = family === 4 ? 32 : 128;
  const first = ranges.reduce((m, r) => (r.first < m ? r.first : m), ranges[0]!.first);
  const last = ranges.reduce((m, r) => (r.last > m ? r.last : m), ranges[0]!.last);
  let bits = width;
  while (bits > 0 && first >> BigInt(width - bits) !== last >> BigInt(width - bits)) bits--;
  const base = (first >> BigInt(width - bits)) << BigInt(width - bits);
  return `${format(base, family)}/${bits}`;
}

/** The pods' range per family: the supernet of the probed nodes' pod CIDRs (none when nodes have none). */
export function podRanges(nodes: readonly Pick<NodeInfo, 'podCIDRs' | 'skipReason'>[]): string[] {
  const all = nodes.filter((n) => !n.skipReason).flatMap((n) => n.podCIDRs);
  return (['.', ':'] as const).flatMap((mark) => {
    const family = all.filter((c) => (mark === ':' ? c.includes(':') : !c.includes(':')));
    const net = family.length ? supernet(family) : undefined;
    return net ? [net] : [];
  });
}

export const DNS_NAMESPACE = 'kube-system';
export const DNS_POD_LABELS = { 'k8s-app': 'kube-dns' };

/** The cluster DNS pods (kube-system, k8s-app=kube-dns, with an address); undefined when there are none (DNS cases are not made). */
export async function dnsTarget(kube: Kube): Promise<DnsTarget | undefined> {
  const pods = await kube.listPods(DNS_NAMESPACE, 'k8s-app=kube-dns').catch(() => []);
  const running = pods.filter((p) => (p.status?.podIPs?.length ?? 0) > 0 && !p.metadata?.deletionTimestamp);
  if (running.length === 0) return undefined;
  const namedPorts: Record<string, ContainerPort> = {};
  for (const c of running[0]!.spec?.containers ?? [])
    for (const port of c.ports ?? []) if (port.name) namedPorts[port.name] = { port: port.containerPort, protocol: (port.protocol ?? 'TCP') as PolicyProtocol };
  return {
    namespace: DNS_NAMESPACE,
    podLabels: DNS_POD_LABELS,
    pods: running.map((p) => ({ name: p.metadata!.name!, ips: (p.status!.podIPs ?? []).map((i) => i.ip!).filter(Boolean), node: p.spec?.nodeName ?? '' })),
    namedPorts,
  };
}
