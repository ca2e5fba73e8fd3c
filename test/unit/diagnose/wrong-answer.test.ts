import { describe, expect, test } from 'vitest';
import { diagnose } from '../../../helpers/diagnose/index.ts';
import { podToPod } from '../fixtures/results.ts';

describe('diagnosis: wrong-answer', () => {
  test('a pod IP answers from another pod → overlapping pod CIDRs or a stale route, before any route cause', () => {
    const results = podToPod({ fault: (r) => (r.to.node === 'worker-2' && r.from.node !== 'worker-2' ? 'WRONG_ANSWER' : undefined) });
    const { causes, findings, results: diagnosed } = diagnose(results);
    expect(findings.map((f) => f.rule)).toEqual(['wrong-answer']);
    expect(causes[0]).toMatch(/^pod IPs on worker-2 answer from the wrong pod \(8 checks\): two nodes hand out the same pod IPs/);
    expect(diagnosed.filter((r) => r.outcome === 'failed').every((r) => r.diagnosis?.[0]?.includes('overlapping pod CIDRs'))).toBe(true);
  });
});
