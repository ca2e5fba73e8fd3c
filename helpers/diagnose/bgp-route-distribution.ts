// Pod networks whose routes are distributed by BGP (Calico's BGP mode, BIRD, kube-router …;
// the ports suite checks TCP 179 between nodes when such a network is detected or stated).
// When BGP to one node is cut, its peers withdraw that node's pod route once the hold timer
// expires, and the node loses theirs: cross-node pod traffic into and out of the node fails
// exactly like a broken route — but the cause to act on is the BGP session, so say that.
import type { Facts } from './facts.ts';
import { failed, involves, names, type DiagnosisRule, type RuleFinding } from './rule.ts';

const BGP_PORT = 179;
const isBgpRow = (f: Facts) => f.path === 'ports' && f.port === BGP_PORT && f.protocol === 'tcp' && f.portRule?.expect === 'open';
const isCrossNodePod = (f: Facts) => f.path === 'pod-to-pod' && f.direction === 'node-to-node';

export const bgpRouteDistribution: DiagnosisRule = {
  id: 'bgp-route-distribution',
  pattern:
    'the pod network uses BGP, TCP 179 to/from one node fails and cross-node pod traffic to/from that node fails → its BGP sessions are down, so its pod routes are withdrawn (not a route of its own)',
  find({ all, open, ctx }) {
    const bgp = (ctx.cni ?? []).filter((c) => c.ports.some((p) => p.port === BGP_PORT && p.protocol === 'tcp'));
    if (bgp.length === 0) return [];
    const bgpFailures = open.filter((f) => isBgpRow(f) && failed(f));
    if (bgpFailures.length === 0) return [];
    // The node in every failing BGP row (with one node cut, each failing row has it at one end).
    const tally = new Map<string, number>();
    for (const f of bgpFailures) for (const n of [f.from.node, f.to.node]) tally.set(n, (tally.get(n) ?? 0) + 1);
    for (const [node] of [...tally].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))) {
      if (!bgpFailures.every((f) => involves(f, node))) continue;
      const podRows = open.filter((f) => isCrossNodePod(f) && failed(f) && involves(f, node));
      if (podRows.length === 0) continue;
      const peerSet = new Set(bgpFailures.map((f) => (f.from.node === node ? f.to.node : f.from.node)));
      const peersOk = all.some((f) => isBgpRow(f) && f.outcome === 'passed' && !involves(f, node));
      // Services and NodePorts from or to either side: their backends may sit across the withdrawn routes.
      const related = open.filter((f) => failed(f) && (f.path === 'pod-to-service' || f.path === 'nodeport') && (involves(f, node) || peerSet.has(f.from.node) || peerSet.has(f.to.node)));
      const network = bgp.map((c) => `${c.name}${c.backend ? ` (${c.backend})` : ''}`).join(', ');
      const cause =
        `BGP route distribution toward ${node} is broken: TCP ${BGP_PORT} between ${node} and ${names(peerSet)} fails ` +
        `(${bgpFailures.length} checks${peersOk ? ', while BGP between the other nodes works' : ''}) and cross-node pod traffic to and from ${node} fails ` +
        `(${podRows.length} checks) — with ${network} the peers withdraw ${node}'s pod route when its BGP sessions drop, and ${node} loses theirs; ` +
        `open TCP ${BGP_PORT} between ${node} and the other nodes in both directions and check the BGP daemon's sessions on ${node}`;
      const finding: RuleFinding = {
        rule: this.id,
        cause,
        explains: [
          ...bgpFailures.map((facts) => ({ facts, note: `BGP session of ${node} (TCP ${BGP_PORT}) is down` })),
          ...podRows.map((facts) => ({ facts, note: `${node}'s pod routes are withdrawn: its BGP sessions are down` })),
          ...related.map((facts) => ({ facts, note: `consistent with ${node}'s withdrawn pod routes: Service backends there are unreachable` })),
        ],
      };
      return [finding];
    }
    return [];
  },
};
