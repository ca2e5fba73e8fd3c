// BGP cut at one node (the lab's bgp-down): TCP 179 to and from it filtered, its pod routes
// withdrawn. The diagnosis must name BGP route distribution toward that node, not a generic
// route/overlay problem or "open TCP 179 on <node>'s firewall".
import { describe, expect, test } from 'vitest';
import { diagnose } from '../../../helpers/diagnose/index.ts';
import { detectCni } from '../../../helpers/ports/cni.ts';
import type { NetworkResult as CheckResult } from '../../../helpers/check/types.ts';
import { podToPod, ports } from '../fixtures/results.ts';

const W2 = 'worker-2';
const touchesW2 = (r: Pick<CheckResult, 'from' | 'to'>) => r.from.node !== r.to.node && (r.from.node === W2 || r.to.node === W2);
const bgp = detectCni({ hints: ['bgp'] });

describe('BGP route distribution', () => {
  test('179 filtered to and from one node + its cross-node pod traffic failing → BGP toward that node', () => {
    const results = [
      ...podToPod({ fault: (r) => (touchesW2(r) ? 'FILTERED' : undefined) }),
      ...ports({ portList: [179, 10250], fault: (r) => (r.port === 179 && touchesW2(r) ? 'FILTERED' : undefined) }),
    ];
    const { causes, results: diagnosed } = diagnose(results, { cni: bgp });
    expect(causes).toHaveLength(1);
    expect(causes[0]).toMatch(/^BGP route distribution toward worker-2 is broken: TCP 179 between worker-2 and .* fails \(4 checks, while BGP between the other nodes works\)/);
    expect(causes[0]).toMatch(/with bgp the peers withdraw worker-2's pod route/);
    for (const r of diagnosed.filter((x) => x.outcome === 'failed')) expect(r.diagnosis?.join(' '), r.name).toMatch(/BGP/);
  });

  test('without a BGP network (no TCP 179 in the CNI), the same failures stay a route/port problem', () => {
    const results = [...podToPod({ fault: (r) => (touchesW2(r) ? 'FILTERED' : undefined) }), ...ports({ portList: [179], fault: (r) => (touchesW2(r) ? 'FILTERED' : undefined) })];
    const { causes } = diagnose(results, { cni: detectCni({ hints: ['bridge'] }) });
    expect(causes.some((c) => /BGP route distribution/.test(c))).toBe(false);
  });

  test('179 filtered but pod traffic fine (sessions not yet expired, or routes elsewhere): not a BGP route cause', () => {
    const results = [...podToPod({}), ...ports({ portList: [179], fault: (r) => (r.to.node === W2 ? 'FILTERED' : undefined) })];
    const { causes } = diagnose(results, { cni: bgp });
    expect(causes.some((c) => /BGP route distribution/.test(c))).toBe(false);
    expect(causes).toContainEqual(expect.stringMatching(/TCP 179 on worker-2 is filtered/));
  });
});
