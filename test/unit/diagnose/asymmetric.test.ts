import { describe, expect, test } from 'vitest';
import { diagnose } from '../../../helpers/diagnose/index.ts';
import type { NetworkResult as CheckResult } from '../../../helpers/check/types.ts';
import { podMesh, podToPod, serviceMesh } from '../fixtures/results.ts';

describe('diagnosis: asymmetric', () => {
  test("worker-1 → worker-2 fails while worker-2 → worker-1 passes → one direction only, not the pair's route", () => {
    const fault = (r: CheckResult) => (r.from.node === 'worker-1' && r.to.node === 'worker-2' ? ('FILTERED' as const) : undefined);
    const { causes, findings, results } = diagnose([...podMesh({ fault }), ...serviceMesh()]);
    expect(findings.map((f) => f.rule)).toEqual(['asymmetric']);
    expect(causes[0]).toMatch(/^pod traffic from worker-1 to worker-2 fails \(\d+ checks\) while worker-2 → worker-1 passes: asymmetric, one direction only/);
    expect(causes[0]).toContain('stateful firewall');
    expect(results.filter((r) => r.outcome === 'failed').every((r) => r.diagnosis?.[0] === 'one direction only: worker-2 → worker-1 passes')).toBe(true);
  });

  test('every node → worker-2 fails, worker-2 → every node passes (pod-to-pod only) → one cause naming worker-2 and both sources', () => {
    const fault = (r: CheckResult) => (r.to.node === 'worker-2' && r.from.node !== 'worker-2' ? ('FILTERED' as const) : undefined);
    const { causes } = diagnose(podToPod({ fault }));
    expect(causes).toEqual([expect.stringMatching(/^pod traffic from cp-1, worker-1 to worker-2 fails \(8 checks\) while worker-2 → cp-1, worker-1 passes/)]);
  });

  test('both directions fail → not asymmetric: the pair is named by the pod network rule', () => {
    const fault = (r: CheckResult) => ((r.from.node === 'worker-1' && r.to.node === 'worker-2') || (r.from.node === 'worker-2' && r.to.node === 'worker-1') ? ('FILTERED' as const) : undefined);
    const { findings } = diagnose(podMesh({ fault }));
    expect(findings.map((f) => f.rule)).toEqual(['pod-network']);
  });

  test("reverse direction could not be driven (control errors, the lab's no-forwarding) → not asymmetric", () => {
    // worker-2 does not forward: nothing reaches its pods, and the runner cannot drive them;
    // its host-network probe still reaches the other pods.
    const fault = (r: CheckResult) =>
      r.to.node === 'worker-2' && r.from.node !== 'worker-2' ? ('FILTERED' as const) : r.from.node === 'worker-2' && r.from.kind === 'pod' ? ('CONTROL_ERROR' as const) : undefined;
    const { findings, causes } = diagnose(podMesh({ fault }));
    expect(findings.map((f) => f.rule)).toEqual(['pod-network', 'control-path']);
    expect(causes[0]).toMatch(/^cross-node pod traffic to worker-2/);
  });
});
