// Row building blocks every path shares (a check is a row of data): peers of the
// shared probes, the probes of a node, titles, payload sizes, and the static rows for nodes
// that are not probed and probes that never became ready. Pure; unit-tested.
import { FULL_BYTES } from './probes/answers.ts';
import type { Check, IpFamily, Peer, Protocol, StaticCheck, SuiteName } from './check/types.ts';
import { familyOf } from './ip.ts';
import { clusterFamilies, type NodeInfo, type ProbePod, type Topology } from './topology.ts';

/** Full-size rows: the request and the answer are each this large (the probes' fixed full-size answers). */
export const FULL_PAYLOAD_BYTES: Record<Protocol, number> = FULL_BYTES;

export type Payload = 'small' | 'full';

/** The four variants a pod-network check is made in: TCP and UDP, small and full-size. */
export const VARIANTS: readonly { protocol: Protocol; payload: Payload }[] = [
  { protocol: 'tcp', payload: 'small' },
  { protocol: 'udp', payload: 'small' },
  { protocol: 'tcp', payload: 'full' },
  { protocol: 'udp', payload: 'full' },
];

export { bracketed, familyOf } from './ip.ts';

export function label(p: Pick<ProbePod, 'node' | 'role'>): string {
  return `${p.node}/${p.role}`;
}

/** 'IPv4' / 'IPv6', as titles and reports write a family. */
export function familyName(family: IpFamily): string {
  return family === 'ipv6' ? 'IPv6' : 'IPv4';
}

/** The cluster's IP families (the topology's, else read from nodes and probes), IPv4 first. */
export function familiesOf(topology: Pick<Topology, 'families' | 'nodes' | 'probes'>): IpFamily[] {
  return topology.families ?? clusterFamilies(topology.nodes, topology.probes);
}

/**
 * What a title says of the family: nothing on a single-family cluster (titles stay as they
 * were), 'IPv4 ' / 'IPv6 ' (before the port) where the cluster has more than one family.
 */
export function familyTag(topology: Pick<Topology, 'families' | 'nodes' | 'probes'>, family: IpFamily): string {
  return familiesOf(topology).length > 1 ? `${familyName(family)} ` : '';
}

/** `{ ipFamily }` for a static row of one family on a multi-family cluster; nothing on a single-family one. */
export function familyProperties(topology: Pick<Topology, 'families' | 'nodes' | 'probes'>, family: IpFamily): Record<string, string> {
  return familiesOf(topology).length > 1 ? { ipFamily: family } : {};
}

/** A probe's IP of one family (undefined when it has none in that family). */
export function ipIn(p: Pick<ProbePod, 'ip' | 'ips'>, family: IpFamily): string | undefined {
  return (p.ips ?? [p.ip]).find((ip) => familyOf(ip) === family);
}

/**
 * What a Service's rows dial, one per family of the cluster: its ClusterIP of that family; before
 * the Service exists (list) a placeholder ('<cluster-ip>', '<cluster-ip::6>'), so list and run
 * make the same rows; `ip` undefined when the Service got no ClusterIP of that family.
 */
export function serviceTargets(svc: { clusterIP: string; clusterIPs?: string[] }, topology: Pick<Topology, 'families' | 'nodes' | 'probes'>): { family: IpFamily; ip?: string }[] {
  return familiesOf(topology).map((family) => ({
    family,
    ip: svc.clusterIP ? serviceIPs(svc).find((ip) => familyOf(ip) === family) : family === 'ipv6' ? '<cluster-ip::6>' : '<cluster-ip>',
  }));
}

/** Why a Service has no ClusterIP of a family the cluster has (a not-run row, never a silent gap). */
export function missingFamilyReason(svc: { name: string; clusterIP: string; clusterIPs?: string[] }, family: IpFamily): string {
  return `Service ${svc.name} got no ${familyName(family)} ClusterIP (spec.clusterIPs: ${serviceIPs(svc).join(', ')}) although the cluster's nodes and pods have ${familyName(family)}: the cluster's Service CIDRs have no ${familyName(family)} range`;
}

/** The addresses of a Service, one per family (spec.clusterIPs, else clusterIP). */
export function serviceIPs(svc: { clusterIP: string; clusterIPs?: string[] }): string[] {
  return svc.clusterIPs?.length ? svc.clusterIPs : [svc.clusterIP];
}

/** A probe as a peer, on its IP of `family` (default: its primary IP). */
export function peerOf(p: ProbePod, family?: IpFamily): Peer {
  const ip = (family && ipIn(p, family)) ?? p.ip;
  return { kind: p.role === 'host' ? 'host' : 'pod', node: p.node, pod: p.name, ip, family: familyOf(ip) };
}

/** The probe a row's request is made in (through its exec stream). */
export function controlOf(p: ProbePod): { pod: string } {
  return { pod: p.name };
}

export function sizeText(bytes: number): string {
  return bytes % 1024 === 0 ? `${bytes / 1024}KiB` : `${bytes}B`;
}

/** "<port>/<protocol>" and the payload size for full-size rows. */
export function portText(port: number, protocol: Protocol, payload: Payload = 'small'): string {
  return `${port}/${protocol}${payload === 'full' ? ` ${sizeText(FULL_PAYLOAD_BYTES[protocol])}` : ''}`;
}

const ready = (p: ProbePod) => p.ready && p.ip !== '';

/** The pod probes of a node, probe-a first. */
export function podProbesOn(topology: Pick<Topology, 'probes'>, node: string): ProbePod[] {
  return topology.probes.filter((p) => p.node === node && p.role !== 'host' && ready(p)).sort((a, b) => a.role.localeCompare(b.role));
}

export function hostProbeOn(topology: Pick<Topology, 'probes'>, node: string): ProbePod | undefined {
  return topology.probes.find((p) => p.node === node && p.role === 'host' && ready(p));
}

export function probedNodes(topology: Pick<Topology, 'nodes'>): string[] {
  return topology.nodes.filter((n) => !n.skipReason).map((n) => n.name);
}

/** Nodes the run does not probe (cordoned, NotReady): a skipped row each, never a silent pass. */
export function skippedNodeRows(suite: SuiteName, nodes: readonly Pick<NodeInfo, 'name' | 'skipReason'>[]): StaticCheck[] {
  return nodes.filter((n) => n.skipReason).map((n) => ({ kind: 'static', suite, title: `node ${n.name} skipped`, status: 'skipped', node: n.name, reason: `node ${n.name} is ${n.skipReason}` }));
}

/** Probes that never became ready: a not-run row each, naming why. */
export function unreadyProbeRows(suite: SuiteName, probes: readonly ProbePod[], keep: (p: ProbePod) => boolean = () => true): StaticCheck[] {
  return probes
    .filter((p) => !p.ready && keep(p))
    .map((p) => ({
      kind: 'static',
      suite,
      title: `setup ${label(p)}`,
      status: 'not-run',
      node: p.node,
      reason: `probe ${p.name} on node ${p.node} never became ready: ${p.problem ?? 'unknown reason'}`,
      properties: { phase: 'setup', pod: p.name, 'probe.problem': p.problem ?? 'unknown reason' },
    }));
}

/** Skipped nodes and unready probes, as rows of a suite. */
export function setupRows(suite: SuiteName, topology: Pick<Topology, 'nodes' | 'probes'>): Check[] {
  return [...skippedNodeRows(suite, topology.nodes), ...unreadyProbeRows(suite, topology.probes)];
}

/**
 * A family configured on some nodes and not others (node address, pod CIDR, probe pod IPs) is a
 * finding: one fact row per family of a multi-family cluster, failed naming the nodes that lack
 * it. A single-family cluster gets no row (its rows stay as they were).
 */
export function familyCoverageRows(suite: SuiteName, topology: Pick<Topology, 'families' | 'nodes' | 'probes'>): StaticCheck[] {
  const families = familiesOf(topology);
  if (families.length < 2) return [];
  const nodes = topology.nodes.filter((n) => !n.skipReason);
  return families.map((family) => {
    const name = familyName(family);
    const lacking = nodes.flatMap((n) => {
      const missing: string[] = [];
      if (!(n.internalIPs ?? (n.internalIP ? [n.internalIP] : [])).some((ip) => familyOf(ip) === family)) missing.push(`no ${name} InternalIP`);
      if (!n.podCIDRs.some((c) => familyOf(c) === family)) missing.push(`no ${name} pod CIDR`);
      const pods = topology.probes.filter((p) => p.node === n.name && p.role !== 'host' && p.ready && !p.ip.startsWith('<'));
      const without = pods.filter((p) => !ipIn(p, family));
      if (without.length) missing.push(`pods without an ${name} IP: ${without.map((p) => p.name).join(', ')}`);
      return missing.length ? [{ node: n.name, missing }] : [];
    });
    const having = nodes.filter((n) => !lacking.some((l) => l.node === n.name)).map((n) => n.name);
    return {
      kind: 'static',
      suite,
      title: `${name} configured on every node`,
      status: 'fact',
      holds: lacking.length === 0,
      ...(lacking.length === 1 ? { node: lacking[0]!.node } : {}),
      reason:
        lacking.length === 0
          ? `every node has an ${name} InternalIP, an ${name} pod CIDR and its pods ${name} IPs`
          : `${name} is configured on ${having.join(', ') || 'no node'} but not on ${lacking.map((l) => `${l.node} (${l.missing.join('; ')})`).join(', ')}: ${name} checks to and from ${lacking.length === 1 ? 'that node' : 'those nodes'} cannot run`,
      properties: { check: 'ip-family-coverage', ipFamily: family, ...(lacking.length ? { 'nodes.lacking': lacking.map((l) => l.node).join(',') } : {}) },
    };
  });
}
