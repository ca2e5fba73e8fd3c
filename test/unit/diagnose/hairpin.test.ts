// hairpin: a pod cannot reach itself through its own Service; only where the evidence agrees.
import { describe, expect, test } from 'vitest';
import { diagnose } from '../../../helpers/diagnose/index.ts';
import { clusterRun, nodeOf } from '../fixtures/cluster.ts';

const W2 = 'worker-2';
const hairpinFails = (r: { suite: string; from: { node: string } }) => (r.suite === 'hairpin' && r.from.node === W2 ? ('FILTERED' as const) : undefined);

describe('diagnosis: hairpin', () => {
  test("pods on worker-2 cannot reach themselves; their tries to worker-2's other pods answer → hairpin off on worker-2", () => {
    const run = clusterRun({ row: hairpinFails, serviceTry: (r, b) => !(r.from.node === W2 && b === r.from.pod) });
    const { causes, findings } = diagnose(run);
    expect(findings[0]!.rule).toBe('hairpin');
    expect(causes[0]).toMatch(/pods on worker-2 cannot reach themselves through their own Service .*hairpin is off on worker-2's pod bridge ports/);
    expect(causes).toHaveLength(1);
  });

  test("must NOT fire where this run's Services do not work from that node at all, even though the kubernetes Service and DNS still do (issue 22: kube-proxy hung)", () => {
    const run = clusterRun({
      row: (r) => (r.from.node === 'worker-1' && r.suite === 'hairpin' ? 'FILTERED' : undefined),
      serviceTry: (r) => r.from.node !== 'worker-1',
    }).map((r) => (r.suite === 'dns' && r.from.node === 'worker-1' ? { ...r, outcome: 'failed' as const, observed: 'FILTERED' as const } : r));
    const { findings } = diagnose(run);
    expect(findings.map((f) => f.rule)).not.toContain('hairpin');
    expect(findings[0]!.rule).toBe('service-proxy');
  });

  test("must NOT fire where no backend on the caller's node ever answered it (the whole same-node Service path, not hairpin)", () => {
    const run = clusterRun({ row: hairpinFails, serviceTry: (r, b) => !(r.from.node === W2 && r.from.kind === 'pod' && nodeOf(b) === W2) });
    expect(diagnose(run).findings.map((f) => f.rule)).not.toContain('hairpin');
  });
});
