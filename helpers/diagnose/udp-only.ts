import type { Facts } from './facts.ts';
import { count, endKey, explainAll, failed, groupBy, judged, names, pairKey, passed, type DiagnosisRule } from './rule.ts';

/**
 * UDP fails on pairs of ends where TCP passes: the path works, something drops UDP. Tried after
 * MTU (full-size UDP alone failing is MTU: TCP's MSS adapts, UDP does not) and before pod-network.
 */
export const udpOnly: DiagnosisRule = {
  id: 'udp-only',
  pattern: 'UDP fails while TCP passes on the same pairs → something drops UDP only (firewall rule, NetworkPolicy, security group); names the node all such paths share',
  find({ all, open }) {
    const tcp = groupBy(
      all.filter((f) => f.protocol === 'tcp' && judged(f)),
      pairKey,
    );
    const tcpPasses = (f: Facts) => !!tcp.get(pairKey(f))?.every(passed);
    const rows = open.filter((f) => f.path === 'pod-to-pod' && f.protocol === 'udp' && failed(f) && tcpPasses(f));
    if (rows.length < 2) return [];
    // Service UDP requests from the same sources, whose TCP requests to the same Service pass.
    const sources = new Set(rows.map((f) => endKey(f.from)));
    const services = open.filter((f) => f.path === 'pod-to-service' && f.protocol === 'udp' && failed(f) && sources.has(endKey(f.from)) && tcpPasses(f));
    const nodes = [...new Set(rows.flatMap((f) => [f.from.node, f.to.node]))];
    const common = nodes.filter((n) => rows.every((f) => f.from.node === n || f.to.node === n));
    const where = common.length === 1 ? `on the paths to and from ${common[0]}` : `between ${names(nodes)}`;
    const pairs = names(
      rows.map((f) => `${f.from.node} → ${f.to.node}`),
      4,
    );
    const at = common.length === 1 ? common[0] : names(nodes);
    return [
      {
        rule: this.id,
        cause:
          `UDP fails while TCP passes on the same pairs (${count(rows.length, 'check')}: ${pairs}): something drops UDP only ${where} — ` +
          `a host firewall or NetworkPolicy rule that allows TCP but not UDP, or a cloud security group open for TCP only; ` +
          `check the UDP rules (\`iptables -S\`, \`nft list ruleset\`) on ${at}`,
        explains: [...explainAll(rows, `UDP only: TCP passes on the same pair (UDP dropped ${where})`), ...explainAll(services, `UDP only: TCP to the same Service passes from here`)],
      },
    ];
  },
};
