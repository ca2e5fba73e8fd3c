import { explainAll, failed, names, type DiagnosisRule, type RuleFinding } from './rule.ts';

export const nodePortLocal: DiagnosisRule = {
  id: 'nodeport-local',
  pattern: '`externalTrafficPolicy: Local` not honoured (a node without an endpoint answers, or the client IP is lost)',
  find({ open }) {
    const local = open.filter((f) => f.path === 'nodeport' && failed(f) && f.nodePortPolicy === 'Local');
    const answered = local.filter((f) => !f.expectsAnswer && f.seen === 'answered');
    const snat = local.filter((f) => f.expectsAnswer && f.seen === 'wrong-answer');
    const findings: RuleFinding[] = [];
    if (answered.length > 0) {
      const nodes = names(answered.map((f) => f.to.node));
      findings.push({
        rule: this.id,
        cause: `${nodes} answered a NodePort with externalTrafficPolicy: Local although no endpoint runs there: the Service proxy on ${nodes} ignores Local (check kube-proxy's version and mode there)`,
        explains: explainAll(answered, 'answered a Local NodePort without a local endpoint'),
      });
    }
    if (snat.length > 0) {
      const nodes = names(snat.map((f) => f.to.node));
      findings.push({
        rule: this.id,
        cause: `NodePorts with externalTrafficPolicy: Local on ${nodes} did not see the runner's own address (${snat[0]!.from.ip}): the source is rewritten on the way — a NAT or load balancer between the runner and the nodes, or masquerading on ${nodes}`,
        explains: explainAll(snat, 'client source IP not preserved under externalTrafficPolicy: Local'),
      });
    }
    return findings;
  },
};
