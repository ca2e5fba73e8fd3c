// Diagnosis: from the pattern of failures to a probable cause an admin can act on ("open UDP
// 8472 between worker-2 and the other nodes"), not a restatement of the failure.
//
// The rules are data: a table of {id, pattern, find}. Each rule looks at the failing rows no
// earlier rule has explained, plus every row as evidence ("same-node passes"), and returns
// findings: one run-level cause and a note per row it explains. Order matters and is the
// order of the table: a node that is down explains everything on it before the narrower rules
// (MTU, one port) get a chance to speak, so one fault yields one cause, not five.
//
// Conventions the engine follows so these rules can read the rows:
// - Endpoint.node is set for every pod/host/nodeport end; the runner's is kind 'runner'.
// - pod-to-service rows toward the `kubernetes` Service carry properties.service = 'kubernetes'.
// - Setup failures are observed NOT_RUN (outcome error): not network, not control path.
// - payload 'small' and 'full' rows of the same check share from/to/port/protocol.
// - nodeport rows carry properties.externalTrafficPolicy ('Cluster' | 'Local').
// - ports rows carry properties.why (see ports/rules.ts portRowProperties).

import type { DetectedCni } from './ports/cni.ts';
import { isNetwork, type CheckResult, type NetworkResult, type RunResults } from './check/types.ts';
import { EARLY_PATH_RULES, PATH_RULES } from './diagnose-paths.ts';

export interface DiagnoseContext {
  /** Detected CNI add-ons: their node-to-node ports are named in pod-network causes. */
  cni?: DetectedCni[];
}

export interface Finding {
  rule: string;
  /** Run-level cause, naming nodes and ports. */
  cause: string;
  /** Rows this cause explains, each with its own one-line note. */
  explains: Array<{ result: NetworkResult; note: string }>;
}

interface View {
  /** Every row of the run: evidence of what works. */
  all: readonly NetworkResult[];
  /** Failed or errored rows no earlier rule explained. */
  open: readonly NetworkResult[];
  ctx: DiagnoseContext;
}

export interface DiagnosisRule {
  id: string;
  /** The pattern in words (README material). */
  pattern: string;
  find(view: View): Finding[];
}

// ---- small vocabulary over rows -------------------------------------------------------------

const failed = (r: NetworkResult) => r.outcome === 'failed';
const passed = (r: NetworkResult) => r.outcome === 'passed';
const isCrossNode = (r: NetworkResult) => r.from.kind !== 'runner' && !!r.from.node && !!r.to.node && r.from.node !== r.to.node;
const involves = (r: NetworkResult, node: string) => r.from.node === node || r.to.node === node;
const proto = (r: { protocol: string }) => r.protocol.toUpperCase();
const sourceLabel = (r: NetworkResult) => (r.from.kind === 'runner' ? `the runner (${r.from.ip})` : r.from.node);

function names(items: Iterable<string>, max = 5): string {
  const list = [...new Set(items)].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  return list.length > max ? `${list.slice(0, max).join(', ')} and ${list.length - max} more` : list.join(', ');
}

function count(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}

/** "flannel (vxlan): UDP 8472 between worker-2 and cp-1, worker-1", or a generic hint. */
function overlayHint(ctx: DiagnoseContext, node: string, peers: string): string {
  const withPorts = (ctx.cni ?? []).filter((c) => c.ports.length > 0);
  if (withPorts.length === 0) {
    return `if the cluster uses an overlay, check its port (UDP 8472 for VXLAN) between ${node} and ${peers}`;
  }
  const parts = withPorts.map(
    (c) => `${c.name}${c.backend ? ` (${c.backend})` : ''} needs ${c.ports.map((p) => `${proto(p)} ${p.port}`).join(', ')}`,
  );
  return `this cluster's ${parts.join('; ')}: check that it is open between ${node} and ${peers} in both directions`;
}

function explainAll(rows: readonly NetworkResult[], note: string): Finding['explains'] {
  return rows.map((result) => ({ result, note }));
}

// ---- the rules ------------------------------------------------------------------------------

const nodeDown: DiagnosisRule = {
  id: 'node-down',
  pattern: 'every check to one node fails (pods, Services, NodePorts, and TCP 10250 if checked), other nodes fine',
  find({ all, open }) {
    const findings: Finding[] = [];
    const targets = new Set(open.filter(failed).map((r) => r.to.node).filter(Boolean));
    for (const node of targets) {
      // Only rows that expect an answer: a "must be closed" row passes trivially on a dead node.
      const toNode = all.filter((r) => r.to.node === node && r.from.node !== node && r.expect === 'REACHABLE' && (passed(r) || failed(r)));
      const suites = new Set(toNode.map((r) => r.suite));
      const kubelet = toNode.filter((r) => r.suite === 'ports' && r.port === 10250 && r.protocol === 'tcp');
      const othersWork = all.some((r) => r.to.node !== node && r.to.node && passed(r));
      if (toNode.length < 2 || !toNode.every(failed) || !othersWork) continue;
      if (kubelet.length === 0 && suites.size < 2) continue;
      const including = kubelet.length > 0 ? ', including the kubelet port TCP 10250' : ` (${names(suites)})`;
      findings.push({
        rule: this.id,
        cause:
          `everything to node ${node} fails${including} — ${count(toNode.length, 'check')} from ${names(toNode.map(sourceLabel))}: ` +
          `${node} is down or its host firewall drops all inbound traffic; check \`kubectl get node ${node}\` and the firewall on ${node}`,
        explains: explainAll(
          open.filter((r) => failed(r) && involves(r, node)),
          `everything to ${node} fails: node down or its firewall drops all inbound traffic`,
        ),
      });
    }
    return findings;
  },
};

const wrongAnswer: DiagnosisRule = {
  id: 'wrong-answer',
  pattern: 'a pod IP answers, but from another pod than the one addressed',
  find({ open }) {
    const rows = open.filter((r) => r.suite === 'pod-to-pod' && r.observed === 'WRONG_ANSWER');
    if (rows.length === 0) return [];
    const targets = names(rows.map((r) => r.to.node));
    return [
      {
        rule: this.id,
        cause:
          `pod IPs on ${targets} answer from the wrong pod (${count(rows.length, 'check')}): two nodes hand out the same pod IPs ` +
          `(overlapping pod CIDRs: compare \`kubectl get nodes -o custom-columns=NAME:.metadata.name,CIDR:.spec.podCIDR\`) or a stale route/ARP entry sends traffic to the wrong node`,
        explains: explainAll(rows, 'answer came from another pod: overlapping pod CIDRs or a stale route'),
      },
    ];
  },
};

/** Identity of a check apart from its payload size, to pair 'small' with 'full'. */
const checkKey = (r: NetworkResult) => [r.suite, r.from.node, r.from.pod ?? r.from.ip, r.to.node, r.to.ip, r.port, r.protocol].join('|');

const mtu: DiagnosisRule = {
  id: 'mtu',
  pattern: 'small payloads pass but full-size (larger than one MTU) payloads fail on the same path',
  find({ all, open }) {
    const smallPassed = new Set(all.filter((r) => r.payload === 'small' && passed(r)).map(checkKey));
    const rows = open.filter((r) => r.payload === 'full' && failed(r) && smallPassed.has(checkKey(r)));
    // A Service row's small and full requests may land on different backends, so a Service row
    // alone says "one backend is unreachable" as much as "MTU": a fixed path must show it too.
    if (!rows.some((r) => r.to.kind !== 'service')) return [];
    // Name the node every failing node-to-node path shares, if there is one; else every node
    // involved. Service rows do not say which backend node they hit, so they do not vote.
    const ends = (r: NetworkResult) => [r.from.kind === 'runner' ? 'the runner' : r.from.node, r.to.node || `Service ${r.to.ip}`];
    const pairRows = rows.filter((r) => r.from.kind !== 'runner' && r.from.node && r.to.node);
    const basis = pairRows.length > 0 ? pairRows : rows;
    const nodes = [...new Set(basis.flatMap(ends))];
    const common = nodes.filter((n) => basis.every((r) => ends(r).includes(n)));
    const where = common.length === 1 ? `on the path to and from ${common[0]}` : `on the paths between ${names(nodes)}`;
    const pairs = names(rows.map((r) => `${ends(r)[0]} → ${ends(r)[1]}`), 4);
    return [
      {
        rule: this.id,
        cause:
          `small payloads pass but full-size ones fail (${count(rows.length, 'check')}: ${pairs}): MTU mismatch ${where} — ` +
          `packets above the path MTU are dropped; compare the MTU of the NIC, the overlay device and the pod interfaces ` +
          `(\`ip link\`) on ${common.length === 1 ? common[0] : names(nodes)}, and make sure ICMP "fragmentation needed" is not blocked`,
        explains: explainAll(rows, `full-size payload fails where small passes: MTU ${where}`),
      },
    ];
  },
};

const podNetwork: DiagnosisRule = {
  id: 'pod-network',
  pattern: 'cross-node pod traffic fails from/to one node (or one pair) while same-node traffic passes',
  find({ all, open, ctx }) {
    let remaining = open.filter((r) => r.suite === 'pod-to-pod' && failed(r) && isCrossNode(r));
    const findings: Finding[] = [];
    const allCross = all.filter((r) => r.suite === 'pod-to-pod' && isCrossNode(r) && (passed(r) || failed(r)));
    if (remaining.length > 0 && remaining.length === allCross.length && new Set(allCross.flatMap((r) => [r.from.node, r.to.node])).size > 2) {
      return [{
        rule: this.id,
        cause: `no cross-node pod traffic works between any nodes (${count(remaining.length, 'check')}): the pod network is down cluster-wide — ` +
          `the CNI is not running or not configured on the nodes; ${overlayHint(ctx, 'the nodes', 'each other')}`,
        explains: explainAll(open.filter((r) => failed(r) && r.suite !== 'ports'), 'cross-node pod network down cluster-wide'),
      }];
    }
    // Greedy: the node in most failing rows is the likeliest culprit; its rows are explained,
    // then repeat for what is left (two broken nodes → two causes).
    while (remaining.length > 0) {
      const tally = new Map<string, number>();
      for (const r of remaining) for (const n of [r.from.node, r.to.node]) tally.set(n, (tally.get(n) ?? 0) + 1);
      const ranked = [...tally].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
      const [node = '', top = 0] = ranked[0] ?? [];
      const mine = remaining.filter((r) => involves(r, node));
      const peerSet = new Set(mine.map((r) => (r.from.node === node ? r.to.node : r.from.node)));
      const peers = names(peerSet);
      // Only one pair broken: both ends tie and every row is between them — name the pair.
      const pairOnly = peerSet.size === 1 && ranked[1]?.[1] === top;
      const outbound = mine.some((r) => r.from.node === node);
      const inbound = mine.some((r) => r.to.node === node);
      const direction = outbound && inbound ? 'to and from' : outbound ? 'from' : 'to';
      const sameNode = all.filter((r) => r.suite === 'pod-to-pod' && r.from.node === node && r.to.node === node);
      const sameNodeText = sameNode.length === 0 ? '' : sameNode.every(passed)
        ? ` while same-node traffic on ${node} works`
        : `, and even same-node traffic on ${node} fails (the CNI on ${node} itself: bridge, veth, plugin)`;
      const subject = pairOnly ? `between ${node} and ${peers}` : `${direction} ${node} (peers: ${peers})`;
      const related = open.filter(
        (r) => failed(r) && (r.suite === 'pod-to-service' || r.suite === 'nodeport') && (involves(r, node) || peerSet.has(r.from.node) || peerSet.has(r.to.node)),
      );
      findings.push({
        rule: this.id,
        cause:
          `cross-node pod traffic ${subject} fails (${count(mine.length, 'check')})${sameNodeText}: ` +
          `${pairOnly ? `the pod route or overlay between ${node} and ${peers}` : `${node}'s pod route or overlay`} — check the routes to the other nodes' pod CIDRs on ${node} ` +
          `(and theirs to ${node}'s), that IP forwarding is on (net.ipv4.ip_forward=1) and that nothing drops forwarded traffic; ${overlayHint(ctx, node, peers)}`,
        explains: [
          ...explainAll(mine, pairOnly ? `pod route/overlay between ${node} and ${peers}` : `pod route/overlay of ${node}`),
          ...explainAll(related, `consistent with the pod network problem ${subject}: Service backends there are unreachable`),
        ],
      });
      const claimed = new Set([...mine, ...related]);
      remaining = remaining.filter((r) => !claimed.has(r));
      open = open.filter((r) => !claimed.has(r));
    }
    return findings;
  },
};

/** NodePort rows: the nodeport suite's, and the ports suite's NodePort-range rows. */
const isNodePortRow = (r: NetworkResult) => r.suite === 'nodeport' || (r.suite === 'ports' && /^NodePort/.test(r.properties?.['why'] ?? ''));

const nodePortOverPodNetwork: DiagnosisRule = {
  id: 'nodeport-over-pod-network',
  pattern: 'NodePorts fail into a node whose cross-node pod traffic (small payloads) fails: NodePort traffic rides the pod network to its backend',
  find({ all, open }) {
    const podNetworkBrokenAt = (node: string) =>
      all.some((r) => r.suite === 'pod-to-pod' && r.payload === 'small' && failed(r) && isCrossNode(r) && involves(r, node));
    const byNode = new Map<string, NetworkResult[]>();
    for (const r of open.filter((x) => isNodePortRow(x) && failed(x) && x.to.node && podNetworkBrokenAt(x.to.node))) {
      byNode.set(r.to.node, [...(byNode.get(r.to.node) ?? []), r]);
    }
    return [...byNode].map(([node, rows]) => ({
      rule: this.id,
      cause: `NodePorts into ${node} fail too (${count(rows.length, 'check')}): a NodePort forwards to backend pods over the pod network, which is broken at ${node} (the pod-network cause above) — fix that first, then re-run`,
      explains: explainAll(rows, `NodePort into ${node}: its traffic to the backend crosses the pod network broken at ${node}`),
    }));
  },
};

const portFirewall: DiagnosisRule = {
  id: 'port-firewall',
  pattern: 'a ports-suite row (one port/protocol) fails between nodes: that port on the target node',
  find({ all, open }) {
    const groups = new Map<string, NetworkResult[]>();
    for (const r of open.filter((x) => x.suite === 'ports' && failed(x))) {
      const key = `${r.to.node}|${r.port}|${r.protocol}|${r.observed}`;
      groups.set(key, [...(groups.get(key) ?? []), r]);
    }
    return [...groups.values()].map((rows) => {
      const r = rows[0]!;
      const what = `${proto(r)} ${r.port} on ${r.to.node}`;
      const why = r.properties?.['why'] ? ` (${r.properties['why']})` : '';
      const peersOk = all.some((x) => x.suite === 'ports' && x.port === r.port && x.protocol === r.protocol && x.to.node !== r.to.node && passed(x));
      const sources = `from ${names(rows.map((x) => x.from.node))}`;
      let cause: string;
      if (r.observed === 'REACHABLE') {
        cause = `${what} is reachable ${sources} but must be closed${why}: firewall it on ${r.to.node} or turn the service off`;
      } else if (r.observed === 'REFUSED') {
        cause = `${what} refuses connections ${sources}${why}: the packets arrive but nothing listens — the service is not running on ${r.to.node}, or a firewall rejects with a reset`;
      } else {
        cause = `${what} is filtered ${sources}${why}${peersOk ? `, while other nodes accept it` : ''}: open ${what}'s firewall for traffic from those nodes`;
      }
      return { rule: this.id, cause, explains: explainAll(rows, cause) };
    });
  },
};

const isApiService = (r: NetworkResult) => r.properties?.['service'] === 'kubernetes';

const serviceProxy: DiagnosisRule = {
  id: 'service-proxy',
  pattern: 'pod IPs pass but ClusterIPs fail from one node (kube-proxy there), or from every node; only the kubernetes Service fails while other Services work from the same nodes (API server port)',
  find({ all, open }) {
    const rows = open.filter((r) => r.suite === 'pod-to-service' && failed(r));
    const findings: Finding[] = [];
    const proxied = rows.filter((r) => !isApiService(r));
    // Per source node, not run-wide: a node whose own proxy is down sees no Service work.
    const otherServiceOkFrom = (node: string) =>
      all.some((r) => r.suite === 'pod-to-service' && !isApiService(r) && r.from.node === node && passed(r));
    const sources = new Set(proxied.map((r) => r.from.node));
    const anyServiceOk = all.some((r) => r.suite === 'pod-to-service' && passed(r));
    if (proxied.length > 0 && !anyServiceOk) {
      findings.push({
        rule: this.id,
        cause: `Service ClusterIPs fail from every node (${count(proxied.length, 'check')}): Service proxying is broken cluster-wide — kube-proxy (or the CNI's replacement) is not running, or the probe Service has no ready endpoints`,
        explains: explainAll(proxied, 'ClusterIP fails from every node: Service proxy broken cluster-wide'),
      });
      return findings;
    }
    // kube-proxy on one node first: it also explains that node's kubernetes Service rows when no
    // other Service works from there either (every VIP fails there, the API server's included).
    for (const node of sources) {
      const podRows = all.filter((r) => r.suite === 'pod-to-pod' && r.from.node === node);
      if (!podRows.every(passed)) continue; // pod IPs must work from here, or it is not the proxy
      const mine = proxied.filter((r) => r.from.node === node);
      const apiMine = otherServiceOkFrom(node) ? [] : rows.filter((r) => isApiService(r) && r.from.node === node);
      const nodePorts = open.filter((r) => r.suite === 'nodeport' && r.to.node === node && failed(r));
      const apiText = apiMine.length > 0 ? `; the kubernetes Service ${apiMine[0]!.to.ip}:${apiMine[0]!.port} fails from there too` : '';
      findings.push({
        rule: this.id,
        cause:
          `pods on ${node} reach pod IPs but not Service ClusterIPs (${count(mine.length + apiMine.length, 'check')}, e.g. ${mine[0]!.to.ip}:${mine[0]!.port}/${mine[0]!.protocol}${apiText})` +
          `${nodePorts.length > 0 ? `, and NodePorts on ${node} fail too` : ''}: kube-proxy on ${node} is not running or its rules are missing — ` +
          `check its pod (\`kubectl -n kube-system get pods -o wide --field-selector spec.nodeName=${node}\`) and logs`,
        explains: [
          ...explainAll(mine, `kube-proxy on ${node}: pod IPs work, ClusterIP does not`),
          ...explainAll(apiMine, `kube-proxy on ${node}: the kubernetes Service VIP fails like every other ClusterIP from ${node}`),
          ...explainAll(nodePorts, `kube-proxy on ${node} also serves its NodePorts`),
        ],
      });
    }
    // Only the kubernetes Service fails, from nodes where other Services demonstrably work (the
    // complement of the kube-proxy rows above); from anywhere else it is left unexplained.
    const apiRows = rows.filter((r) => isApiService(r) && otherServiceOkFrom(r.from.node));
    if (apiRows.length > 0) {
      findings.push({
        rule: this.id,
        cause:
          `pods on ${names(apiRows.map((r) => r.from.node))} cannot reach the API server through the kubernetes Service ${apiRows[0]!.to.ip}:${apiRows[0]!.port} while other Services work: ` +
          `the API server's own address and port (\`kubectl get endpoints kubernetes\`) is blocked from those nodes — check the firewall on the control-plane node(s) for that port`,
        explains: explainAll(apiRows, 'kubernetes Service fails while other Services work: API server port blocked'),
      });
    }
    return findings;
  },
};

const nodePortLocal: DiagnosisRule = {
  id: 'nodeport-local',
  pattern: 'externalTrafficPolicy: Local not honoured: a node without a local endpoint answers, or the client IP is not preserved',
  find({ open }) {
    const local = open.filter((r) => r.suite === 'nodeport' && failed(r) && r.properties?.['externalTrafficPolicy'] === 'Local');
    const answered = local.filter((r) => r.expect !== 'REACHABLE' && r.observed === 'REACHABLE');
    const snat = local.filter((r) => r.expect === 'REACHABLE' && r.observed === 'WRONG_ANSWER');
    const findings: Finding[] = [];
    if (answered.length > 0) {
      const nodes = names(answered.map((r) => r.to.node));
      findings.push({
        rule: this.id,
        cause: `${nodes} answered a NodePort with externalTrafficPolicy: Local although no endpoint runs there: the Service proxy on ${nodes} ignores Local (check kube-proxy's version and mode there)`,
        explains: explainAll(answered, 'answered a Local NodePort without a local endpoint'),
      });
    }
    if (snat.length > 0) {
      const nodes = names(snat.map((r) => r.to.node));
      findings.push({
        rule: this.id,
        cause: `NodePorts with externalTrafficPolicy: Local on ${nodes} did not see the runner's own address (${snat[0]!.from.ip}): the source is rewritten on the way — a NAT or load balancer between the runner and the nodes, or masquerading on ${nodes}`,
        explains: explainAll(snat, 'client source IP not preserved under externalTrafficPolicy: Local'),
      });
    }
    return findings;
  },
};

const nodePortFirewall: DiagnosisRule = {
  id: 'nodeport-firewall',
  pattern: 'NodePorts fail on one node only while the other nodes answer',
  find({ all, open }) {
    const rows = open.filter((r) => r.suite === 'nodeport' && failed(r) && r.expect === 'REACHABLE');
    const findings: Finding[] = [];
    const okNodes = new Set(all.filter((r) => r.suite === 'nodeport' && passed(r) && r.expect === 'REACHABLE').map((r) => r.to.node));
    const badNodes = new Set(rows.map((r) => r.to.node));
    if (rows.length > 0 && [...badNodes].every((n) => !okNodes.has(n)) && okNodes.size === 0) {
      return [{
        rule: this.id,
        cause: `NodePorts fail on every node (${names(badNodes)}) from ${sourceLabel(rows[0]!)}: the NodePort range is filtered between the runner and the nodes, or Service proxying is broken (see pod-to-service)`,
        explains: explainAll(rows, 'NodePorts fail on every node'),
      }];
    }
    for (const node of badNodes) {
      const mine = rows.filter((r) => r.to.node === node);
      const failing = names(mine.map((r) => `${r.port}/${r.protocol}`), 8);
      const working = all.filter((r) => r.suite === 'nodeport' && r.to.node === node && passed(r) && r.expect === 'REACHABLE');
      const partial = working.length > 0
        ? ` while ${names(working.map((r) => `${r.port}/${r.protocol}`), 8)} on ${node} works: only part of the NodePort range is open on ${node}`
        : ` while other nodes answer: ${node}'s firewall drops the NodePort range`;
      // Mostly refused: the packets arrive and nothing serves the NodePorts — not a firewall.
      if (mine.filter((r) => r.observed === 'REFUSED').length * 2 > mine.length) {
        findings.push({
          rule: this.id,
          cause: `NodePort ${failing} is refused on ${node} (the node answers, nothing serves the port) while other nodes answer: the Service proxy on ${node} has not programmed these NodePorts — kube-proxy there is not running or cannot reach the API server; check it on ${node}`,
          explains: explainAll(mine, `${node}'s Service proxy has no rules for these NodePorts`),
        });
        continue;
      }
      findings.push({
        rule: this.id,
        cause: `NodePort ${failing} fails on ${node} only${partial} — open TCP and UDP over the whole NodePort range (default 30000-32767) on ${node}`,
        explains: explainAll(mine, `${node}'s firewall for the NodePort range`),
      });
    }
    return findings;
  },
};

const controlPath: DiagnosisRule = {
  id: 'control-path',
  pattern: 'CONTROL_ERROR rows: the runner could not drive a probe (API server → pod proxy/exec)',
  find({ open }) {
    const rows = open.filter((r) => r.observed === 'CONTROL_ERROR' && r.outcome === 'error');
    const byNode = new Map<string, NetworkResult[]>();
    for (const r of rows) {
      const node = r.from.kind === 'runner' ? r.to.node : r.from.node;
      byNode.set(node, [...(byNode.get(node) ?? []), r]);
    }
    return [...byNode].map(([node, mine]) => ({
      rule: this.id,
      cause:
        `the runner could not control the probes on ${node} (${count(mine.length, 'check')} not run): the control path ` +
        `(API server → pod proxy or kubelet exec on ${node}) failed, not the pod network — check that the API server reaches ${node} ` +
        `(kubelet TCP 10250, pod IPs) and that the probe pods there are Running; these rows say nothing about the data path`,
      explains: explainAll(mine, `control path, not the network: could not drive the probe on ${node}`),
    }));
  },
};

const unexplained: DiagnosisRule = {
  id: 'unexplained',
  pattern: 'failing rows no rule explains: listed, not guessed at',
  find({ open }) {
    const rows = open.filter(failed);
    if (rows.length === 0) return [];
    return [{
      rule: this.id,
      cause: `${count(rows.length, 'failing check')} ${rows.length === 1 ? 'matches' : 'match'} no known pattern (e.g. ${rows[0]!.name}): read the detail of the failing rows`,
      explains: [],
    }];
  },
};

/** Evaluation order = priority: the broadest explanation first (see header). */
export const DIAGNOSIS_RULES: readonly DiagnosisRule[] = [
  nodeDown, wrongAnswer, mtu, podNetwork, nodePortOverPodNetwork, portFirewall, ...EARLY_PATH_RULES, serviceProxy, nodePortLocal, nodePortFirewall, ...PATH_RULES, controlPath, unexplained,
];

/**
 * Apply the rules. Returns copies of the rows with `diagnosis` filled (existing entries kept)
 * and the run-level causes, most specific first.
 */
export function diagnose(results: readonly CheckResult[], ctx: DiagnoseContext = {}): { results: CheckResult[]; causes: string[]; findings: Finding[] } {
  // Rules reason about the data path; static rows (skips, setup failures, facts) speak for themselves.
  const network = results.filter(isNetwork);
  let open = network.filter((r) => r.outcome === 'failed' || r.outcome === 'error');
  const notes = new Map<CheckResult, string[]>();
  const findings: Finding[] = [];
  for (const rule of DIAGNOSIS_RULES) {
    for (const finding of rule.find({ all: network, open, ctx })) {
      findings.push(finding);
      for (const { result, note } of finding.explains) notes.set(result, [...(notes.get(result) ?? []), note]);
      const explained = new Set(finding.explains.map((e) => e.result));
      open = open.filter((r) => !explained.has(r));
    }
  }
  const out = results.map((r) => {
    const extra = notes.get(r);
    return extra ? { ...r, diagnosis: [...new Set([...(r.diagnosis ?? []), ...extra])] } : r;
  });
  return { results: out, causes: findings.map((f) => f.cause), findings };
}

/** Convenience for the engine: the same run with per-row and run-level diagnosis filled. */
export function withDiagnosis(run: RunResults, ctx: DiagnoseContext = {}): RunResults {
  const { results, causes } = diagnose(run.results, ctx);
  return { ...run, results, diagnosis: causes };
}
