// A node's pods reach Services only through backends on other nodes: every try that picked
// another pod on the caller's own node was lost (the caller itself answers: hairpin is SNATed), while those same backends answer Service tries from
// other nodes and answer the caller directly by pod IP. The request was DNATed by the node, but
// the backend's reply crossed the pod bridge without passing iptables, so it was never un-NATed
// and the caller dropped an answer from an address it never asked: bridged traffic skips
// netfilter on that node (net.bridge.bridge-nf-call-iptables=0, br_netfilter not loaded).
// Hairpin (a pod reaching itself) and lookups to a DNS replica on that node break the same way.
// Named only with every piece of that evidence; runs before hairpin and service-proxy.
import type { Facts } from './facts.ts';
import { count, explainAll, failed, isRunService, names, passed, type DiagnosisRule, type RuleFinding } from './rule.ts';

export const bridgeNetfilter: DiagnosisRule = {
  id: 'bridge-netfilter',
  pattern:
    "Service tries from a node's pods are answered only by backends on other nodes, while the backends on that node answer other nodes' Service tries and the same pods by pod IP → bridged replies skip iptables there (bridge-nf-call-iptables off)",
  find({ all, open }) {
    const findings: RuleFinding[] = [];
    const fromPods = (node: string) => (f: Facts) => f.from.node === node && f.source === 'pod';
    const candidates = new Set(open.filter((f) => isRunService(f) && failed(f) && f.source === 'pod').map((f) => f.from.node));
    for (const node of candidates) {
      const services = all.filter((f) => isRunService(f) && fromPods(node)(f));
      const placed = services.filter((f) => f.backends);
      // Answers came from other nodes (and maybe from the caller itself: a hairpin is SNATed to
      // the node, so its reply goes up through iptables); never from another pod on its node.
      if (placed.length === 0 || placed.some((f) => f.backends!.some((b) => b.sameNode && b.name !== f.from.pod))) continue;
      if (!placed.some((f) => f.backends!.some((b) => b.sameNode === false))) continue;
      if (!services.some(failed)) continue;
      // The backends on that node do answer Service tries from other nodes.
      const localBackendsServe = all.some((f) => isRunService(f) && f.from.node !== node && f.backends?.some((b) => b.node === node));
      // And the caller reaches the pods on its own bridge by pod IP.
      const sameNode = all.filter((f) => f.path === 'pod-to-pod' && fromPods(node)(f) && f.to.node === node && f.to.kind === 'pod' && (f.payload ?? 'small') === 'small');
      if (!localBackendsServe || sameNode.length === 0 || !sameNode.every(passed)) continue;
      const mine = open.filter((f) => isRunService(f) && failed(f) && fromPods(node)(f));
      const hairpins = open.filter((f) => f.path === 'hairpin' && failed(f) && f.from.node === node);
      // Lookups from its pods that got no answer while other nodes resolve: a DNS replica on the node is reached the same way.
      const othersResolve = all.some((f) => f.path === 'dns' && f.from.node !== node && passed(f));
      // Names that resolved but whose Service did not answer: the same lost tries.
      const lookups = open.filter((f) => f.path === 'dns' && failed(f) && fromPods(node)(f) && (!f.lookup?.result || (othersResolve && f.lookup.serverAnswered === false)));
      const answeredBy = names(placed.flatMap((f) => f.backends!.filter((b) => !b.sameNode).map((b) => b.node ?? b.name)));
      findings.push({
        rule: this.id,
        cause:
          `Service tries from pods on ${node} are answered only by backends on other nodes (${answeredBy}) or by the caller itself; every try that picked another pod on ${node} was lost ` +
          `(${count(mine.length, 'check')}${hairpins.length > 0 ? `, and pods on ${node} cannot reach themselves through a Service` : ''}), ` +
          `while ${node}'s backends answer other nodes and ${node}'s pods reach them by pod IP: replies crossing ${node}'s pod bridge skip iptables and are never un-NATed — ` +
          `set net.bridge.bridge-nf-call-iptables=1 (and bridge-nf-call-ip6tables) on ${node}, with the br_netfilter module loaded (kubeadm's preflight checks both)`,
        explains: [
          ...explainAll(mine, `${node}'s own backends never answered this Service: bridged replies skip iptables on ${node}`),
          ...explainAll(hairpins, `the pod's own reply crosses ${node}'s bridge without iptables`),
          ...explainAll(lookups, `the Service (or DNS replica) on ${node} is reached the same way: bridged replies skip iptables`),
        ],
      });
    }
    return findings;
  },
};
