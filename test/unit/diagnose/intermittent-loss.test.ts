// The intermittent-loss rule on rows shaped as a 20 % loss run between worker-1 and worker-2
// produces them: UDP rows between the pair lose some of their samples (others answer), a
// full-size row there loses its one sample; a cut route loses every sample of every row.
import { describe, expect, test } from 'vitest';
import type { NetworkResult } from '../../../helpers/check/types.ts';
import { diagnose, viewOf } from '../../../helpers/diagnose/index.ts';
import { intermittentLoss as intermittentLossRule, partialLoss } from '../../../helpers/diagnose/intermittent-loss.ts';
import { nodePort, podToPod, podToService } from '../fixtures/results.ts';

const pair = (r: NetworkResult) => [r.from.node, r.to.node].sort().join() === 'worker-1,worker-2';

function withSamples(rows: NetworkResult[], lossOf: (r: NetworkResult) => { sent: number; lost: number } | undefined): NetworkResult[] {
  return rows.map((r) => {
    const s = lossOf(r) ?? { sent: 3, lost: 0 };
    const samples = { ...s, lossPct: Math.round((s.lost / s.sent) * 1000) / 10, p50Ms: 9, p99Ms: 12 };
    if (s.lost === 0) return { ...r, samples };
    return { ...r, samples, outcome: 'failed', observed: 'FILTERED', detail: `lost ${s.lost} of ${s.sent}` };
  });
}

describe('diagnosis: intermittent loss is not a broken path', () => {
  test('partial loss on UDP rows between two workers names the pair and the measured loss, before MTU and pod-network', () => {
    const rows = withSamples(podToPod(), (r) => (!pair(r) ? undefined : r.payload === 'full' && r.protocol === 'udp' ? { sent: 1, lost: 1 } : r.protocol === 'udp' ? { sent: 6, lost: 2 } : undefined));
    const { causes, results } = diagnose(rows);
    expect(causes).toHaveLength(1);
    expect(causes[0]).toMatch(/^intermittent loss between worker-1 and worker-2: \d+(\.\d)? % \(lost \d+ of \d+ samples over \d+ checks between them/);
    expect(causes.some((c) => /MTU|pod route|no known pattern/.test(c))).toBe(false);
    for (const r of results.filter((x) => x.outcome === 'failed')) expect(r.diagnosis?.[0]).toMatch(/intermittent loss between worker-1 and worker-2/);
  });

  test('NodePorts forwarding across the pair and Service rows from its nodes are its collateral, not a pod-network or unknown cause', () => {
    const lossyPods = withSamples(podToPod(), (r) => (pair(r) && r.protocol === 'udp' ? { sent: 6, lost: 2 } : undefined));
    const np = nodePort({ fault: (r) => (r.to.node === 'worker-2' ? 'FILTERED' : undefined) }).map((r) => ({ ...r, properties: { ...r.properties, 'backend.node': 'worker-1' } }));
    const svc = podToService({ fault: (r) => (r.from.node === 'worker-1' && r.protocol === 'udp' ? 'FILTERED' : undefined) });
    const { causes } = diagnose([...lossyPods, ...np, ...svc]);
    expect(causes).toHaveLength(1);
    expect(causes[0]).toMatch(/^intermittent loss between worker-1 and worker-2: .*NodePort\/Service checks? whose traffic crosses the pair/);
  });

  test('a broken path (every sample of its rows lost) is not called lossy', () => {
    const rows = withSamples(podToPod(), (r) => (pair(r) ? { sent: 3, lost: 3 } : undefined));
    expect(rows.some(partialLoss)).toBe(false);
    expect(intermittentLossRule.find(viewOf({ all: rows }))).toEqual([]);
    expect(diagnose(rows).causes.some((c) => /intermittent loss/.test(c))).toBe(false);
  });

  test('loss that was absorbed (the row passed) explains nothing and says nothing', () => {
    const rows = podToPod().map((r) => (pair(r) ? { ...r, samples: { sent: 6, lost: 1, lossPct: 16.7 } } : r));
    expect(diagnose(rows).causes).toEqual([]);
  });
});
