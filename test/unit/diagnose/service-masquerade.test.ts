// service-masquerade: a node no longer SNATs what kube-proxy marks for masquerade.
import { describe, expect, test } from 'vitest';
import { diagnose } from '../../../helpers/diagnose/index.ts';
import { clusterRun, nodeOf } from '../fixtures/cluster.ts';

const W2 = 'worker-2';

describe('diagnosis: service-masquerade', () => {
  test("NodePort tries into worker-2 answer only from worker-2's backends and its hairpins fail; its pods' Services work → worker-2 does not masquerade", () => {
    const run = clusterRun({
      row: (r) => (r.suite === 'hairpin' && r.from.node === W2 ? 'FILTERED' : undefined),
      serviceTry: (r, b) => !(r.suite === 'nodeport' && r.to.node === W2 && nodeOf(b) !== W2) && !(r.suite === 'pod-to-service' && r.from.node === W2 && b === r.from.pod),
    });
    const { causes, findings } = diagnose(run);
    expect(findings[0]!.rule).toBe('service-masquerade');
    expect(causes[0]).toMatch(/NodePorts into worker-2 fail \(1 check\), answered only by backends on worker-2 itself, .*worker-2 does not masquerade \(SNAT\)/);
    expect(causes.join('\n')).not.toMatch(/hairpin is off/);
  });

  test('must NOT fire on hairpin failures alone (NodePorts into that node answer from every node): that is hairpin', () => {
    const run = clusterRun({
      row: (r) => (r.suite === 'hairpin' && r.from.node === W2 ? 'FILTERED' : undefined),
      serviceTry: (r, b) => !(r.suite === 'pod-to-service' && r.from.node === W2 && b === r.from.pod),
    });
    const { findings } = diagnose(run);
    expect(findings.map((f) => f.rule)).not.toContain('service-masquerade');
    expect(findings[0]!.rule).toBe('hairpin');
  });
});
