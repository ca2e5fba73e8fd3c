import { count, explainAll, failed, involves, judged, names, passed, sourceLabel, type DiagnosisRule, type RuleFinding } from './rule.ts';

export const nodeDown: DiagnosisRule = {
  id: 'node-down',
  pattern: 'every check to one node fails (pods, Services, NodePorts, TCP 10250 if checked) while other nodes answer → that node is down or its host firewall drops all inbound traffic',
  find({ all, open }) {
    const findings: RuleFinding[] = [];
    const targets = new Set(
      open
        .filter(failed)
        .map((f) => f.to.node)
        .filter(Boolean),
    );
    for (const node of targets) {
      // Only rows that expect an answer: a "must be closed" row passes trivially on a dead node.
      const toNode = all.filter((f) => f.to.node === node && f.from.node !== node && f.expectsAnswer && judged(f));
      const paths = new Set(toNode.map((f) => f.path));
      const kubelet = toNode.filter((f) => f.path === 'ports' && f.port === 10250 && f.protocol === 'tcp');
      const othersWork = all.some((f) => f.to.node !== node && f.to.node && passed(f));
      if (toNode.length < 2 || !toNode.every(failed) || !othersWork) continue;
      if (kubelet.length === 0 && paths.size < 2) continue;
      const including = kubelet.length > 0 ? ', including the kubelet port TCP 10250' : ` (${names(paths)})`;
      findings.push({
        rule: this.id,
        cause:
          `everything to node ${node} fails${including} — ${count(toNode.length, 'check')} from ${names(toNode.map(sourceLabel))}: ` +
          `${node} is down or its host firewall drops all inbound traffic; check \`kubectl get node ${node}\` and the firewall on ${node}`,
        explains: explainAll(
          open.filter((f) => failed(f) && involves(f, node)),
          `everything to ${node} fails: node down or its firewall drops all inbound traffic`,
        ),
      });
    }
    return findings;
  },
};
