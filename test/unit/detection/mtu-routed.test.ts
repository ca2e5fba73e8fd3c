// The mtu fault on the routed network: lab-worker-2's pods learn the smaller path MTU from the ICMP
// "fragmentation needed" their node sends for their own large packets, so full-size TCP into and out
// of them passes on a later try, while full-size UDP stays dropped. Judged on a captured lab run
// (test/unit/fixtures/real/mtu-routed.json: npm run detect on routed + nftables, 2026-12-07), whose
// full-size TCP rows all passed on their second try.
import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import { isNetwork, type CheckResult } from '../../../helpers/check/types.ts';
import { FAULT_CASES } from '../../detection/cases.ts';
import { judgeDetection } from '../../detection/compare.ts';

const fixture = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '..', 'fixtures', 'real', 'mtu-routed.json'), 'utf8')) as { diagnosis: string[]; results: CheckResult[] };
const byId = (id: string) => FAULT_CASES.find((c) => c.id === id)!;

test('routed: full-size UDP into and out of lab-worker-2 must fail, full-size TCP may pass; the run is detected exactly', () => {
  const tcpCross = fixture.results
    .filter(isNetwork)
    .filter((r) => r.payload === 'full' && r.protocol === 'tcp' && r.from.node !== r.to.node && (r.from.node === 'lab-worker-2' || r.to.node === 'lab-worker-2'));
  expect(tcpCross.filter((r) => r.from.kind === 'pod').every((r) => r.outcome === 'passed')).toBe(true);
  const verdict = judgeDetection(byId('mtu-routed'), fixture);
  expect(verdict.missed).toEqual([]);
  expect(verdict.falseFailures).toEqual([]);
  expect(verdict.uncovered).toEqual([]);
  expect(verdict.missingDiagnosis).toEqual([]);
  expect(verdict.ok).toBe(true);
  expect(byId('mtu-routed').networks).toEqual(['routed']);
});

test("the overlay networks' case still requires full-size TCP to fail: judged on this routed run it misses those rows", () => {
  const verdict = judgeDetection(byId('mtu'), fixture);
  expect(verdict.ok).toBe(false);
  expect(verdict.missed.length).toBeGreaterThan(0);
  expect(verdict.missed.every((m) => / 8082\/tcp 20KiB/.test(m.row))).toBe(true);
  expect(byId('mtu').networks).toEqual(['vxlan', 'flannel-vxlan']);
});
