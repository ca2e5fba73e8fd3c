// Does a rule's `ports` list admit a connection's destination port and protocol?
// - No list (or an empty one): every port of every protocol.
// - An entry's protocol defaults to TCP; an entry without `port` is every port of that protocol.
// - A numeric port with `endPort` is the inclusive range port..endPort.
// - A named port is resolved against the DESTINATION pod's container ports — for ingress the
//   policy's own (selected) pod, for egress the peer being dialled — and matches only when that
//   pod has a port of that name whose protocol is the entry's protocol. A destination that is not
//   a pod (an external address) has no named ports: a named entry never admits it.
import type { ContainerPort, NetworkPolicyPort, PolicyProtocol } from './types.ts';

export interface PortTarget {
  port: number;
  protocol: PolicyProtocol;
  /** The destination pod's named container ports; undefined when the destination is not a pod. */
  namedPorts: Readonly<Record<string, ContainerPort>> | undefined;
}

/** The index of the first entry that admits the target, -1 for "every port" (no list), or undefined. */
export function admittingPort(ports: readonly NetworkPolicyPort[] | undefined, target: PortTarget): number | undefined {
  if (!ports || ports.length === 0) return -1;
  const i = ports.findIndex((p) => portAdmits(p, target));
  return i === -1 ? undefined : i;
}

function portAdmits(entry: NetworkPolicyPort, target: PortTarget): boolean {
  const protocol = entry.protocol ?? 'TCP';
  if (protocol !== target.protocol) return false;
  if (entry.port === undefined) return true;
  if (typeof entry.port === 'string') {
    const named = target.namedPorts?.[entry.port];
    return named !== undefined && named.protocol === protocol && named.port === target.port;
  }
  const end = entry.endPort ?? entry.port;
  return entry.port <= target.port && target.port <= end;
}

/** An entry in words: "80/TCP", "80-90/UDP", "serve-80-tcp/TCP", "all TCP ports". */
export function describePort(entry: NetworkPolicyPort): string {
  const protocol = entry.protocol ?? 'TCP';
  if (entry.port === undefined) return `all ${protocol} ports`;
  return `${entry.port}${entry.endPort !== undefined ? `-${entry.endPort}` : ''}/${protocol}`;
}

// IANA_SVC_NAME: what a container port name (and so a policy's named port) may be.
const SERVICE_NAME = /^(?=.*[a-z])[a-z0-9](?:[a-z0-9]|-(?!-))*[a-z0-9]$|^[a-z]$/;

/** What the API server refuses in a ports entry. */
export function portProblems(entry: NetworkPolicyPort, where: string): string[] {
  const problems: string[] = [];
  if (entry.protocol !== undefined && !['TCP', 'UDP', 'SCTP'].includes(entry.protocol)) problems.push(`${where}.protocol: ${String(entry.protocol)} is not TCP, UDP or SCTP`);
  if (typeof entry.port === 'string') {
    if (entry.port.length > 15 || !SERVICE_NAME.test(entry.port)) problems.push(`${where}.port: ${JSON.stringify(entry.port)} is not a valid port name`);
  } else if (entry.port !== undefined && !(Number.isInteger(entry.port) && entry.port >= 1 && entry.port <= 65535)) {
    problems.push(`${where}.port: ${entry.port} is not 1-65535`);
  }
  if (entry.endPort !== undefined) {
    if (typeof entry.port !== 'number') problems.push(`${where}.endPort: only with a numeric port`);
    else if (!Number.isInteger(entry.endPort) || entry.endPort < entry.port || entry.endPort > 65535) problems.push(`${where}.endPort: ${entry.endPort} must be ${entry.port}-65535`);
  }
  return problems;
}
