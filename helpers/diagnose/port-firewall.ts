import { explainAll, failed, groupBy, names, passed, proto, type DiagnosisRule } from './rule.ts';

export const portFirewall: DiagnosisRule = {
  id: 'port-firewall',
  pattern: "a ports-suite row fails → that port's firewall on the target node (filtered), nothing listening (refused), or a port that must be closed answering",
  find({ all, open }) {
    // NodePort-range rows into a node whose NodePorts fail too are NodePorts: nodeport-firewall names them.
    const nodePortsFailInto = (node: string) => all.some((x) => x.path === 'nodeport' && x.to.node === node && x.expectsAnswer && failed(x));
    const groups = groupBy(
      open.filter((f) => f.path === 'ports' && failed(f) && !(f.inNodePortRange === true && nodePortsFailInto(f.to.node))),
      (f) => `${f.to.node}|${f.port}|${f.protocol}|${f.seen}`,
    );
    return [...groups.values()].map((rows) => {
      const f = rows[0]!;
      const what = `${proto(f)} ${f.port} on ${f.to.node}`;
      // The profile's reason is quoted for the reader; the decision below never reads it.
      const why = f.quote.why ? ` (${f.quote.why})` : '';
      const peersOk = all.some((x) => x.path === 'ports' && x.port === f.port && x.protocol === f.protocol && x.to.node !== f.to.node && passed(x));
      const sources = `from ${names(rows.map((x) => x.from.node))}`;
      let cause: string;
      if (f.seen === 'answered') {
        cause = `${what} is reachable ${sources} but must be closed${why}: firewall it on ${f.to.node} or turn the service off`;
      } else if (f.seen === 'refused') {
        cause = `${what} refuses connections ${sources}${why}: the packets arrive but nothing listens — the service is not running on ${f.to.node}, or a firewall rejects with a reset`;
      } else {
        cause = `${what} is filtered ${sources}${why}${peersOk ? `, while other nodes accept it` : ''}: open ${what}'s firewall for traffic from those nodes`;
      }
      return { rule: this.id, cause, explains: explainAll(rows, cause) };
    });
  },
};
