import { count, explainAll, names, type DiagnosisRule } from './rule.ts';

export const wrongAnswer: DiagnosisRule = {
  id: 'wrong-answer',
  pattern: 'a pod IP answers, but from another pod than the one addressed → overlapping pod CIDRs / stale routes',
  find({ open }) {
    const rows = open.filter((f) => f.path === 'pod-to-pod' && f.seen === 'wrong-answer');
    if (rows.length === 0) return [];
    const targets = names(rows.map((f) => f.to.node));
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
