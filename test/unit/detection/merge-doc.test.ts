// docs/detection.md after a partial rendering: the combinations rendered now replace theirs, the
// others keep their rows and tables, totals are counted again, the catalogue section stays.
import { expect, test } from 'vitest';
import { mergeDetectionDoc } from '../../../test/detection/merge-doc.ts';

const section = (network: string, proxy: string, body: string) => `# Detection: ${network} pod network, kube-proxy ${proxy} mode\n\n${body}\n`;
const summary = (rows: string[], score?: string) =>
  [
    '# Detection matrix',
    '',
    'N network × kube-proxy combinations …',
    '',
    ...(score ? [score, ''] : []),
    '| network | kube-proxy | healthy runs: failed rows | faults detected exactly | not detected | fault runs of (UTC) |',
    '|---|---|---|---|---|---|',
    ...rows,
  ].join('\n') + '\n';
const CATALOGUE = '<!-- catalogue:start (written by npm run detect and test/tools/run-catalogue.ts) -->\n# Real-world fault catalogue\n\nold results\n<!-- catalogue:end -->\n';

test('a partial rendering replaces its combinations only; the rest, their dates and the catalogue stay; totals are counted from the rows', () => {
  const existing = [
    summary(['| routed | iptables | 0, 0 | 14/14 | — | 2026-12-01 19:55–20:40 |', '| vxlan | iptables | 0, 0 | 8/8 | — | 2026-12-01 22:50–22:58 |']),
    section('routed', 'iptables', 'OLD routed table'),
    section('vxlan', 'iptables', 'OLD vxlan table'),
    CATALOGUE,
  ].join('\n');
  const fresh = [
    summary(['| routed | iptables | 0 | 11/12 | `cut-route` | 2026-12-07 08:20–08:29 |'], 'Diagnosis score: 12 cases: 11 named exactly, …'),
    section('routed', 'iptables', 'NEW routed table'),
  ].join('\n');
  const merged = mergeDetectionDoc(existing, fresh);
  expect(merged).toContain('| routed | iptables | 0 | 11/12 | `cut-route` | 2026-12-07 08:20–08:29 |');
  expect(merged).toContain('| vxlan | iptables | 0, 0 | 8/8 | — | 2026-12-01 22:50–22:58 |');
  expect(merged).toContain('NEW routed table');
  expect(merged).not.toContain('OLD routed table');
  expect(merged).toContain('OLD vxlan table');
  expect(merged).toContain('old results');
  expect(merged).toMatch(/^2 network × kube-proxy combinations, 20 fault runs: 19 detected exactly .*; 0 failed rows in 3 healthy runs\./m);
  expect(merged).toContain('Diagnosis score of the last rendering (routed iptables): 12 cases: 11 named exactly, …');
  // The tables in the matrix's order, then the catalogue.
  expect(merged.indexOf('NEW routed table')).toBeLessThan(merged.indexOf('OLD vxlan table'));
  expect(merged.indexOf('OLD vxlan table')).toBeLessThan(merged.indexOf('# Real-world fault catalogue'));
  // Merging again with the same rendering changes nothing.
  expect(mergeDetectionDoc(merged, fresh)).toBe(merged);
});

test('no existing file: the rendering as it is, its totals counted', () => {
  const fresh = [summary(['| bgp | nftables | 0 | 3/3 | — | 2026-12-07 09:00–09:05 |']), section('bgp', 'nftables', 'bgp table')].join('\n');
  const merged = mergeDetectionDoc('', fresh);
  expect(merged).toMatch(/^1 network × kube-proxy combinations, 3 fault runs: 3 detected exactly/m);
  expect(merged).toContain('bgp table');
});

test('the NetworkPolicy lab is a combination of its own: kept when another is rendered, replaced only by its own rendering, right after its network and mode', () => {
  const netpolSection = (body: string) => `# Detection: routed pod network, kube-proxy iptables mode, NetworkPolicy kube-router\n\n${body}\n`;
  const existing = [
    summary([
      '| routed | iptables | 0 | 12/12 | — | 2026-12-07 09:18–09:23 |',
      '| routed (NetworkPolicy kube-router) | iptables | 0 | 2/2 | — | 2026-12-07 10:21–10:23 |',
      '| vxlan | nftables | 0 | 3/3 | — | 2026-12-07 09:36–09:38 |',
    ]),
    section('routed', 'iptables', 'OLD routed table'),
    netpolSection('OLD netpol table'),
    section('vxlan', 'nftables', 'OLD vxlan table'),
    CATALOGUE,
  ].join('\n');
  // A routed-only rendering: the NetworkPolicy table and row stay.
  const routed = mergeDetectionDoc(existing, [summary(['| routed | iptables | 0 | 11/12 | `cut-route` | 2026-12-08 08:00–08:10 |']), section('routed', 'iptables', 'NEW routed table')].join('\n'));
  expect(routed).toContain('| routed (NetworkPolicy kube-router) | iptables | 0 | 2/2 | — | 2026-12-07 10:21–10:23 |');
  expect(routed).toContain('OLD netpol table');
  expect(routed).toContain('NEW routed table');
  expect(routed).toMatch(/^3 network × kube-proxy combinations, 17 fault runs: 16 detected exactly .*; 0 failed rows in 3 healthy runs\./m);
  // The NetworkPolicy rendering (npm run detect -- --netpol kube-router): its row and table only.
  const netpol = mergeDetectionDoc(
    routed,
    [
      summary(['| routed (NetworkPolicy kube-router) | iptables | 0, 0 | 1/2 | `netpol-bypass` | 2026-12-08 09:00–09:05 |'], 'Diagnosis score: 2 cases: 1 named exactly, …'),
      netpolSection('NEW netpol table'),
    ].join('\n'),
  );
  expect(netpol).toContain('| routed (NetworkPolicy kube-router) | iptables | 0, 0 | 1/2 | `netpol-bypass` | 2026-12-08 09:00–09:05 |');
  expect(netpol).not.toContain('OLD netpol table');
  expect(netpol).toContain('NEW netpol table');
  expect(netpol).toContain('NEW routed table');
  expect(netpol).toContain('OLD vxlan table');
  expect(netpol).toContain('Diagnosis score of the last rendering (routed iptables NetworkPolicy kube-router): 2 cases: 1 named exactly, …');
  expect(netpol).toMatch(/^3 network × kube-proxy combinations, 17 fault runs: 15 detected exactly .*; 0 failed rows in 4 healthy runs\./m);
  // Rows and tables in the matrix's order: routed, its NetworkPolicy lab, vxlan; then the catalogue.
  const order = ['| routed | iptables', '| routed (NetworkPolicy kube-router) |', '| vxlan | nftables', 'NEW routed table', 'NEW netpol table', 'OLD vxlan table', 'old results'].map((s) =>
    netpol.indexOf(s),
  );
  expect(order.every((at) => at >= 0)).toBe(true);
  expect([...order].sort((a, b) => a - b)).toEqual(order);
  expect(mergeDetectionDoc(netpol, netpol)).toBe(netpol);
});
