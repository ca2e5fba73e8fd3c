import type { Facts } from './facts.ts';
import { count, explainAll, failed, groupBy, names, passed, proto, type DiagnosisRule, type RuleFinding } from './rule.ts';

const FAMILY = { ipv4: 'IPv4', ipv6: 'IPv6' } as const;

/** The same check in another family: the same ends (by node and pod), protocol, port and payload. */
const twinKey = (f: Facts) => [f.path, f.from.kind, f.from.node, f.from.pod ?? '', f.to.kind, f.to.node, f.to.pod ?? '', f.protocol, f.port, f.payload ?? ''].join('|');
const pairOf = (f: Facts) => [f.from.node, f.to.node].sort((a, b) => a.localeCompare(b)).join(' and ');

/**
 * On a dual-stack run, rows fail in one IP family only while the same checks pass in the other:
 * the cause is that family's own configuration (its routes, its firewall — ip6tables is not
 * iptables), so the cause names the family. Cross-node rows are grouped by node pair; a
 * ports-suite row names its port; the family's other failing rows are named together.
 */
export const oneFamily: DiagnosisRule = {
  id: 'one-family',
  pattern:
    "on a dual-stack run, checks fail in one IP family only while the same checks pass in the other → that family's own routes or firewall (ip6tables is not iptables); the cause names the family",
  find({ all, open }) {
    const families = new Set(all.map((f) => f.family));
    if (families.size < 2) return [];
    const failing = all.filter(failed);
    const failedFamilies = new Set(failing.map((f) => f.family));
    if (failedFamilies.size !== 1) return [];
    const [family] = [...failedFamilies] as (keyof typeof FAMILY)[];
    const other = family === 'ipv6' ? 'ipv4' : 'ipv6';
    const [name, otherName] = [FAMILY[family!], FAMILY[other]];
    const passingTwins = new Set(all.filter((f) => f.family === other && passed(f)).map(twinKey));
    // A pair of ends with a passing row in the failing family (small passes, full-size fails; TCP
    // passes, UDP fails) is not this pattern: the MTU and UDP rules name it.
    const endsKey = (f: Facts) => [f.family, f.path, f.from.kind, f.from.node, f.from.pod ?? '', f.to.kind, f.to.node, f.to.pod ?? ''].join('|');
    const alive = new Set(all.filter((f) => f.family === family && f.path !== 'ports' && passed(f)).map(endsKey));
    const mine = open.filter((f) => failed(f) && f.family === family && passingTwins.has(twinKey(f)) && (f.path === 'ports' || !alive.has(endsKey(f))));
    if (mine.length === 0) return [];
    const findings: RuleFinding[] = [];
    const ports = mine.filter((f) => f.path === 'ports');
    for (const rows of groupBy(ports, (f) => `${f.to.node}|${f.port}|${f.protocol}`).values()) {
      const f = rows[0]!;
      const cause =
        `${name} ${proto(f)} ${f.port} on ${f.to.node} ${f.expectsAnswer ? `is ${f.seen === 'refused' ? 'refused' : 'filtered'}` : 'is reachable but must be closed'} from ${names(rows.map((x) => x.from.node))} ` +
        `(${count(rows.length, 'check')}) while ${otherName} to it ${f.expectsAnswer ? 'works' : 'is closed'}: the ${name} firewall on ${f.to.node} (${family === 'ipv6' ? 'ip6tables / nft ip6' : 'iptables / nft ip'}) differs from the ${otherName} one`;
      findings.push({ rule: this.id, cause, explains: explainAll(rows, cause) });
    }
    const cross = mine.filter((f) => f.path !== 'ports' && f.direction === 'node-to-node');
    const pairs = groupBy(cross, pairOf);
    for (const [pair, rows] of pairs) {
      const pod = rows.some((f) => f.path === 'pod-to-pod' || f.from.kind === 'pod' || f.to.kind === 'pod');
      const cause =
        `${name} ${pod ? 'pod routes' : 'traffic'} between ${pair} fail (${count(rows.length, 'check')}) while ${otherName} between them passes: ` +
        `check the ${name} routes to the other node's ${name} pod CIDR on ${pair.replace(' and ', ' and on ')} (${family === 'ipv6' ? 'ip -6 route' : 'ip route'}), ` +
        `${family === 'ipv6' ? 'net.ipv6.conf.all.forwarding=1' : 'net.ipv4.ip_forward=1'} and the ${name} firewall's FORWARD chain`;
      findings.push({ rule: this.id, cause, explains: explainAll(rows, `${name} pod route between ${pair}`) });
    }
    const pairNodes = new Set(cross.flatMap((f) => [f.from.node, f.to.node]));
    const rest = mine.filter((f) => f.path !== 'ports' && f.direction !== 'node-to-node');
    const related = rest.filter((f) => pairNodes.has(f.from.node));
    if (related.length > 0 && findings.length > 0) {
      const last = findings[findings.length - 1]!;
      last.explains.push(...explainAll(related, `consistent with the ${name} pod routes between ${names(pairs.keys())}: Service backends across them are unreachable in ${name}`));
    }
    const alone = rest.filter((f) => !pairNodes.has(f.from.node));
    if (alone.length > 0) {
      const cause = `${count(alone.length, 'check')} fail in ${name} only (${names(alone.map((f) => f.path))}, from ${names(alone.map((f) => f.from.node || 'the runner'))}) while the same checks pass in ${otherName}: the cluster's ${name} data path (kube-proxy's ${name} rules, the ${name} firewall)`;
      findings.push({ rule: this.id, cause, explains: explainAll(alone, cause) });
    }
    return findings;
  },
};
