// The VXLAN port judged from the overlay's own traffic, on two real vxlan runs (vxlan lab,
// kube-proxy nftables, 2026-12-07, commit 6101b1c): a firewall that drops UDP 8472 into one node
// from every other node is named as that node's firewall; a stale VXLAN forwarding entry, which
// breaks the overlay between one pair of nodes both ways, must not be named as a firewall alone —
// the overlay's traffic cannot tell the two apart (it was, before: "open UDP 8472 on lab-worker-2's
// firewall", a confident wrong cause).
import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import { diagnose } from '../../../helpers/diagnose/index.ts';
import type { FaultFixture } from '../../tools/capture-fault-fixtures.ts';

const dir = path.resolve(import.meta.dirname, '..', 'fixtures', 'real');
const load = (id: string): FaultFixture => JSON.parse(fs.readFileSync(path.join(dir, `${id}.json`), 'utf8')) as FaultFixture;
const ctx = { nodePortRange: { low: 30000, high: 32767, source: 'cluster' as const } };
const W1 = 'lab-worker-1';
const W2 = 'lab-worker-2';

test(`stale-vxlan-fdb ${W1} ${W2}: the overlay between the two first, UDP 8472 as a firewall or the overlay's forwarding between them — never a firewall alone`, () => {
  const { causes, results } = diagnose(load('stale-vxlan-fdb').results, ctx);
  expect(causes[0]).toMatch(new RegExp(`^cross-node pod traffic between ${W1} and ${W2} fails .*the pod route or overlay between ${W1} and ${W2}`));
  expect(causes.filter((c) => /UDP 8472/.test(c) && !/^cross-node/.test(c))).toEqual([
    expect.stringMatching(
      new RegExp(`^UDP 8472 between ${W1} and ${W2} gets nothing through, both ways, while each reaches the other nodes; .*a firewall between the two or the overlay's forwarding between them`),
    ),
  ]);
  expect(causes.join('\n')).not.toMatch(/open UDP 8472 on \S+ firewall/);
  expect(results.filter((r) => r.outcome === 'failed' && !r.diagnosis?.length).map((r) => r.name)).toEqual([]);
});

test(`block-port ${W2} 8472/udp: UDP 8472 on ${W2} is filtered from every other node — its firewall, as before`, () => {
  const { causes } = diagnose(load('block-vxlan').results, ctx);
  expect(causes.filter((c) => /^UDP 8472/.test(c))).toEqual([expect.stringMatching(new RegExp(`^UDP 8472 on ${W2} is filtered from lab-control-plane, ${W1} .*: open UDP 8472 on ${W2}'s firewall`))]);
});
