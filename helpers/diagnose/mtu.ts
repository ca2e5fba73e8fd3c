import type { Facts } from './facts.ts';
import { count, explainAll, failed, names, passed, requestKey, type DiagnosisRule } from './rule.ts';

export const mtu: DiagnosisRule = {
  id: 'mtu',
  pattern: 'small payloads pass, full-size fail on the same fixed path → MTU on that path (names the nodes); Service rows alone never say MTU, since their two requests may hit different backends',
  find({ all, open }) {
    // The same ends and protocol: the full-size request goes to a port of its own.
    const smallPassed = new Set(all.filter((f) => f.payload === 'small' && passed(f)).map(requestKey));
    const rows = open.filter((f) => f.payload === 'full' && failed(f) && smallPassed.has(requestKey(f)));
    // A Service row's small and full requests may land on different backends, so a Service row
    // alone says "one backend is unreachable" as much as "MTU": a fixed path must show it too.
    if (!rows.some((f) => f.to.kind !== 'service')) return [];
    // Name the node every failing node-to-node path shares, if there is one; else every node
    // involved. Service rows do not say which backend node they hit, so they do not vote.
    const ends = (f: Facts) => [f.from.kind === 'runner' ? 'the runner' : f.from.node, f.to.node || `Service ${f.to.ip}`];
    const pairRows = rows.filter((f) => f.from.kind !== 'runner' && f.from.node && f.to.node);
    const basis = pairRows.length > 0 ? pairRows : rows;
    const nodes = [...new Set(basis.flatMap(ends))];
    const common = nodes.filter((n) => basis.every((f) => ends(f).includes(n)));
    const where = common.length === 1 ? `on the path to and from ${common[0]}` : `on the paths between ${names(nodes)}`;
    const pairs = names(
      rows.map((f) => `${ends(f)[0]} → ${ends(f)[1]}`),
      4,
    );
    return [
      {
        rule: this.id,
        cause:
          `small payloads pass but full-size ones fail (${count(rows.length, 'check')}: ${pairs}): MTU mismatch ${where} — ` +
          `packets above the path MTU are dropped; compare the MTU of the NIC, the overlay device and the pod interfaces ` +
          `(\`ip link\`) on ${common.length === 1 ? common[0] : names(nodes)}, and make sure ICMP "fragmentation needed" is not blocked`,
        explains: explainAll(rows, `full-size payload fails where small passes: MTU ${where}`),
      },
    ];
  },
};
