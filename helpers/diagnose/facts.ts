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

export interface Facts {
  path: SuiteName;
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
  /** nodeport rows: the Service's externalTrafficPolicy. */
  nodePortPolicy?: 'Cluster' | 'Local';
  /** The port lies in the cluster's NodePort range; undefined when the range is unknown. */
  inNodePortRange?: boolean;
  /** ports rows: what the profile rule expects, and whether the port is a detected CNI's. */
  portRule?: { expect: 'open' | 'closed'; cniPort: boolean };
  /** The check passes only with an answer (false: "must be closed"). */
  expectsAnswer: boolean;
  outcome: 'passed' | 'failed' | 'error' | 'skipped';
  seen: Seen;
  /** The backends' hostnames that answered the row's tries, one per answered try, in order. */
  answeredBy?: string[];
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
  const end = (e: CheckResult['from']): End => ({ node: e.node, kind: e.kind, ...(e.pod ? { pod: e.pod } : {}), ip: e.ip });
  const f: Facts = {
    path: r.suite,
    from: end(r.from),
    to: end(r.to),
    direction: direction(r),
    protocol: r.protocol,
    port: r.port,
    ...(r.payload ? { payload: r.payload } : {}),
    family: r.family,
    ...(p['service'] ? { service: p['service'] } : {}),
    apiServer: r.suite === 'pod-to-service' && p['service'] === 'kubernetes',
    ...(policyOf(p['externalTrafficPolicy']) ? { nodePortPolicy: policyOf(p['externalTrafficPolicy']) } : {}),
    ...(range ? { inNodePortRange: r.port >= range.low && r.port <= range.high } : {}),
    ...(r.suite === 'ports'
      ? { portRule: { expect: portExpect === 'closed' || (!portExpect && r.expect === 'CLOSED') ? ('closed' as const) : ('open' as const), cniPort: isCniPort(ctx, r.port, r.protocol) } }
      : {}),
    expectsAnswer: r.expect !== 'CLOSED',
    outcome: r.outcome,
    seen: SEEN[r.observed],
    ...(p['answered.by'] ? { answeredBy: p['answered.by'].split(',') } : {}),
    ...(lookup ? { lookup } : {}),
    ...(p['backend.node'] ? { backendNode: p['backend.node'] } : {}),
    ...(r.samples ? { samples: { sent: r.samples.sent, lost: r.samples.lost } } : {}),
    ...(p['change.text'] && (p['probe.changed'] || p['node.changed']) ? { change: p['change.text'] } : {}),
    quote: { title: r.name, ...(p['why'] ? { why: p['why'] } : {}) },
  };
  results.set(f, r);
  return f;
}
