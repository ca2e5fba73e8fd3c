import { describe, expect, test } from 'vitest';
import type { NetworkResult } from '../../../helpers/check/types.ts';
import { diagnose } from '../../../helpers/diagnose/index.ts';
import { podToPod, podToService } from '../fixtures/results.ts';
import { dnsRows } from '../paths/fixtures.ts';

describe('diagnosis: dns-unreachable-from-node', () => {
  test("lookups fail from a node whose cross-node pod traffic fails → the pod-network cause, not the node's DNS path", () => {
    const touchingW2 = (r: NetworkResult) => (r.from.node !== r.to.node && (r.from.node === 'worker-2' || r.to.node === 'worker-2') ? ('FILTERED' as const) : undefined);
    const rows = dnsRows((r) => (r.from.node === 'worker-2' ? { observed: 'FILTERED', result: 'TIMEOUT' } : undefined));
    const { causes } = diagnose([...podToPod({ fault: touchingW2 }), ...podToService(), ...rows]);
    expect(causes[0]).toMatch(/^cross-node pod traffic to and from worker-2/);
    expect(causes).toContainEqual(expect.stringMatching(/^name lookups from worker-2 fail where worker-2's cross-node pod traffic fails too \(5 checks\): the DNS pods may sit across that break/));
    expect(causes.join('\n')).not.toMatch(/cannot reach the cluster DNS Service/);
  });
});
