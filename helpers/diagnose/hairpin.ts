// Runs before the Service-proxy rule: a pod that cannot reach itself through its own Service, on
// a node whose Service proxy demonstrably works, is hairpin — and its Service rows that time out
// only on the tries that picked the calling pod itself are the same cause, not kube-proxy.
import { count, explainAll, failed, isRunService, names, proto, serviceProxyWorksFrom, type DiagnosisRule, type RuleFinding } from './rule.ts';

export const hairpin: DiagnosisRule = {
  id: 'hairpin',
  pattern:
    "a pod cannot reach itself through its own Service while Services from its node reach other backends → hairpin off on that node's bridge ports (bridge CNI `hairpinMode`); its Service tries that picked the pod itself are the same cause, not kube-proxy",
  find({ all, open }) {
    const findings: RuleFinding[] = [];
    const nodes = new Set(open.filter((f) => f.path === 'hairpin' && failed(f)).map((f) => f.from.node));
    for (const node of nodes) {
      if (!serviceProxyWorksFrom(all, node)) continue;
      // Hairpin spares the other pods on the caller's bridge: a Service try from the node's pods
      // answered by another backend on that node shows it. Where the answering backends are
      // known and none sat on the caller's node, the whole same-node Service path fails, which
      // hairpin does not explain (bridge-netfilter names it).
      const serviceRows = all.filter((f) => isRunService(f) && f.from.node === node && f.source === 'pod' && f.backends);
      if (serviceRows.length > 0 && !serviceRows.some((f) => f.backends!.some((b) => b.sameNode && b.name !== f.from.pod))) continue;
      const mine = open.filter((f) => f.path === 'hairpin' && failed(f) && f.from.node === node);
      // Pod sources on the node whose Service tries were lost (not answered by a stranger): their own backend is themselves.
      const selfHits = open.filter((f) => (f.path === 'pod-to-service' || f.path === 'session-affinity') && failed(f) && f.from.node === node && f.from.kind === 'pod' && f.seen === 'filtered');
      findings.push({
        rule: this.id,
        cause:
          `pods on ${node} cannot reach themselves through their own Service (${count(mine.length, 'check')}, ${names(mine.map((f) => proto(f)))}) while Services from ${node} reach other backends: ` +
          `hairpin is off on ${node}'s pod bridge ports — the bridge CNI's "hairpinMode": true (or kubelet --hairpin-mode / a promiscuous bridge) on ${node}; \`bridge -d link show\` there must say "hairpin on" for every pod veth`,
        explains: [
          ...explainAll(mine, `hairpin off on ${node}: the pod's own answer cannot come back through its bridge port`),
          ...explainAll(selfHits, `hairpin off on ${node}: the tries that picked the calling pod itself as the backend were lost`),
        ],
      });
    }
    return findings;
  },
};
