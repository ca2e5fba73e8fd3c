import type { DiagnoseContext } from './facts.ts';
import { explainAll, failed, isRunService, names, passed, serviceProxyWorksFrom, sourceLabel, type DiagnosisRule, type RuleFinding } from './rule.ts';

/** The range as the cluster reported it, or Kubernetes' default named as such. */
const rangeText = ({ nodePortRange: r }: DiagnoseContext) => (r?.source === 'cluster' ? `${r.low}-${r.high}` : `default ${r ? `${r.low}-${r.high}` : '30000-32767'}`);

export const nodePortFirewall: DiagnosisRule = {
  id: 'nodeport-firewall',
  pattern:
    "NodePorts fail on one node only → that node's firewall for the NodePort range (says when only part of the range is open, or when tries were refused); refused there → its Service proxy has no rules for them, unless that proxy serves the run's Services from there (then a firewall that rejects; with no evidence either way, both, ranked); on every node → the range is filtered between the runner and the nodes",
  find({ all, open, ctx }) {
    const rows = open.filter((f) => f.path === 'nodeport' && failed(f) && f.expectsAnswer);
    const findings: RuleFinding[] = [];
    const okNodes = new Set(all.filter((f) => f.path === 'nodeport' && passed(f) && f.expectsAnswer).map((f) => f.to.node));
    const badNodes = new Set(rows.map((f) => f.to.node));
    if (rows.length > 0 && [...badNodes].every((n) => !okNodes.has(n)) && okNodes.size === 0) {
      return [
        {
          rule: this.id,
          cause: `NodePorts fail on every node (${names(badNodes)}) from ${sourceLabel(rows[0]!)}: the NodePort range is filtered between the runner and the nodes, or Service proxying is broken (see pod-to-service)`,
          explains: explainAll(rows, 'NodePorts fail on every node'),
        },
      ];
    }
    for (const node of badNodes) {
      const mine = rows.filter((f) => f.to.node === node);
      // The ports suite's rows in the NodePort range into that node are NodePorts too.
      const rangeRows = open.filter((f) => f.path === 'ports' && failed(f) && f.to.node === node && f.inNodePortRange === true);
      const failing = names(
        mine.map((f) => `${f.port}/${f.protocol}`),
        8,
      );
      const working = all.filter((f) => f.path === 'nodeport' && f.to.node === node && passed(f) && f.expectsAnswer);
      const partial =
        working.length > 0
          ? ` while ${names(
              working.map((f) => `${f.port}/${f.protocol}`),
              8,
            )} on ${node} works: only part of the NodePort range is open on ${node}`
          : ` while other nodes answer: ${node}'s firewall drops the NodePort range`;
      // Mostly refused: the packets arrive and are answered "closed". Either nothing serves the
      // NodePorts (the Service proxy there), or a firewall REJECTs them — which answers the same
      // way. The proxy on that node demonstrably programming this run's Services (ClusterIPs
      // from its pods answer) rules the first reading out.
      const refused = mine.filter((f) => f.seen === 'refused').length * 2 > mine.length;
      if (refused && serviceProxyWorksFrom(all, node)) {
        findings.push({
          rule: this.id,
          cause:
            `NodePort ${failing} is refused on ${node} while other nodes answer, though kube-proxy on ${node} serves this run's Services (ClusterIPs from ${node}'s pods answer): ` +
            `a firewall on ${node} rejects the NodePort range (a REJECT answers like a closed port) — open TCP and UDP over the whole NodePort range (${rangeText(ctx)}) on ${node}`,
          explains: explainAll([...mine, ...rangeRows], `${node}'s firewall rejects the NodePort range; its Service proxy works`),
        });
        continue;
      }
      if (refused) {
        findings.push({
          rule: this.id,
          // Two readings fit when nothing else the run saw from that node tells them apart: both, ranked.
          cause:
            `NodePort ${failing} is refused on ${node} (the node answers, nothing serves the port) while other nodes answer: the Service proxy on ${node} has not programmed these NodePorts — kube-proxy there is not running or cannot reach the API server; check it on ${node}` +
            (all.some((f) => isRunService(f) && f.from.node === node)
              ? ''
              : `. Less likely, a firewall on ${node} that rejects the NodePort range (a REJECT answers like a closed port): this run has no Service check from ${node}'s pods to tell the two apart`),
          explains: explainAll([...mine, ...rangeRows], `${node}'s Service proxy has no rules for these NodePorts`),
        });
        continue;
      }
      // Some tries refused, the rest timed out: a firewall that REJECTs (the kernel rate-limits its ICMP errors).
      const rejects = mine.some((f) => f.seen === 'refused') || [...mine, ...rangeRows].some((f) => f.seen === 'refused');
      findings.push({
        rule: this.id,
        cause: `NodePort ${failing} fails on ${node} only${partial}${rejects ? ` (some tries refused, the rest unanswered: the firewall rejects, and the kernel rate-limits its rejections)` : ''} — open TCP and UDP over the whole NodePort range (${rangeText(ctx)}) on ${node}`,
        explains: explainAll([...mine, ...rangeRows], `${node}'s firewall for the NodePort range`),
      });
    }
    return findings;
  },
};
