import { describe, expect, test } from 'vitest';
import { diagnose } from '../../../helpers/diagnose/index.ts';
import type { NetworkResult as CheckResult } from '../../../helpers/check/types.ts';
import { podMesh, serviceMesh } from '../fixtures/results.ts';

describe('diagnosis: host-to-pods-firewall', () => {
  test("other nodes' host networks cannot reach worker-2's pods while their pods can → worker-2 filters node addresses into its pods", () => {
    const fault = (r: CheckResult) => (r.from.kind === 'host' && r.from.node !== 'worker-2' && r.to.node === 'worker-2' ? ('FILTERED' as const) : undefined);
    const { causes, findings, results } = diagnose([...podMesh({ fault }), ...serviceMesh()]);
    expect(findings.map((f) => f.rule)).toEqual(['host-to-pods-firewall']);
    expect(causes[0]).toMatch(
      /^the host networks of cp-1, worker-1 cannot open connections to worker-2's pods \(\d+ checks\) while pods on cp-1, worker-1 reach them: worker-2 drops new connections from node addresses into its pods/,
    );
    expect(results.filter((r) => r.outcome === 'failed').every((r) => r.diagnosis?.[0]?.startsWith("node addresses into worker-2's pods are dropped"))).toBe(true);
  });

  test('must not fire when the pods on the same source nodes cannot reach them either (the path, not the source address)', () => {
    const fault = (r: CheckResult) => (r.from.node !== 'worker-2' && r.to.node === 'worker-2' ? ('FILTERED' as const) : undefined);
    const { findings } = diagnose(podMesh({ fault }));
    expect(findings.map((f) => f.rule)).not.toContain('host-to-pods-firewall');
  });

  test("must not fire when only some of a source node's host rows into the node's pods fail (not a filter on the source address)", () => {
    const fault = (r: CheckResult) => (r.from.kind === 'host' && r.from.node === 'worker-1' && r.to.node === 'worker-2' && r.protocol === 'udp' ? ('FILTERED' as const) : undefined);
    const { findings } = diagnose(podMesh({ fault }));
    expect(findings.map((f) => f.rule)).not.toContain('host-to-pods-firewall');
  });
});
