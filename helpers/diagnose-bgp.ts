// Diagnosis rule for pod networks whose routes are distributed by BGP (Calico's BGP mode, BIRD,
// kube-router …; the ports suite checks TCP 179 between nodes when such a network is detected
// or stated). When BGP to one node is cut, its peers withdraw that node's pod route once the
// hold timer expires, and the node loses theirs: cross-node pod traffic into and out of the
// node fails exactly like a broken route — but the cause to act on is the BGP session, so
// say that instead of a generic "check the routes" or "open the firewall for TCP 179".
// Kept in its own file (one exported rule) so it can move with the diagnosis table.
import type { DiagnosisRule, Finding } from './diagnose.ts';
import type { CheckResult } from './results.ts';

const BGP_PORT = 179;
const failed = (r: CheckResult) => r.outcome === 'failed';
const involves = (r: CheckResult, node: string) => r.from.node === node || r.to.node === node;
const isBgpRow = (r: CheckResult) => r.suite === 'ports' && r.port === BGP_PORT && r.protocol === 'tcp' && r.expect === 'REACHABLE';
const isCrossNodePod = (r: CheckResult) =>
  r.suite === 'pod-to-pod' && r.from.kind !== 'runner' && !!r.from.node && !!r.to.node && r.from.node !== r.to.node;

function sortedNames(items: Iterable<string>): string {
  return [...new Set(items)].sort((a, b) => a.localeCompare(b, 'en', { numeric: true })).join(', ');
}

export const bgpRouteDistribution: DiagnosisRule = {
  id: 'bgp-route-distribution',
  pattern: 'the pod network uses BGP, TCP 179 to/from one node fails and cross-node pod traffic to/from that node fails: its BGP sessions are down, so its pod routes are withdrawn',
  find({ all, open, ctx }) {
    const bgp = (ctx.cni ?? []).filter((c) => c.ports.some((p) => p.port === BGP_PORT && p.protocol === 'tcp'));
    if (bgp.length === 0) return [];
    const bgpFailures = open.filter((r) => isBgpRow(r) && failed(r));
    if (bgpFailures.length === 0) return [];
    // The node in every failing BGP row (with one node cut, each failing row has it at one end).
    const tally = new Map<string, number>();
    for (const r of bgpFailures) for (const n of [r.from.node, r.to.node]) tally.set(n, (tally.get(n) ?? 0) + 1);
    const findings: Finding[] = [];
    for (const [node] of [...tally].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))) {
      if (!bgpFailures.every((r) => involves(r, node))) continue;
      const podRows = open.filter((r) => isCrossNodePod(r) && failed(r) && involves(r, node));
      if (podRows.length === 0) continue;
      const peerSet = new Set(bgpFailures.map((r) => (r.from.node === node ? r.to.node : r.from.node)));
      const peers = sortedNames(peerSet);
      const peersOk = all.some((r) => isBgpRow(r) && r.outcome === 'passed' && !involves(r, node));
      // Services and NodePorts from or to either side: their backends may sit across the withdrawn routes.
      const related = open.filter(
        (r) => failed(r) && (r.suite === 'pod-to-service' || r.suite === 'nodeport') && (involves(r, node) || peerSet.has(r.from.node) || peerSet.has(r.to.node)),
      );
      const network = bgp.map((c) => `${c.name}${c.backend ? ` (${c.backend})` : ''}`).join(', ');
      const cause =
        `BGP route distribution toward ${node} is broken: TCP ${BGP_PORT} between ${node} and ${peers} fails ` +
        `(${bgpFailures.length} checks${peersOk ? ', while BGP between the other nodes works' : ''}) and cross-node pod traffic to and from ${node} fails ` +
        `(${podRows.length} checks) — with ${network} the peers withdraw ${node}'s pod route when its BGP sessions drop, and ${node} loses theirs; ` +
        `open TCP ${BGP_PORT} between ${node} and the other nodes in both directions and check the BGP daemon's sessions on ${node}`;
      findings.push({
        rule: this.id,
        cause,
        explains: [
          ...bgpFailures.map((result) => ({ result, note: `BGP session of ${node} (TCP ${BGP_PORT}) is down` })),
          ...podRows.map((result) => ({ result, note: `${node}'s pod routes are withdrawn: its BGP sessions are down` })),
          ...related.map((result) => ({ result, note: `consistent with ${node}'s withdrawn pod routes: Service backends there are unreachable` })),
        ],
      });
      break;
    }
    return findings;
  },
};
