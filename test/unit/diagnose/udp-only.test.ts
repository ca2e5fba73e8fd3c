import { describe, expect, test } from 'vitest';
import { diagnose } from '../../../helpers/diagnose/index.ts';
import type { NetworkResult as CheckResult } from '../../../helpers/check/types.ts';
import { podMesh, podToPod, serviceMesh } from '../fixtures/results.ts';

const between = (a: string, b: string) => (r: CheckResult) => (r.from.node === a && r.to.node === b) || (r.from.node === b && r.to.node === a);

describe('diagnosis: udp-only', () => {
  test('UDP fails between two nodes while TCP passes on the same pairs → says UDP, not the pod route', () => {
    const fault = (r: CheckResult) => (r.protocol === 'udp' && between('worker-1', 'worker-2')(r) ? ('FILTERED' as const) : undefined);
    const { causes, findings, results } = diagnose([...podMesh({ fault }), ...serviceMesh()]);
    expect(findings.map((f) => f.rule)).toEqual(['udp-only']);
    expect(causes[0]).toMatch(/^UDP fails while TCP passes on the same pairs \(\d+ checks: worker-1 → worker-2, worker-2 → worker-1\): something drops UDP only between worker-1, worker-2/);
    expect(causes[0]).not.toMatch(/pod route|overlay/);
    expect(results.filter((r) => r.outcome === 'failed').every((r) => r.protocol === 'udp' && r.diagnosis?.[0]?.startsWith('UDP only'))).toBe(true);
  });

  test('UDP into one node fails from everywhere → names that node', () => {
    const fault = (r: CheckResult) => (r.protocol === 'udp' && r.to.node === 'worker-2' && r.from.node !== 'worker-2' ? ('FILTERED' as const) : undefined);
    const { causes } = diagnose(podMesh({ fault }));
    expect(causes).toEqual([expect.stringContaining('something drops UDP only on the paths to and from worker-2')]);
    expect(causes[0]).toContain('on worker-2');
  });

  test('Service UDP requests from those pods are the same cause when TCP to the Service passes', () => {
    const fault = (r: CheckResult) => (r.protocol === 'udp' && r.from.node === 'worker-1' && r.from.kind === 'pod' && r.to.node !== 'worker-1' ? ('FILTERED' as const) : undefined);
    const { findings, results } = diagnose([
      ...podMesh({ fault }),
      ...serviceMesh({ fault: (r) => (r.protocol === 'udp' && r.from.node === 'worker-1' && r.from.kind === 'pod' ? 'FILTERED' : undefined) }),
    ]);
    expect(findings.map((f) => f.rule)).toEqual(['udp-only']);
    const service = results.find((r) => r.suite === 'pod-to-service' && r.outcome === 'failed')!;
    expect(service.diagnosis).toEqual(['UDP only: TCP to the same Service passes from here']);
  });

  test('TCP fails too → not UDP (the pod network rule speaks)', () => {
    const fault = (r: CheckResult) => (between('worker-1', 'worker-2')(r) ? ('FILTERED' as const) : undefined);
    const { findings, causes } = diagnose(podToPod({ fault }));
    expect(findings.map((f) => f.rule)).toEqual(['pod-network']);
    expect(causes[0]).toMatch(/^cross-node pod traffic between worker-1 and worker-2/);
  });

  test('only full-size UDP fails (TCP adapts its segment size) → MTU, not UDP', () => {
    const fault = (r: CheckResult) => (r.protocol === 'udp' && r.payload === 'full' && r.to.node === 'worker-2' && r.from.node !== 'worker-2' ? ('FILTERED' as const) : undefined);
    const { findings } = diagnose(podMesh({ fault }));
    expect(findings.map((f) => f.rule)).toEqual(['mtu']);
  });
});
