// The VXLAN port judged from the overlay's own traffic, on two real vxlan runs (vxlan lab,
// kube-proxy nftables, 2026-12-07, commit 6101b1c): a firewall that drops UDP 8472 into one node
// from every other node is named as that node's firewall; a stale VXLAN forwarding entry, which
// breaks the overlay between one pair of nodes both ways, must not be named as a firewall alone —
// the overlay's traffic cannot tell the two apart (it was, before: "open UDP 8472 on lab-worker-2's
// firewall", a confident wrong cause).
// On block-vxlan the firewall is the cause of lab-worker-2's broken pod network, so it is named
// first and the pod-network line defers to it (issue 22: before, the pod-network line came first
// with its own route/overlay advice, and the run scored 'extra'); where the port's rows do not
// show that firewall from every peer, the pod-network line keeps its own wording.
import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import { diagnose } from '../../../helpers/diagnose/index.ts';
import { FAULT_CASES } from '../../detection/cases.ts';
import { DEFERS, scoreDiagnosis } from '../../detection/compare.ts';
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

test(`block-port ${W2} 8472/udp: UDP 8472 on ${W2} is filtered from every other node — its firewall, named first; the pod-network line defers to it`, () => {
  const { causes } = diagnose(load('block-vxlan').results, ctx);
  expect(causes.filter((c) => /^UDP 8472/.test(c))).toEqual([expect.stringMatching(new RegExp(`^UDP 8472 on ${W2} is filtered from lab-control-plane, ${W1} .*: open UDP 8472 on ${W2}'s firewall`))]);
  expect(causes[0]).toMatch(new RegExp(`^UDP 8472 on ${W2} is filtered from lab-control-plane, ${W1} .*: open UDP 8472 on ${W2}'s firewall`));
  expect(causes[1]).toMatch(
    new RegExp(
      `^cross-node pod traffic to and from ${W2} \\(peers: lab-control-plane, ${W1}\\) fails \\(80 checks\\) while same-node traffic on ${W2} works: ` +
        `it crosses the overlay, whose port UDP 8472 is filtered into ${W2} from lab-control-plane, ${W1} — the overlay-port-firewall cause explains it$`,
    ),
  );
  // Every other line defers (to the pod-network line, which defers to the firewall): named exactly.
  expect(causes.filter((c) => !DEFERS.test(c))).toEqual([causes[0]]);
  expect(
    scoreDiagnosis(
      FAULT_CASES.find((c) => c.id === 'block-vxlan')!,
      causes,
    ),
  ).toBe('exact');
});

/** block-vxlan with the UDP 8472 rows into lab-worker-2 rewritten (or dropped, `undefined`). */
function blockVxlanWith(into: (from: string) => 'passed' | 'dropped' | undefined) {
  return load('block-vxlan').results.flatMap((r) => {
    if (r.kind !== 'network' || r.suite !== 'ports' || r.port !== 8472 || r.to.node !== W2) return [r];
    const to = into(r.from.node);
    return to === 'dropped' ? [] : to === 'passed' ? [{ ...r, outcome: 'passed' as const, observed: 'REACHABLE' as const }] : [r];
  });
}
const OWN_WORDING = new RegExp(`^cross-node pod traffic to and from ${W2} \\(peers: lab-control-plane, ${W1}\\) fails \\(80 checks\\) .*: ${W2}'s pod route or overlay — check the routes`);

test.each([
  ['pass (the firewall is not there: a route cut, no forwarding)', () => 'passed' as const],
  ['are not in the run', () => 'dropped' as const],
])(`block-vxlan with the UDP 8472 rows into ${W2} that %s: the pod-network line keeps its own wording, first`, (_what, into) => {
  const { causes, findings } = diagnose(blockVxlanWith(into), ctx);
  expect(causes[0]).toMatch(OWN_WORDING);
  expect(causes.join('\n')).not.toMatch(/overlay-port-firewall|open UDP 8472/);
  expect(findings.map((f) => f.rule)).not.toContain('overlay-port-firewall');
});

test(`block-vxlan with UDP 8472 filtered into ${W2} from ${W1} only: the firewall cannot explain the failures with lab-control-plane — the pod-network line keeps its own wording, first`, () => {
  const { causes, findings } = diagnose(
    blockVxlanWith((from) => (from === 'lab-control-plane' ? 'passed' : undefined)),
    ctx,
  );
  expect(causes[0]).toMatch(OWN_WORDING);
  expect(causes.join('\n')).not.toMatch(/overlay-port-firewall cause/);
  expect(findings.map((f) => f.rule)).not.toContain('overlay-port-firewall');
  // The port is still named, where port-firewall names it, from the one peer it is filtered from.
  expect(causes.filter((c) => /^UDP 8472/.test(c))).toEqual([expect.stringMatching(new RegExp(`^UDP 8472 on ${W2} is filtered from ${W1} .*: open UDP 8472 on ${W2}'s firewall`))]);
});
