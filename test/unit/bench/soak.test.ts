import { describe, expect, test } from 'vitest';
import { renderSoak, summarizeSoak, type SoakRun } from '../../../bench/soak.ts';

const run = (index: number, wallMs: number, patch: Partial<SoakRun> = {}): SoakRun => ({ index, exitCode: 0, wallMs, rows: 266, badRows: [], leaked: [], ...patch });

describe('soak summary', () => {
  test('false failures, leaks and wall-time drift over N runs', () => {
    const runs = [run(1, 20_000), run(2, 20_000), run(3, 21_000, { exitCode: 1, badRows: ['pod-to-pod a', 'pod-to-pod b'] }), run(4, 22_000, { leaked: ['Namespace netconform-x'] })];
    const s = summarizeSoak(runs);
    expect(s).toMatchObject({ runs: 4, failedRuns: 1, falseFailures: 2, leaked: 1, firstMedianMs: 20_000, lastMedianMs: 22_000, driftPct: 10, slopeMsPerRun: 700 });
    expect(renderSoak(s)).toContain('false failures: 2 rows in 1 runs');
  });

  test('a steady healthy soak has no drift', () => {
    expect(summarizeSoak([1, 2, 3, 4, 5, 6, 7, 8].map((i) => run(i, 19_000)))).toMatchObject({ falseFailures: 0, leaked: 0, driftPct: 0, slopeMsPerRun: 0 });
  });
});
