// What a diagnosis rule is, and the small vocabulary the rules share. Rules read Facts only
// (facts.ts); they never see a CheckResult, a title to match on, or a profile's prose.
import type { DiagnoseContext, End, Facts } from './facts.ts';

export interface RuleFinding {
  rule: string;
  /** Run-level cause, naming nodes and ports. */
  cause: string;
  /** Rows this cause explains, each with its own one-line note. */
  explains: Array<{ facts: Facts; note: string }>;
}

export interface View {
  /** Every row of the run: evidence of what works. */
  all: readonly Facts[];
  /** Failed or errored rows no earlier rule explained. */
  open: readonly Facts[];
  /** The ids of the earlier rules whose findings explained a row (a row absent: none did). */
  explainedBy: ReadonlyMap<Facts, readonly string[]>;
  ctx: DiagnoseContext;
}

export interface DiagnosisRule {
  id: string;
  /** The pattern and the cause it names, one line: the README's diagnosis table is made of these (npm run docs). */
  pattern: string;
  find(view: View): RuleFinding[];
}

export const failed = (f: Facts) => f.outcome === 'failed';
export const passed = (f: Facts) => f.outcome === 'passed';
/** Passed or failed: a network verdict, not an error or a skip. */
export const judged = (f: Facts) => passed(f) || failed(f);
export const isCrossNode = (f: Facts) => f.direction === 'node-to-node';
export const involves = (f: Facts, node: string) => f.from.node === node || f.to.node === node;
export const proto = (f: { protocol: string }) => f.protocol.toUpperCase();
export const sourceLabel = (f: Facts) => (f.from.kind === 'runner' ? `the runner (${f.from.ip})` : f.from.node);
/** One end as a person names it: "worker-1/probe-b-worker-1", "worker-1 (host)", "Service 10.96.0.1". */
export const endLabel = (e: End) =>
  e.kind === 'runner' ? `the runner (${e.ip})` : e.kind === 'service' ? `Service ${e.ip}` : e.kind === 'host' ? `${e.node} (host)` : e.pod ? `${e.node}/${e.pod}` : e.node;

/** Identity of an end, to tell a pair of ends from its payload, protocol and port. */
export const endKey = (e: End) => `${e.node}|${e.kind}|${e.pod ?? e.ip}`;
/** Identity of a check apart from its payload size, to pair 'small' with 'full'. */
/**
 * Identity of a request apart from its payload size: the same ends and protocol. The small and the
 * full-size requests of a pair go to different ports (the probes serve the full-size answers on
 * ports of their own, and the probes Service has one for them), so this key leaves the port out.
 */
export const requestKey = (f: Facts) => [f.path, endKey(f.from), endKey(f.to), f.protocol].join('|');
/** Identity of a pair of ends apart from protocol, port and payload (TCP vs UDP on one pair). */
export const pairKey = (f: Facts) => [f.path, endKey(f.from), endKey(f.to)].join('|');

export function names(items: Iterable<string>, max = 5): string {
  const list = [...new Set(items)].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  return list.length > max ? `${list.slice(0, max).join(', ')} and ${list.length - max} more` : list.join(', ');
}

export function count(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}

export function explainAll(rows: readonly Facts[], note: string): RuleFinding['explains'] {
  return rows.map((facts) => ({ facts, note }));
}

export function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}

/** "flannel (vxlan): UDP 8472 between worker-2 and cp-1, worker-1", or a generic hint. */
export function overlayHint(ctx: DiagnoseContext, node: string, peers: string): string {
  const withPorts = (ctx.cni ?? []).filter((c) => c.ports.length > 0);
  if (withPorts.length === 0) {
    return `if the cluster uses an overlay, check its port (UDP 8472 for VXLAN) between ${node} and ${peers}`;
  }
  const parts = withPorts.map((c) => `${c.name}${c.backend ? ` (${c.backend})` : ''} needs ${c.ports.map((p) => `${proto(p)} ${p.port}`).join(', ')}`);
  return `this cluster's ${parts.join('; ')}: check that it is open between ${node} and ${peers} in both directions`;
}

// ---- Service paths and cluster DNS (the rules of issue 12's paths) ----------------------------

/** Small pod-to-pod traffic across nodes, to or from `node`, fails: its pod network is broken. */
export const crossNodePodTrafficFails = (all: readonly Facts[], node: string) =>
  all.some((f) => f.path === 'pod-to-pod' && failed(f) && (f.payload ?? 'small') === 'small' && f.from.node !== f.to.node && involves(f, node));

/**
 * A Service made by this run, from `node` (not hairpin: that Service's one backend is the
 * caller), shows the Service proxy there programs new Services: passed, or some of its tries
 * answered. The `kubernetes` and DNS Services do not count: a proxy that stopped programming
 * (hung, cut from the API server) still serves the rules it wrote for them before the run.
 */
export const serviceProxyWorksFrom = (all: readonly Facts[], node: string) =>
  all.some((f) => (f.path === 'pod-to-service' || f.path === 'session-affinity') && f.serviceOrigin === 'run' && f.from.node === node && (passed(f) || f.answeredBy !== undefined));

/** A Service that existed before the run works from `node`: its kubernetes Service row passed, or a lookup from there got a DNS answer. */
export const clusterServicesWorkFrom = (all: readonly Facts[], node: string) =>
  all.some((f) => f.from.node === node && ((f.apiServer && passed(f)) || (f.path === 'dns' && (f.lookup?.serverAnswered === true || passed(f)))));

/** Service rows (pod-to-service, session-affinity) of Services this run made. */
export const isRunService = (f: Facts) => (f.path === 'pod-to-service' || f.path === 'session-affinity') && f.serviceOrigin === 'run';

export const isDns = (f: Facts) => f.path === 'dns';
/** The lookup itself failed (no DNS answer: timeout, refused, rejected): the DNS path, not the resolved address. */
export const lookupFailed = (f: Facts) => isDns(f) && failed(f) && f.lookup?.serverAnswered === false;
/** The DNS server answered this lookup (rightly or wrongly). */
export const dnsAnswered = (f: Facts) => f.lookup?.serverAnswered === true || (isDns(f) && passed(f));
/** The DNS Service the rows asked, as a cause names it. */
export const dnsServer = (rows: readonly Facts[]) => rows.find((f) => f.lookup?.server)?.lookup?.server ?? 'the cluster DNS Service';
/** How the rows' lookups ended: "REFUSED, TIMEOUT". */
export const lookupResults = (rows: readonly Facts[]) => names(rows.flatMap((f) => (f.lookup?.result ? [f.lookup.result] : [])));

// ---- The overlay's own port and the pod network (issue 22) ------------------------------------

/**
 * The overlay's port filtered into `node` where that firewall explains `node`'s pod network: the
 * failing rows of a port judged from the overlay's own traffic (`portRule.viaTraffic`), all
 * filtered, into `node` from every node its cross-node pod traffic fails with, while another node
 * accepts that port. Not when the port fails only between one pair of nodes both ways: the
 * overlay's traffic cannot tell a firewall there from the overlay's forwarding (port-firewall
 * names both readings). pod-network defers to overlay-port-firewall where this holds and that rule
 * explained some of these rows (an earlier rule may have explained them all: View.explainedBy), so
 * both read the same evidence here.
 */
export function overlayPortFilteredInto(all: readonly Facts[], node: string): Facts[] | undefined {
  const peers = new Set(all.filter((f) => f.path === 'pod-to-pod' && failed(f) && isCrossNode(f) && involves(f, node)).map((f) => (f.from.node === node ? f.to.node : f.from.node)));
  if (peers.size === 0) return undefined;
  const overlayPort = (f: Facts) => f.path === 'ports' && f.portRule?.viaTraffic === true && f.expectsAnswer;
  const failing = all.filter((f) => overlayPort(f) && failed(f) && f.to.node === node);
  for (const rows of groupBy(failing, (f) => `${f.port}|${f.protocol}`).values()) {
    const samePort = (f: Facts) => overlayPort(f) && f.port === rows[0]!.port && f.protocol === rows[0]!.protocol;
    const from = new Set(rows.map((f) => f.from.node));
    const othersAccept = all.some((f) => samePort(f) && f.to.node !== node && passed(f));
    const [only] = from.size === 1 ? from : [];
    const bothWays = only !== undefined && all.some((f) => samePort(f) && failed(f) && f.to.node === only && f.from.node === node);
    if (rows.every((f) => f.seen === 'filtered') && [...peers].every((p) => from.has(p)) && othersAccept && !bothWays) return rows;
  }
  return undefined;
}
