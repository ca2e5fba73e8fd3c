// bridge-netfilter: a node's pods get Service answers only from other nodes' backends.
import { describe, expect, test } from 'vitest';
import { diagnose } from '../../../helpers/diagnose/index.ts';
import { clusterRun, nodeOf } from '../fixtures/cluster.ts';

const W2 = 'worker-2';

describe('diagnosis: bridge-netfilter', () => {
  test("tries from worker-2's pods that pick a backend on worker-2 are lost; everything else answers → bridge-nf-call-iptables on worker-2", () => {
    const run = clusterRun({
      serviceTry: (r, backend) => !(r.from.node === W2 && r.from.kind === 'pod' && nodeOf(backend) === W2),
      row: (r) => (r.suite === 'hairpin' && r.from.node === W2 ? 'FILTERED' : undefined),
    });
    const { causes, findings } = diagnose(run);
    expect(findings.map((f) => f.rule)).toEqual(['bridge-netfilter']);
    expect(causes[0]).toMatch(/Service tries from pods on worker-2 are answered only by backends on other nodes .*bridge-nf-call-iptables=1 .*on worker-2/);
    expect(causes.join('\n')).not.toMatch(/hairpin is off|kube-proxy/);
  });

  test("must NOT fire when a backend on the caller's node answered it (that is hairpin: only the pod itself is lost)", () => {
    const run = clusterRun({
      serviceTry: (r, backend) => !(r.from.node === W2 && r.from.kind === 'pod' && backend === r.from.pod),
      row: (r) => (r.suite === 'hairpin' && r.from.node === W2 ? 'FILTERED' : undefined),
    });
    const { findings } = diagnose(run);
    expect(findings.map((f) => f.rule)).not.toContain('bridge-netfilter');
    expect(findings[0]!.rule).toBe('hairpin');
  });

  test("must NOT fire when the backends on that node answer nobody (they are down, not the caller's bridge)", () => {
    const run = clusterRun({ serviceTry: (_r, backend) => nodeOf(backend) !== W2 });
    expect(diagnose(run).findings.map((f) => f.rule)).not.toContain('bridge-netfilter');
  });
});
