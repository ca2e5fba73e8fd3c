// Other nodes' host networks cannot open connections to one node's pods while pods on those same
// nodes can: the packets differ only in their source (a node address instead of a pod address),
// so the target node (or the network in front of it) filters by source — a FORWARD rule or a
// cloud security group that admits the pod range and not the node range. Node-local agents,
// hostNetwork pods and NodePort traffic masqueraded to a node address are cut off from that
// node's pods. Named only when every host row into that node's pods from a source node failed
// and a pod on that same source node reached that node's pods; tried before asymmetric and
// pod-network, which would blame the pair.
import type { Facts } from './facts.ts';
import { count, explainAll, failed, groupBy, names, passed, type DiagnosisRule, type RuleFinding } from './rule.ts';

const hostToPod = (f: Facts) => f.path === 'pod-to-pod' && f.from.kind === 'host' && f.to.kind === 'pod' && f.from.node !== f.to.node;
const podToPod = (f: Facts) => f.path === 'pod-to-pod' && f.from.kind === 'pod' && f.to.kind === 'pod' && f.from.node !== f.to.node;

export const hostToPodsFirewall: DiagnosisRule = {
  id: 'host-to-pods-firewall',
  pattern:
    "other nodes' host networks cannot reach one node's pods while pods on those same nodes can → that node drops node addresses, not pod addresses, into its pods: a FORWARD rule or a security group that admits only the pod range",
  find({ all, open }) {
    const isOpen = new Set(open);
    const findings: RuleFinding[] = [];
    for (const [target, rows] of groupBy(all.filter(hostToPod), (f) => f.to.node)) {
      // Source nodes whose every host row into the target's pods failed, while a pod there reached them.
      const sources = [...groupBy(rows, (f) => f.from.node)]
        .filter(([source, mine]) => mine.every((f) => failed(f) && isOpen.has(f)) && all.some((f) => podToPod(f) && f.from.node === source && f.to.node === target && passed(f)))
        .map(([source]) => source);
      if (sources.length === 0) continue;
      // The target's own host reaching its pods (when measured) says the pods themselves answer.
      const ownHostOk = all.filter((f) => f.path === 'pod-to-pod' && f.from.kind === 'host' && f.from.node === target && f.to.node === target).every(passed);
      if (!ownHostOk) continue;
      const explained = rows.filter((f) => sources.includes(f.from.node));
      const sourceSet = new Set(sources);
      // Service rows from those hosts that failed: a backend on the target is reached from a node address too.
      const viaService = open.filter((f) => (f.path === 'pod-to-service' || f.path === 'session-affinity' || f.path === 'dns') && f.from.kind === 'host' && sourceSet.has(f.from.node));
      findings.push({
        rule: this.id,
        cause:
          `the host networks of ${names(sources)} cannot open connections to ${target}'s pods (${count(explained.length, 'check')}) while pods on ${names(sources)} reach them: ` +
          `${target} drops new connections from node addresses into its pods (pod addresses pass) — a FORWARD rule on ${target} or a security group in front of it that admits ` +
          `the pod range but not the node addresses; node-local agents, hostNetwork pods and NodePort traffic masqueraded to a node address cannot reach ${target}'s pods`,
        explains: [
          ...explainAll(explained, `node addresses into ${target}'s pods are dropped; pods on the same node pass`),
          ...explainAll(viaService, `consistent with ${target} dropping node addresses into its pods: a Service backend there`),
        ],
      });
    }
    return findings;
  },
};
