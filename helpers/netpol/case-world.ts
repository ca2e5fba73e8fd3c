// The world the generated cases run in, and how a case's steps become expected tables.
// Three namespaces x, y, z (their real names are the run's: parameters), labelled `ns: x` etc.;
// pods a, b, c in each, labelled `pod: a` etc., each serving 80 and 81 over TCP and UDP with the
// container port names serve-80-tcp, serve-80-udp, serve-81-tcp, serve-81-udp.
import type { ModelOptions } from './model.ts';
import { changedCells, expectedTable, type CellChange, type PortProtocol, type ProbeSet, type TruthTable } from './truth-table.ts';
import type { ContainerPort, Endpoint, Family, LabelSelector, Namespace, NetworkPolicy, NetworkPolicyPeer, Pod, World } from './types.ts';
import { podKey } from './types.ts';
import { applyActions, undoActions, type Action } from './world.ts';

export const NAMESPACES = ['x', 'y', 'z'] as const;
export const PODS = ['a', 'b', 'c'] as const;
export type NamespaceId = (typeof NAMESPACES)[number];
export type PodId = (typeof PODS)[number];

export const SERVED: PortProtocol[] = [
  { port: 80, protocol: 'TCP' },
  { port: 80, protocol: 'UDP' },
  { port: 81, protocol: 'TCP' },
  { port: 81, protocol: 'UDP' },
];

export const DNS_PORTS: PortProtocol[] = [
  { port: 53, protocol: 'UDP' },
  { port: 53, protocol: 'TCP' },
];

/** serve-80-tcp → 80/TCP, …: the probe pods' named container ports. */
export const NAMED_PORTS: Record<string, ContainerPort> = Object.fromEntries(SERVED.map((s) => [`serve-${s.port}-${s.protocol.toLowerCase()}`, s]));

/**
 * The cluster DNS, as egress cases allow it: by selector (its namespace, its pods' labels, and the
 * pods themselves so the model can see them; named ports default to CoreDNS's dns and dns-tcp) or
 * by its pods' IPs (ipBlock /32 or /128: the pods', not the Service's ClusterIP — whether a
 * policy sees the address before or after the Service's DNAT is implementation-defined).
 */
export type DnsTarget = { namespace: string; podLabels: Record<string, string>; pods: { name: string; ips: string[]; node: string }[]; namedPorts?: Record<string, ContainerPort> } | { ips: string[] };

export const COREDNS_PORTS: Record<string, ContainerPort> = { dns: { port: 53, protocol: 'UDP' }, 'dns-tcp': { port: 53, protocol: 'TCP' } };

export interface CaseOptions {
  /** The run's names for namespaces x, y and z. */
  namespaces: Record<NamespaceId, string>;
  /** Addresses and nodes of the nine probe pods, keyed "x/a" (logical names). Unknown: no IPs, node ''. */
  pods?: Partial<Record<`${NamespaceId}/${PodId}`, { ips: string[]; node: string }>>;
  /** The cluster's pod CIDRs, one per family: ipBlock cases are made for each family given. */
  podCIDRs?: string[];
  /** The cluster DNS: egress-to-DNS cases are made only when it is given. */
  dns?: DnsTarget;
  /** A pod a case adds (`add-pod`) gets these until the runner knows its real ones (see `caseSteps`). */
  addedPod?: { ips: string[]; node: string };
  /** How the model reads the implementation-defined parts (ipBlock and pod IPs, self and node traffic). */
  model?: ModelOptions;
}

export interface StepSpec {
  description: string;
  actions: Action[];
}

export interface CaseStep extends StepSpec {
  expected: TruthTable;
  /** The cells this step flips relative to the previous step (the first: relative to no policies). */
  changed: CellChange[];
}

/** The base world: namespaces with `ns` and the API server's kubernetes.io/metadata.name label, nine pods, no policies. */
export function caseWorld(options: CaseOptions): World {
  const namespaces: Namespace[] = NAMESPACES.map((id) => ({ name: options.namespaces[id], labels: { ns: id, 'kubernetes.io/metadata.name': options.namespaces[id] } }));
  const pods: Pod[] = NAMESPACES.flatMap((n) =>
    PODS.map((p) => probePod({ namespace: options.namespaces[n], name: p, labels: { pod: p }, ...(options.pods?.[`${n}/${p}`] ?? { ips: [], node: '' }) })),
  );
  const dns = options.dns && 'namespace' in options.dns ? options.dns : undefined;
  if (dns) {
    namespaces.push({ name: dns.namespace, labels: { 'kubernetes.io/metadata.name': dns.namespace } });
    pods.push(...dns.pods.map((p) => ({ namespace: dns.namespace, name: p.name, labels: dns.podLabels, ips: p.ips, node: p.node, namedPorts: dns.namedPorts ?? COREDNS_PORTS })));
  }
  return { namespaces, pods, policies: [] };
}

/** A pod of the fleet: serves the four ports under their names. */
export function probePod(pod: { namespace: string; name: string; labels: Record<string, string>; ips: string[]; node: string }): Pod {
  return { ...pod, namedPorts: { ...NAMED_PORTS } };
}

/** Every run pod × every run pod × the served ports, plus the DNS cells when `dns` is set. */
export function probesFor(world: World, options: CaseOptions, extra: { dns?: boolean } = {}): ProbeSet[] {
  const runNamespaces = new Set(Object.values(options.namespaces));
  const runPods: Endpoint[] = world.pods.filter((p) => runNamespaces.has(p.namespace)).map((p) => ({ pod: podKey(p) }));
  const sets: ProbeSet[] = [{ from: runPods, to: runPods, ports: SERVED }];
  if (extra.dns && options.dns) {
    const dns = options.dns;
    const to: Endpoint[] = 'namespace' in dns ? dns.pods.map((p) => ({ pod: `${dns.namespace}/${p.name}` })) : dns.ips.map((ip) => ({ ip }));
    sets.push({ from: runPods, to, ports: DNS_PORTS });
  }
  return sets;
}

/**
 * Replay a case's steps on `base`: each step's expected table and the cells it flips. A runner calls
 * this again once it knows an added pod's real addresses (replace the `add-pod` action's pod).
 */
export function caseSteps(
  base: World,
  steps: readonly StepSpec[],
  options: CaseOptions,
  extra: { dns?: boolean; family?: Family; baseTable?: TruthTable } = {},
): { steps: CaseStep[]; teardown: Action[] } {
  let world = base;
  let previous = extra.baseTable ?? baseTable(base, options, extra);
  const out: CaseStep[] = [];
  for (const step of steps) {
    world = applyActions(world, step.actions);
    const expected = baseTable(world, options, extra);
    out.push({ ...step, expected, changed: changedCells(previous, expected) });
    previous = expected;
  }
  return { steps: out, teardown: undoActions(base, world) };
}

/** The table of `world` with the case's probes (before any step: the one every case of that kind shares). */
export function baseTable(world: World, options: CaseOptions, extra: { dns?: boolean; family?: Family } = {}): TruthTable {
  return expectedTable(world, probesFor(world, options, extra), { ...(extra.family ? { family: extra.family } : {}), ...(options.model ? { model: options.model } : {}) });
}

// Builders the case files share: short, so a case reads like the policy it makes.

export function selector(labels: Record<string, string> = {}): LabelSelector {
  return Object.keys(labels).length ? { matchLabels: labels } : {};
}

export const pods = (p: string): NetworkPolicyPeer => ({ podSelector: selector({ pod: p }) });
export const inNamespace = (n: NamespaceId): NetworkPolicyPeer => ({ namespaceSelector: selector({ ns: n }) });
export const podsInNamespace = (n: NamespaceId, p: string): NetworkPolicyPeer => ({ namespaceSelector: selector({ ns: n }), podSelector: selector({ pod: p }) });

export function policy(namespace: string, name: string, spec: NetworkPolicy['spec']): NetworkPolicy {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec };
}

export type CaseFamily =
  | 'default-deny'
  | 'allow-all'
  | 'pod-selector'
  | 'namespace-selector'
  | 'and-vs-or'
  | 'match-expressions'
  | 'ip-block'
  | 'port-number'
  | 'port-name'
  | 'end-port'
  | 'protocol'
  | 'dns-egress'
  | 'union'
  | 'policy-types'
  | 'namespace-scope'
  | 'changes';

/** A case before its tables are computed: what a family file writes. */
export interface CaseSpec {
  id: string;
  family: CaseFamily;
  description: string;
  steps: StepSpec[];
  /** Probe this family only (ipBlock cases); default: each pair's primary family. */
  ipFamily?: Family;
  /** Probe the cluster DNS too (53/UDP and 53/TCP from every run pod). */
  dns?: boolean;
}

/** What a family file gets: the options, the run's namespace names and the base world. */
export interface Kit {
  options: CaseOptions;
  ns: (id: NamespaceId) => string;
  world: World;
}

export const apply = (p: NetworkPolicy): Action => ({ kind: 'apply', policy: p });
export const step = (description: string, ...actions: Action[]): StepSpec => ({ description, actions });
