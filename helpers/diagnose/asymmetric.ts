import type { Facts } from './facts.ts';
import { count, explainAll, failed, groupBy, isCrossNode, names, passed, type DiagnosisRule, type RuleFinding } from './rule.ts';

/**
 * Pod traffic from A to B fails while B to A passes. Each check is a round trip, so the reverse
 * check carries packets both ways too: what breaks only one direction is stateful — new
 * connections dropped one way (a host firewall, a NetworkPolicy) or reverse-path filtering on
 * asymmetric routes. Tried before pod-network, which would blame the pair or one node.
 */
export const asymmetric: DiagnosisRule = {
  id: 'asymmetric',
  pattern: 'pod traffic A → B fails while B → A passes → one direction only: a stateful filter on new connections or reverse-path filtering',
  find({ all, open }) {
    const cross = all.filter((f) => f.path === 'pod-to-pod' && isCrossNode(f));
    const byPair = groupBy(cross, (f) => `${f.from.node}|${f.to.node}`);
    const isOpen = new Set(open);
    // One direction: every check failed, and every check the other way passed (no errors either).
    const broken = [...byPair].filter(([pair, rows]) => {
      const [a, b] = pair.split('|');
      const reverse = byPair.get(`${b}|${a}`) ?? [];
      return rows.filter(failed).length >= 2 && rows.every(failed) && rows.every((f) => isOpen.has(f)) && reverse.length > 0 && reverse.every(passed);
    });
    const findings: RuleFinding[] = [];
    for (const [target, pairs] of groupBy(broken, ([pair]) => pair.split('|')[1]!)) {
      const rows: Facts[] = pairs.flatMap(([, r]) => r);
      const sources = names(rows.map((f) => f.from.node));
      const sourceNodes = new Set(rows.map((f) => f.from.node));
      const viaService = open.filter((f) => f.path === 'pod-to-service' && !f.apiServer && failed(f) && sourceNodes.has(f.from.node));
      findings.push({
        rule: this.id,
        cause:
          `pod traffic from ${sources} to ${target} fails (${count(rows.length, 'check')}) while ${target} → ${sources} passes: asymmetric, one direction only — ` +
          `replies flow both ways, so the path works and something drops new connections from ${sources} into ${target}: a stateful firewall rule ` +
          `(on ${target} for inbound, or on ${sources} for outbound pod traffic), a NetworkPolicy, or reverse-path filtering (rp_filter) on ${target} with asymmetric routes`,
        explains: [...explainAll(rows, `one direction only: ${target} → ${sources} passes`), ...explainAll(viaService, `consistent with the one-way fault into ${target}: a Service backend there`)],
      });
    }
    return findings;
  },
};
