// A pure model of Kubernetes NetworkPolicy (networking.k8s.io/v1): a world (namespaces, pods,
// policies) and a connection → allowed or denied, per direction, with the rule that decided it.
// Spec sentences it holds (kubernetes.io/docs/concepts/services-networking/network-policies and
// the API reference):
// - A pod is isolated for ingress (egress) when some policy in ITS namespace selects it and has
//   Ingress (Egress) in policyTypes; otherwise everything is allowed in that direction.
// - Policies are additive: an isolated pod accepts what the union of the applicable policies' rules
//   allow. No rule can deny.
// - A connection needs egress from the source AND ingress to the destination.
// - policyTypes, when empty, defaults to Ingress, plus Egress when the policy has egress rules
//   (the API server's defaulting: `egress: []` counts as no egress rules, so it stays Ingress-only).
// - Exceptions the docs state: "a pod cannot block access to itself" and "traffic to and from the
//   node where a Pod is running is always allowed". Both are options (on by default) since a
//   prober may see otherwise and the report should say which reading was used.
// - ipBlock always applies to cluster-external addresses. Whether it also matches POD IPs is
//   implementation-defined: the docs only say its CIDRs "should be cluster-external IPs, since Pod
//   IPs are ephemeral and unpredictable" (upstream's netpol e2e writes ipBlocks of pod IPs and
//   expects them to match; Cilium documents that its CIDR rules do not apply between cluster
//   endpoints). `ipBlockMatchesPods` chooses; default true, the documented upstream behaviour.
// - Node traffic and hostNetwork pods are implementation-defined in the spec too: the model sees
//   them only as addresses (an Endpoint with `ip`, and `node` when it is a node's own), i.e.
//   ipBlock semantics, plus the own-node exception above.
import { cidrFamily, inIpBlock } from './ip-block.ts';
import { admittingPort, describePort } from './ports.ts';
import { describeSelector, matchesSelector } from './selectors.ts';
import type { Direction, Endpoint, Family, NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort, Pod, PolicyProtocol, PolicyType, World } from './types.ts';
import { podKey } from './types.ts';

export interface ModelOptions {
  /** Does an ipBlock peer match a pod by its IP? Implementation-defined in the spec; default true. */
  ipBlockMatchesPods?: boolean;
  /** A pod's connection to itself is always allowed ("a pod cannot block access to itself"); default true. */
  selfAlwaysAllowed?: boolean;
  /** Traffic between a pod and its own node's address is always allowed; default true. */
  nodeLocalAlwaysAllowed?: boolean;
}

export interface Connection {
  from: Endpoint;
  to: Endpoint;
  port: number;
  protocol: PolicyProtocol;
  /** The IP family of the connection; default: the family of the first address either end has. */
  family?: Family;
}

/** The rule that allowed a direction: policy, rule index, and the peer and port entries that matched. */
export interface RuleRef {
  policy: string;
  direction: Direction;
  rule: number;
  /** Index in from/to; -1 when the rule has no peers (all sources or destinations). */
  peer: number;
  /** Index in ports; -1 when the rule has no ports (all ports). */
  port: number;
  text: string;
}

export interface DirectionVerdict {
  direction: Direction;
  allowed: boolean;
  /** The policies ("namespace/name") that isolate the pod in this direction; empty: not isolated. */
  isolatedBy: string[];
  /** Every rule that allows the connection, in policy order. */
  allowedBy: RuleRef[];
  reason: string;
}

export interface Verdict {
  allowed: boolean;
  egress: DirectionVerdict;
  ingress: DirectionVerdict;
  reason: string;
}

/** policyTypes as the API server defaults them (an `egress: []` is no egress section). */
export function effectivePolicyTypes(policy: NetworkPolicy): PolicyType[] {
  const given = policy.spec.policyTypes ?? [];
  if (given.length > 0) return given;
  return (policy.spec.egress ?? []).length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
}

/** The policies that select `pod` for a direction: same namespace, podSelector matches, type present. */
export function isolatingPolicies(world: World, pod: Pod, direction: Direction): NetworkPolicy[] {
  const type: PolicyType = direction === 'ingress' ? 'Ingress' : 'Egress';
  return world.policies.filter((p) => p.metadata.namespace === pod.namespace && matchesSelector(p.spec.podSelector, pod.labels) && effectivePolicyTypes(p).includes(type));
}

export function evaluate(world: World, connection: Connection, options: ModelOptions = {}): Verdict {
  const from = resolve(world, connection.from);
  const to = resolve(world, connection.to);
  const family = connection.family ?? connectionFamily(from, to);
  const ctx: Context = { world, options, family, port: connection.port, protocol: connection.protocol };
  const egress = from.pod ? direction(ctx, 'egress', from.pod, to) : open('egress', `${from.key} is not a pod: no egress policy applies`);
  const ingress = to.pod ? direction(ctx, 'ingress', to.pod, from) : open('ingress', `${to.key} is not a pod: no ingress policy applies`);
  const allowed = egress.allowed && ingress.allowed;
  const denied = [egress, ingress].filter((d) => !d.allowed);
  const reason = allowed ? `allowed: ${egress.reason}; ${ingress.reason}` : `denied: ${denied.map((d) => d.reason).join('; ')}`;
  return { allowed, egress, ingress, reason };
}

interface Context {
  world: World;
  options: ModelOptions;
  family: Family;
  port: number;
  protocol: PolicyProtocol;
}

export interface Resolved {
  key: string;
  pod?: Pod;
  ip?: string;
  node?: string;
}

/** An endpoint in the world: its key, its pod (a pod endpoint) and the node it runs on. */
export function resolve(world: World, endpoint: Endpoint): Resolved {
  if ('ip' in endpoint) return { key: endpoint.ip, ip: endpoint.ip, ...(endpoint.node ? { node: endpoint.node } : {}) };
  const slash = endpoint.pod.indexOf('/');
  const namespace = endpoint.pod.slice(0, slash);
  const name = endpoint.pod.slice(slash + 1);
  const pod = world.pods.find((p) => p.name === name && p.namespace === namespace);
  if (!pod) throw new Error(`no pod ${endpoint.pod} in the world`);
  return { key: endpoint.pod, pod, node: pod.node };
}

function connectionFamily(from: Resolved, to: Resolved): Family {
  const first = to.ip ?? from.ip ?? to.pod?.ips[0] ?? from.pod?.ips[0];
  return first ? cidrFamily(first) : 'ipv4';
}

/** The address an endpoint uses for this connection's family (a pod may have one per family). */
function addressOf(end: { pod?: Pod; ip?: string }, family: Family): string | undefined {
  if (end.ip) return cidrFamily(end.ip) === family ? end.ip : undefined;
  return end.pod?.ips.find((ip) => cidrFamily(ip) === family);
}

function open(dir: Direction, reason: string): DirectionVerdict {
  return { direction: dir, allowed: true, isolatedBy: [], allowedBy: [], reason };
}

/** One direction for the pod the policies would select (`subject`), against the other end (`peer`). */
function direction(ctx: Context, dir: Direction, subject: Pod, peer: Resolved): DirectionVerdict {
  const subjectKey = podKey(subject);
  const what = dir === 'ingress' ? `ingress to ${subjectKey} from ${peer.key}` : `egress from ${subjectKey} to ${peer.key}`;
  const target = `${ctx.port}/${ctx.protocol}`;
  if (ctx.options.selfAlwaysAllowed !== false && peer.pod === subject) return open(dir, `${what}: a pod's traffic to itself is always allowed`);
  if (ctx.options.nodeLocalAlwaysAllowed !== false && !peer.pod && peer.node === subject.node) {
    return open(dir, `${what}: traffic between a pod and its own node is always allowed`);
  }
  const isolating = isolatingPolicies(ctx.world, subject, dir);
  if (isolating.length === 0) return open(dir, `${what}: ${subjectKey} is not isolated for ${dir} (no policy in ${subject.namespace} selects it for ${dir})`);

  // Named ports resolve against the destination: the subject for ingress, the peer for egress.
  const destination = dir === 'ingress' ? subject : peer.pod;
  const allowedBy: RuleRef[] = [];
  for (const policy of isolating) {
    const name = podKey({ namespace: policy.metadata.namespace, name: policy.metadata.name });
    const rules = dir === 'ingress' ? (policy.spec.ingress ?? []).map((r) => ({ peers: r.from, ports: r.ports })) : (policy.spec.egress ?? []).map((r) => ({ peers: r.to, ports: r.ports }));
    for (const [i, rule] of rules.entries()) {
      const peerIndex = matchingPeer(ctx, rule.peers, policy.metadata.namespace, peer);
      if (peerIndex === undefined) continue;
      const portIndex = admittingPort(rule.ports, { port: ctx.port, protocol: ctx.protocol, namedPorts: destination?.namedPorts });
      if (portIndex === undefined) continue;
      allowedBy.push({ policy: name, direction: dir, rule: i, peer: peerIndex, port: portIndex, text: ruleText(name, dir, i, rule.peers, peerIndex, rule.ports, portIndex) });
    }
  }
  const isolatedBy = isolating.map((p) => podKey({ namespace: p.metadata.namespace, name: p.metadata.name }));
  if (allowedBy.length > 0) return { direction: dir, allowed: true, isolatedBy, allowedBy, reason: `${what} ${target} allowed by ${allowedBy.map((r) => r.text).join(' and ')}` };
  return { direction: dir, allowed: false, isolatedBy, allowedBy, reason: `${what} ${target}: isolated by policies ${isolatedBy.join(', ')}; no rule allows` };
}

/** Index of the first peer matching, -1 for "no peers" (everyone), undefined for none. */
function matchingPeer(ctx: Context, peers: readonly NetworkPolicyPeer[] | undefined, policyNamespace: string, end: Resolved): number | undefined {
  if (!peers || peers.length === 0) return -1;
  const i = peers.findIndex((p) => peerMatches(ctx, p, policyNamespace, end));
  return i === -1 ? undefined : i;
}

export function peerMatches(ctx: { world: World; options: ModelOptions; family: Family }, peer: NetworkPolicyPeer, policyNamespace: string, end: { pod?: Pod; ip?: string }): boolean {
  if (peer.ipBlock) {
    if (end.pod && ctx.options.ipBlockMatchesPods === false) return false;
    const address = addressOf(end, ctx.family);
    return address !== undefined && inIpBlock(peer.ipBlock, address);
  }
  // A peer with neither selector is refused by the API server (validate.ts); it matches nothing here.
  if (!end.pod || (!peer.podSelector && !peer.namespaceSelector)) return false;
  const pod = end.pod;
  if (peer.namespaceSelector) {
    const ns = ctx.world.namespaces.find((n) => n.name === pod.namespace);
    if (!ns) throw new Error(`pod ${podKey(pod)} is in namespace ${pod.namespace}, which is not in the world`);
    if (!matchesSelector(peer.namespaceSelector, ns.labels)) return false;
  } else if (pod.namespace !== policyNamespace) {
    return false; // a podSelector alone selects pods in the policy's own namespace
  }
  return !peer.podSelector || matchesSelector(peer.podSelector, pod.labels);
}

function ruleText(policy: string, dir: Direction, rule: number, peers: readonly NetworkPolicyPeer[] | undefined, peer: number, ports: readonly NetworkPolicyPort[] | undefined, port: number): string {
  const field = dir === 'ingress' ? 'from' : 'to';
  const p = peers?.[peer];
  const who = peer === -1 ? `any ${dir === 'ingress' ? 'source' : 'destination'}` : `${field}[${peer}] ${p ? describePeer(p) : ''}`;
  const entry = ports?.[port];
  return `${policy} ${dir}[${rule}] (${who}; ${entry ? describePort(entry) : 'all ports'})`;
}

export function describePeer(peer: NetworkPolicyPeer): string {
  if (peer.ipBlock) return `ipBlock ${peer.ipBlock.cidr}${peer.ipBlock.except?.length ? ` except ${peer.ipBlock.except.join(',')}` : ''}`;
  const pods = peer.podSelector ? `pods ${describeSelector(peer.podSelector)}` : 'all pods';
  const namespaces = peer.namespaceSelector ? `namespaces ${describeSelector(peer.namespaceSelector)}` : "the policy's namespace";
  return `${pods} in ${namespaces}`;
}
