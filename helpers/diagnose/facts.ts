// The typed view of a result that the diagnosis rules read (and the only module of diagnose/
// that reads CheckResult fields or `properties`). A rule asks "is this a NodePort in the
// cluster's range, into which node, over which protocol?", never what a profile's prose or a
// row's title says: a user's profile worded differently from kubeadm.yaml must yield the same
// diagnosis. `quote` carries the prose a cause may quote back to the user, never a decision.
//
// Only network results have facts: static rows (skips, setup failures, computed facts) speak
// for themselves in the reports and are not diagnosed.

import type { DetectedCni } from '../ports/cni.ts';
import type { DnsResult, IpFamily, NetworkResult as CheckResult, Protocol, SuiteName } from '../check/types.ts';

export interface DiagnoseContext {
  /** Detected CNI add-ons: their node-to-node ports are named in pod-network causes. */
  cni?: DetectedCni[];
  /**
   * The cluster's NodePort range as read at setup (the nodeport suite's topology). Unknown →
   * no ports-suite row counts as a NodePort row (never assumed to be 30000-32767).
   */
  nodePortRange?: { low: number; high: number; source?: 'cluster' | 'default' };
  /**
   * The node each probe pod runs on, by pod name (a pod's hostname is its name): read by
   * viewOf from the ends of every row of the run, so an answering backend can be placed.
   */
  podNodes?: ReadonlyMap<string, string>;
}

export type EndKind = 'pod' | 'host' | 'service' | 'nodeport' | 'runner';

/** One end of a check. `node` is '' for a Service VIP and for the runner. */
export interface End {
  node: string;
  kind: EndKind;
  /** The probe pod's name (pod and host-network ends). */
  pod?: string;
  ip: string;
}

/** What the check saw, in the diagnosis' own words. */
export type Seen = 'answered' | 'wrong-answer' | 'refused' | 'filtered' | 'control-error' | 'inconclusive';

/**
 * The shape of the path: between two ends on one node, between two nodes, toward a Service VIP
 * (backend node unknown), from the runner outside the cluster into a node, or out of the
 * cluster to the runner (pod-to-external).
 */
export type Direction = 'same-node' | 'node-to-node' | 'to-service' | 'from-runner' | 'to-outside';

const SERVICE_PATHS: readonly string[] = ['pod-to-service', 'session-affinity', 'hairpin', 'nodeport', 'loadbalancer'];

/** Where a Service row's Service came from: before the run (kubernetes, cluster DNS) or made by it. */
function serviceOriginOf(r: CheckResult, service: string | undefined): Facts['serviceOrigin'] {
  if (r.suite === 'dns') return 'cluster';
  if (!SERVICE_PATHS.includes(r.suite) && r.to.kind !== 'service') return undefined;
  return service === 'kubernetes' ? 'cluster' : 'run';
}

/** Answers that are probe hostnames, placed on their nodes (echo and client-address answers are not names). */
function backendsOf(answers: readonly string[], from: CheckResult['from'], ctx: DiagnoseContext): Backend[] | undefined {
  const nodes = ctx.podNodes;
  if (!nodes || answers.length === 0 || !answers.every((a) => nodes.has(a))) return undefined;
  return answers.map((name) => {
    const node = nodes.get(name)!;
    return { name, node, ...(from.node ? { sameNode: node === from.node } : {}) };
  });
}

/** The node of every probe pod any row of the run names (its ends), for placing answering backends. */
export function podNodesOf(results: readonly CheckResult[]): Map<string, string> {
  const nodes = new Map<string, string>();
  for (const r of results) for (const e of [r.from, r.to]) if (e.pod && e.node && e.kind === 'pod') nodes.set(e.pod, e.node);
  return nodes;
}

/** Which kind of name a dns row looks up (suites/dns.ts); 'nxdomain' is a name that must not exist. */
export type LookupName = 'kubernetes' | 'short' | 'fqdn' | 'headless' | 'nxdomain';

/** A dns row's name lookup: what it asked, over which transport, of which server, and how it ended. */
export interface Lookup {
  /** Undefined for a kind of name this view does not know. */
  what?: LookupName;
  /** The name looked up, to quote back. */
  name?: string;
  /** The resolver's transport to the DNS server (UDP unless the row says TCP). */
  transport: Protocol;
  /** The cluster DNS Service's address the lookup went to. */
  server?: string;
  /** The DNS Service's ready endpoints when the run started, when read. */
  serverEndpoints?: number;
  /**
   * How the lookup ended, from the dns wire event (check/types.ts `DnsResult`); undefined when
   * the row's verdict carries no lookup (the name resolved and the data path decided).
   */
  result?: DnsResult;
  /**
   * The DNS server answered, rightly or wrongly (NOERROR, NXDOMAIN, SERVFAIL); false when the
   * lookup got no DNS answer (TIMEOUT, REFUSED, UNREACHABLE, OTHER); undefined with no result.
   */
  serverAnswered?: boolean;
}

/** One backend that answered a try of a Service row, and where it sat relative to the caller. */
export interface Backend {
  /** Its hostname as it answered (a probe pod's name). */
  name: string;
  /** The node it runs on; undefined when no row of the run names that pod. */
  node?: string;
  /** It sat on the caller's own node (undefined when its node is unknown). */
  sameNode?: boolean;
}

export interface Facts {
  path: SuiteName;
  /**
   * What sent the traffic: a pod, a node's host network (a hostNetwork probe: the node's own
   * addresses), or the runner outside the cluster. Host and pod traffic of one node are
   * different evidence: only pod traffic is forwarded by its node.
   */
  source: 'pod' | 'host' | 'runner';
  from: End;
  to: End;
  direction: Direction;
  protocol: Protocol;
  port: number;
  payload?: 'small' | 'full';
  /** The IP family of the destination address. */
  family: IpFamily;
  /** The Service a pod-to-service or nodeport row addresses ('kubernetes' for the API server's). */
  service?: string;
  /** The row addresses the API server through the `kubernetes` Service. */
  apiServer: boolean;
  /**
   * Service rows: whether the Service existed before the run ('cluster': the `kubernetes`
   * Service, the cluster DNS Service a lookup asks) or was made by it ('run'). A Service proxy
   * that stopped programming (hung, cut from the API server) still serves the first kind.
   */
  serviceOrigin?: 'cluster' | 'run';
  /** nodeport rows: the Service's externalTrafficPolicy. */
  nodePortPolicy?: 'Cluster' | 'Local';
  /** The port lies in the cluster's NodePort range; undefined when the range is unknown. */
  inNodePortRange?: boolean;
  /**
   * ports rows: what the profile rule expects, whether the port is a detected CNI's, and whether
   * the verdict was judged from the traffic the port carries (a kernel-owned VXLAN port: the
   * cross-node pod checks) rather than by a connection to the port itself.
   */
  portRule?: { expect: 'open' | 'closed'; cniPort: boolean; viaTraffic?: boolean };
  /** The check passes only with an answer (false: "must be closed"). */
  expectsAnswer: boolean;
  outcome: 'passed' | 'failed' | 'error' | 'skipped';
  seen: Seen;
  /** The backends' hostnames that answered the row's tries, one per answered try, in order. */
  answeredBy?: string[];
  /** answeredBy placed on nodes: one entry per answered try, in order (rows whose answers are hostnames). */
  backends?: Backend[];
  /** Tries the row sent (probe-driven rows), to tell how many went unanswered. */
  tries?: number;
  /** dns rows (and any row whose verdict includes a name lookup). */
  lookup?: Lookup;
  /** The node a NodePort row's backend runs on. */
  backendNode?: string;
  /** Loss over every sample the row sent (--samples), when measured. */
  samples?: { sent: number; lost: number };
  /** A probe the row depends on changed, or a node it touches did, during the run (helpers/probes/identity.ts): what changed. */
  change?: string;
  /** Text a cause may quote back (the row's title, the profile's reason); never matched on. */
  quote: { title: string; why?: string };
}

const SEEN: Record<CheckResult['observed'], Seen> = {
  REACHABLE: 'answered',
  WRONG_ANSWER: 'wrong-answer',
  REFUSED: 'refused',
  FILTERED: 'filtered',
  CONTROL_ERROR: 'control-error',
  INCONCLUSIVE: 'inconclusive',
};

const results = new WeakMap<Facts, CheckResult>();

/** The result a Facts view was made from (for the engine to attach notes; rules do not read it). */
export function resultOf(f: Facts): CheckResult {
  const r = results.get(f);
  if (!r) throw new Error('diagnosis: a Facts view that factsOf did not make');
  return r;
}

function direction(r: CheckResult): Direction {
  if (r.from.kind === 'runner') return 'from-runner';
  if (r.to.kind === 'runner') return 'to-outside';
  if (r.to.kind === 'service' || !r.to.node) return 'to-service';
  return r.from.node && r.from.node === r.to.node ? 'same-node' : 'node-to-node';
}

function policyOf(value: string | undefined): Facts['nodePortPolicy'] {
  return value === 'Cluster' || value === 'Local' ? value : undefined;
}

function isCniPort(ctx: DiagnoseContext, port: number, protocol: Protocol): boolean {
  return (ctx.cni ?? []).some((c) => c.ports.some((p) => p.port === port && p.protocol === protocol));
}

const LOOKUP_NAMES: readonly string[] = ['kubernetes', 'short', 'fqdn', 'headless', 'nxdomain'] satisfies LookupName[];
const SERVER_ANSWERED: Record<DnsResult, boolean> = { NOERROR: true, NXDOMAIN: true, SERVFAIL: true, TIMEOUT: false, REFUSED: false, UNREACHABLE: false, OTHER: false };

function lookupOf(r: CheckResult): Lookup | undefined {
  const p = r.properties ?? {};
  if (r.suite !== 'dns' && !Object.keys(p).some((k) => k.startsWith('dns.'))) return undefined;
  const what = p['dns.what'];
  // A result this view does not know is a lookup that ended in some other error.
  const raw = p['dns.result'];
  const result = !raw ? undefined : Object.hasOwn(SERVER_ANSWERED, raw) ? (raw as DnsResult) : 'OTHER';
  const endpoints = p['dns.server.endpoints'];
  return {
    ...(what && LOOKUP_NAMES.includes(what) ? { what: what as LookupName } : {}),
    ...(p['dns.name'] !== undefined ? { name: p['dns.name'] } : {}),
    transport: p['dns.transport'] === 'tcp' ? 'tcp' : 'udp',
    ...(p['dns.server'] ? { server: p['dns.server'] } : {}),
    ...(endpoints !== undefined && /^\d+$/.test(endpoints) ? { serverEndpoints: Number(endpoints) } : {}),
    ...(result ? { result, serverAnswered: SERVER_ANSWERED[result] } : {}),
  };
}

export function factsOf(r: CheckResult, ctx: DiagnoseContext = {}): Facts {
  const p = r.properties ?? {};
  const range = ctx.nodePortRange;
  const portExpect = p['expect.port'];
  const lookup = lookupOf(r);
  const answers = p['answered.by'] ? p['answered.by'].split(',') : undefined;
  const backends = answers && !p['payload.bytes'] ? backendsOf(answers, r.from, ctx) : undefined;
  const origin = serviceOriginOf(r, p['service']);
  const tries = p['tries'] && /^\d+$/.test(p['tries']) ? Number(p['tries']) : undefined;
  const end = (e: CheckResult['from']): End => ({ node: e.node, kind: e.kind, ...(e.pod ? { pod: e.pod } : {}), ip: e.ip });
  const f: Facts = {
    path: r.suite,
    source: r.from.kind === 'runner' ? 'runner' : r.from.kind === 'host' ? 'host' : 'pod',
    from: end(r.from),
    to: end(r.to),
    direction: direction(r),
    protocol: r.protocol,
    port: r.port,
    ...(r.payload ? { payload: r.payload } : {}),
    family: r.family,
    ...(p['service'] ? { service: p['service'] } : {}),
    apiServer: r.suite === 'pod-to-service' && p['service'] === 'kubernetes',
    ...(origin ? { serviceOrigin: origin } : {}),
    ...(policyOf(p['externalTrafficPolicy']) ? { nodePortPolicy: policyOf(p['externalTrafficPolicy']) } : {}),
    ...(range ? { inNodePortRange: r.port >= range.low && r.port <= range.high } : {}),
    ...(r.suite === 'ports'
      ? {
          portRule: {
            expect: portExpect === 'closed' || (!portExpect && r.expect === 'CLOSED') ? ('closed' as const) : ('open' as const),
            cniPort: isCniPort(ctx, r.port, r.protocol),
            ...(p['verdictSource'] === 'path-traffic' ? { viaTraffic: true } : {}),
          },
        }
      : {}),
    expectsAnswer: r.expect !== 'CLOSED',
    outcome: r.outcome,
    seen: SEEN[r.observed],
    ...(answers ? { answeredBy: answers } : {}),
    ...(backends ? { backends } : {}),
    ...(tries !== undefined ? { tries } : {}),
    ...(lookup ? { lookup } : {}),
    ...(p['backend.node'] ? { backendNode: p['backend.node'] } : {}),
    ...(r.samples ? { samples: { sent: r.samples.sent, lost: r.samples.lost } } : {}),
    ...(p['change.text'] && (p['probe.changed'] || p['node.changed']) ? { change: p['change.text'] } : {}),
    quote: { title: r.name, ...(p['why'] ? { why: p['why'] } : {}) },
  };
  results.set(f, r);
  return f;
}
