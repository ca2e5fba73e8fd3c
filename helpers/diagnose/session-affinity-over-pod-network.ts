// Session-affinity rows that got no answer from a node whose cross-node pod traffic fails: the
// client's one backend sits across the break, which the pod-network cause names.
import { count, crossNodePodTrafficFails, explainAll, failed, names, type DiagnosisRule } from './rule.ts';

export const sessionAffinityOverPodNetwork: DiagnosisRule = {
  id: 'session-affinity-over-pod-network',
  pattern: 'a session-affinity row gets no answer from a node whose cross-node pod traffic fails → its one backend sits across that break: the pod-network cause',
  find({ all, open }) {
    const rows = open.filter((f) => f.path === 'session-affinity' && failed(f) && f.seen === 'filtered' && crossNodePodTrafficFails(all, f.from.node));
    if (rows.length === 0) return [];
    return [
      {
        rule: this.id,
        cause: `session-affinity requests from ${names(rows.map((f) => f.from.node))} got no answer (${count(rows.length, 'check')}) where the pod network is broken: the client's one backend sits across that break — the pod-network cause explains it`,
        explains: explainAll(rows, 'affinity backend across the broken pod network'),
      },
    ];
  },
};
