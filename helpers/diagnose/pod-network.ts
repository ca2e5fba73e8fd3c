import type { Facts } from './facts.ts';
import { overlayPortFirewall } from './overlay-port-firewall.ts';
import { count, explainAll, failed, involves, isCrossNode, judged, names, overlayHint, overlayPortFilteredInto, passed, proto, type DiagnosisRule, type RuleFinding } from './rule.ts';

export const podNetwork: DiagnosisRule = {
  id: 'pod-network',
  pattern:
    "cross-node pod traffic fails from/to one node (or one pair) while same-node passes → that node's pod routes / overlay (names the CNI port, e.g. UDP 8472, between the nodes); its pods fail while its own host network reaches the same pods → that node does not forward pod traffic (ip_forward, a FORWARD policy of DROP, a rule in the other iptables backend); the overlay's port filtered into the node from every peer it fails with → says so and defers to the overlay-port-firewall cause",
  find({ all, open, explainedBy, ctx }) {
    let remaining = open.filter((f) => f.path === 'pod-to-pod' && failed(f) && isCrossNode(f));
    const findings: RuleFinding[] = [];
    const allCross = all.filter((f) => f.path === 'pod-to-pod' && isCrossNode(f) && judged(f));
    if (remaining.length > 0 && remaining.length === allCross.length && new Set(allCross.flatMap((f) => [f.from.node, f.to.node])).size > 2) {
      return [
        {
          rule: this.id,
          cause:
            `no cross-node pod traffic works between any nodes (${count(remaining.length, 'check')}): the pod network is down cluster-wide — ` +
            `the CNI is not running or not configured on the nodes; ${overlayHint(ctx, 'the nodes', 'each other')}`,
          explains: explainAll(
            open.filter((f) => failed(f) && f.path !== 'ports'),
            'cross-node pod network down cluster-wide',
          ),
        },
      ];
    }
    // Greedy: the node in most failing rows is the likeliest culprit; its rows are explained,
    // then repeat for what is left (two broken nodes → two causes).
    while (remaining.length > 0) {
      const tally = new Map<string, number>();
      for (const f of remaining) for (const n of [f.from.node, f.to.node]) tally.set(n, (tally.get(n) ?? 0) + 1);
      const ranked = [...tally].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
      const [node = '', top = 0] = ranked[0] ?? [];
      const mine = remaining.filter((f) => involves(f, node));
      const peerSet = new Set(mine.map((f) => (f.from.node === node ? f.to.node : f.from.node)));
      const peers = names(peerSet);
      // Only one pair broken: both ends tie and every row is between them — name the pair.
      const pairOnly = peerSet.size === 1 && ranked[1]?.[1] === top;
      const outbound = mine.some((f) => f.from.node === node);
      const inbound = mine.some((f) => f.to.node === node);
      const direction = outbound && inbound ? 'to and from' : outbound ? 'from' : 'to';
      const small = (f: Facts) => (f.payload ?? 'small') === 'small';
      const sameNode = all.filter((f) => f.path === 'pod-to-pod' && f.from.node === node && f.to.node === node);
      const sameNodePods = sameNode.filter((f) => f.source === 'pod' && small(f));
      // The node's own host network reaching its pods: the bridge and veths carry traffic.
      const ownHostReaches = all.some((f) => f.path === 'pod-to-pod' && f.source === 'host' && f.from.node === node && f.to.node === node && f.to.kind === 'pod' && passed(f));
      // Pods on the node fail out while the node's own host network reaches the same peers' pods:
      // the routes and overlay from the node work (its host uses them); what differs is that pod
      // traffic is forwarded by the node. Host and pod sources are different evidence.
      const podOut = mine.filter((f) => f.from.node === node && f.source === 'pod');
      const hostOut = all.filter((f) => f.path === 'pod-to-pod' && f.source === 'host' && f.from.node === node && f.to.kind === 'pod' && peerSet.has(f.to.node) && small(f));
      const forwarding = !pairOnly && podOut.length > 0 && hostOut.length > 0 && hostOut.every(passed);
      const sameNodeText =
        sameNodePods.length === 0 || sameNodePods.every(passed)
          ? sameNode.length > 0 && sameNode.every(passed)
            ? ` while same-node traffic on ${node} works`
            : ''
          : ownHostReaches
            ? `, and even pods on ${node}'s own bridge cannot reach each other while ${node}'s host network reaches them (a FORWARD filter that sees bridged traffic too, br_netfilter)`
            : `, and even same-node traffic on ${node} fails (the CNI on ${node} itself: bridge, veth, plugin)`;
      const subject = pairOnly ? `between ${node} and ${peers}` : `${direction} ${node} (peers: ${peers})`;
      if (forwarding) {
        // What else the node forwards: its pods' traffic to node addresses and out of the cluster,
        // traffic between its own pods where its bridge passes FORWARD, and Service traffic from
        // its pods or to a backend on it (a failed Service row that no backend on it answered).
        const viaService = (f: Facts) => ['pod-to-service', 'session-affinity', 'hairpin', 'nodeport', 'dns'].includes(f.path);
        const related = open.filter(
          (f) =>
            failed(f) &&
            !mine.includes(f) &&
            ((f.source === 'pod' && f.from.node === node && ['pod-to-node', 'pod-to-external'].includes(f.path)) ||
              (ownHostReaches && f.path === 'pod-to-pod' && f.source === 'pod' && f.from.node === node && f.to.node === node) ||
              (f.path === 'ports' && f.to.node === node && f.inNodePortRange === true) ||
              (viaService(f) && ((f.from.node === node && f.source === 'pod') || f.to.node === node || !f.backends?.some((b) => b.node === node)))),
        );
        findings.push({
          rule: this.id,
          cause:
            `pod traffic ${subject} fails (${count(mine.length, 'check')}), though ${node}'s own host network reaches the same pods on ${peers}${sameNodeText}: ` +
            `the routes and overlay from ${node} work (its host uses them); ${node} does not forward its pods' traffic — net.ipv4.ip_forward=0 (net.ipv6.conf.all.forwarding for IPv6), ` +
            `a FORWARD chain whose policy is DROP (Docker sets one) or a FORWARD rule on ${node}; check \`sysctl net.ipv4.ip_forward\`, \`iptables -S FORWARD\` and \`iptables-legacy -S FORWARD\` on ${node} ` +
            `(a policy set through the other iptables backend is invisible to the first)`,
          explains: [
            ...explainAll(mine, `${node} does not forward pod traffic; its host reaches the same pods`),
            ...explainAll(related, `consistent with ${node} not forwarding pod traffic: this traffic crosses ${node}'s FORWARD (its pods' own, or a backend there)`),
          ],
        });
        const claimed = new Set<Facts>([...mine, ...related]);
        remaining = remaining.filter((f) => !claimed.has(f));
        open = open.filter((f) => !claimed.has(f));
        continue;
      }
      const related = open.filter((f) => failed(f) && (f.path === 'pod-to-service' || f.path === 'nodeport') && (involves(f, node) || peerSet.has(f.from.node) || peerSet.has(f.to.node)));
      // The overlay's own port filtered into the node (for one pair, into either end) from every
      // peer it fails with: the overlay-port-firewall cause, named before this one, explains it —
      // when the run has that cause: an earlier rule may have explained the port's rows instead
      // (one-family: the port filtered in one IP family), and then there is no such line to defer to.
      const named = (rows: Facts[] | undefined) => (rows?.some((f) => explainedBy.get(f)?.includes(overlayPortFirewall.id)) ? rows : undefined);
      const filtered = named(overlayPortFilteredInto(all, node)) ?? (pairOnly ? named(overlayPortFilteredInto(all, [...peerSet][0]!)) : undefined);
      const into = filtered?.[0]!.to.node;
      const port = filtered && `${proto(filtered[0]!)} ${filtered[0]!.port}`;
      findings.push({
        rule: this.id,
        cause: filtered
          ? `cross-node pod traffic ${subject} fails (${count(mine.length, 'check')})${sameNodeText}: it crosses the overlay, whose port ${port} is filtered into ${into} ` +
            `from ${names(filtered.map((f) => f.from.node))} — the overlay-port-firewall cause explains it`
          : `cross-node pod traffic ${subject} fails (${count(mine.length, 'check')})${sameNodeText}: ` +
            `${pairOnly ? `the pod route or overlay between ${node} and ${peers}` : `${node}'s pod route or overlay`} — check the routes to the other nodes' pod CIDRs on ${node} ` +
            `(and theirs to ${node}'s), that IP forwarding is on (net.ipv4.ip_forward=1) and that nothing drops forwarded traffic; ${overlayHint(ctx, node, peers)}`,
        explains: [
          ...explainAll(mine, filtered ? `the overlay's port ${port} is filtered into ${into}` : pairOnly ? `pod route/overlay between ${node} and ${peers}` : `pod route/overlay of ${node}`),
          ...explainAll(related, `consistent with the pod network problem ${subject}: Service backends there are unreachable`),
        ],
      });
      const claimed = new Set<Facts>([...mine, ...related]);
      remaining = remaining.filter((f) => !claimed.has(f));
      open = open.filter((f) => !claimed.has(f));
    }
    return findings;
  },
};
