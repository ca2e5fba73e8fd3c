// Row building blocks every path shares (STYLE.md §2: a check is a row of data): peers of the
// shared probes, the probes of a node, titles, payload sizes, and the static rows for nodes
// that are not probed and probes that never became ready. Pure; unit-tested.
import type { Check, IpFamily, Peer, Protocol, StaticCheck, SuiteName } from './check/types.ts';
import type { NodeInfo, ProbePod, Topology } from './topology.ts';

/** Full-size payloads: bigger than one MTU. netexec's UDP server reads into a 2048-byte buffer. */
export const FULL_PAYLOAD_BYTES: Record<Protocol, number> = { tcp: 20 * 1024, udp: 1900 };

export type Payload = 'small' | 'full';

/** The four variants a pod-network check is made in: TCP and UDP, small and full-size. */
export const VARIANTS: readonly { protocol: Protocol; payload: Payload }[] = [
  { protocol: 'tcp', payload: 'small' },
  { protocol: 'udp', payload: 'small' },
  { protocol: 'tcp', payload: 'full' },
  { protocol: 'udp', payload: 'full' },
];

export function familyOf(ip: string): IpFamily {
  return ip.includes(':') ? 'ipv6' : 'ipv4';
}

export function label(p: Pick<ProbePod, 'node' | 'role'>): string {
  return `${p.node}/${p.role}`;
}

export function peerOf(p: ProbePod): Peer {
  return { kind: p.role === 'host' ? 'host' : 'pod', node: p.node, pod: p.name, ip: p.ip, family: familyOf(p.ip) };
}

/** The probe that dials, driven through the API server's pod proxy: its name and netexec port. */
export function controlOf(p: ProbePod, topology: Pick<Topology, 'ports'>): { pod: string; port: number } {
  return { pod: p.name, port: p.role === 'host' ? topology.ports.hostHttp : topology.ports.http };
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
