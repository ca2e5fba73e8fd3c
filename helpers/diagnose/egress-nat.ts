import type { Facts } from './facts.ts';
import { count, explainAll, failed, groupBy, isCrossNode, judged, names, passed, type DiagnosisRule, type RuleFinding } from './rule.ts';

/**
 * Pods on a node cannot reach the server outside the cluster (or reach it as their own pod IP)
 * while that node's own host network reaches it: the node's egress NAT is missing. A pod IP is
 * not routable outside the cluster, so un-NATed traffic out gets no answer back.
 */
export const egressNat: DiagnosisRule = {
  id: 'egress-nat',
  pattern:
    "pods on a node get no answer from the server outside the cluster (or arrive with their pod IP) while that node's host network reaches it, and its pods' cross-node traffic works → that node's egress NAT (masquerade: bridge `ipMasq`, Calico `natOutgoing`, flannel `--ip-masq`, ip-masq-agent)",
  find({ all, open }) {
    const outside = all.filter((f) => f.direction === 'to-outside');
    const hostReaches = (node: string) => outside.some((f) => f.from.node === node && f.from.kind === 'host' && passed(f));
    // A node that does not forward its pods' traffic at all breaks their way out too: not NAT.
    const forwards = (node: string) => {
      const cross = all.filter((f) => f.path === 'pod-to-pod' && f.from.node === node && f.from.kind === 'pod' && isCrossNode(f) && judged(f));
      return cross.length === 0 || cross.some(passed);
    };
    const rows = open.filter((f) => f.direction === 'to-outside' && f.from.kind === 'pod' && failed(f) && hostReaches(f.from.node) && forwards(f.from.node));
    const findings: RuleFinding[] = [];
    for (const [node, mine] of groupBy(rows, (f: Facts) => f.from.node)) {
      const server = names(mine.map((f) => `${f.to.ip}:${f.port}`));
      const asPodIp = mine.some((f) => f.seen === 'wrong-answer');
      findings.push({
        rule: this.id,
        cause:
          `pods on ${node} cannot reach outside the cluster: egress NAT — ${count(mine.length, 'check')} from its pods to the server outside (${server}) ` +
          `${asPodIp ? 'arrived with the pod IP instead of the node address' : 'got no answer'} while ${node}'s own host network reaches it; ` +
          `${node} does not masquerade pod traffic leaving the cluster, and a pod IP is not routable outside it. ` +
          `Check the CNI's egress NAT (bridge ipMasq, Calico natOutgoing, flannel --ip-masq, ip-masq-agent) and \`iptables -t nat -S POSTROUTING\` / \`nft list ruleset\` on ${node}`,
        explains: explainAll(mine, `egress NAT on ${node}: its host network reaches the same server`),
      });
    }
    return findings;
  },
};
