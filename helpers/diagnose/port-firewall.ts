import type { Facts } from './facts.ts';
import { explainAll, failed, groupBy, names, passed, proto, type DiagnosisRule, type RuleFinding } from './rule.ts';

const ID = 'port-firewall';

export const portFirewall: DiagnosisRule = {
  id: ID,
  pattern:
    "a ports-suite row fails → that port's firewall on the target node (filtered), nothing listening (refused), or a port that must be closed answering; a port judged from the overlay's traffic failing between one pair of nodes both ways → a firewall between them or the overlay's forwarding (both readings)",
  find({ all, open }) {
    // NodePort-range rows into a node whose NodePorts fail too are NodePorts: nodeport-firewall names them.
    const nodePortsFailInto = (node: string) => all.some((x) => x.path === 'nodeport' && x.to.node === node && x.expectsAnswer && failed(x));
    const key = (node: string, f: Facts) => `${node}|${f.port}|${f.protocol}|${f.seen}`;
    const groups = groupBy(
      open.filter((f) => f.path === 'ports' && failed(f) && !(f.inNodePortRange === true && nodePortsFailInto(f.to.node))),
      (f) => key(f.to.node, f),
    );
    // A port judged from the traffic it carries (a VXLAN port: the overlay's own packets) that fails
    // between exactly one pair of nodes, both ways, while each reaches the others: that traffic
    // cannot tell a firewall between the two from the overlay's forwarding between them.
    const viaTrafficFrom = (node: string, f: Facts) => {
      const rows = groups.get(key(node, f));
      return rows?.every((x) => x.portRule?.viaTraffic) ? [...new Set(rows.map((x) => x.from.node))] : undefined;
    };
    const othersReach = (node: string, f: Facts) => all.some((x) => x.path === 'ports' && x.port === f.port && x.protocol === f.protocol && x.to.node === node && passed(x));
    const pairOf = (f: Facts): string | undefined => {
      if (f.seen === 'answered' || f.seen === 'refused') return undefined;
      const mine = viaTrafficFrom(f.to.node, f);
      const other = mine?.length === 1 ? mine[0] : undefined;
      const back = other ? viaTrafficFrom(other, f) : undefined;
      return other && back?.length === 1 && back[0] === f.to.node && othersReach(f.to.node, f) && othersReach(other, f) ? other : undefined;
    };
    const findings: RuleFinding[] = [];
    for (const rows of groups.values()) {
      const f = rows[0]!;
      const other = pairOf(f);
      if (other === undefined) {
        findings.push(portFinding(rows, all));
        continue;
      }
      if (other < f.to.node) continue; // the pair is named once, from its first node
      const both = [...rows, ...groups.get(key(other, f))!];
      const cause =
        `${proto(f)} ${f.port} between ${f.to.node} and ${other} gets nothing through, both ways, while each reaches the other nodes; judged from the traffic it carries (the overlay's own packets, not a connection to the port), ` +
        `that is a firewall between the two or the overlay's forwarding between them (a stale forwarding entry for the other's tunnel address): check both, e.g. \`bridge fdb show\` on each`;
      findings.push({ rule: ID, cause, explains: explainAll(both, cause) });
    }
    return findings;
  },
};

/** One target's failing rows of one port: its firewall (filtered), nothing listening (refused), or a port that must be closed answering. */
export function portFinding(rows: Facts[], all: readonly Facts[]): RuleFinding {
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
  return { rule: ID, cause, explains: explainAll(rows, cause) };
}
