// node-firewall: a node's own addresses refuse new connections from pods and hosts alike.
import { describe, expect, test } from 'vitest';
import { diagnose } from '../../../helpers/diagnose/index.ts';
import { clusterRun } from '../fixtures/cluster.ts';

const W2 = 'worker-2';

describe('diagnosis: node-firewall', () => {
  test("every new connection to worker-2's own addresses fails from pods and other hosts but 10250, its pods answer → its INPUT firewall", () => {
    const run = clusterRun({ row: (r) => (r.to.node === W2 && r.to.kind === 'host' && r.port !== 10250 && !(r.from.kind === 'host' && r.from.node === W2) ? 'FILTERED' : undefined) });
    const { causes, findings } = diagnose(run);
    expect(findings.map((f) => f.rule)).toEqual(['node-firewall']);
    expect(causes[0]).toMatch(
      /^worker-2 rejects or drops new connections to its own addresses from pods and other nodes alike \(\d+ checks: TCP 9080, TCP 10256, UDP 9081\) while TCP 10250 on worker-2 still answer/,
    );
  });

  test('must NOT fire when only pods are refused (other hosts pass): that filters the pod range', () => {
    const run = clusterRun({ row: (r) => (r.to.node === W2 && r.to.kind === 'host' && r.from.kind === 'pod' && r.port !== 10250 ? 'FILTERED' : undefined) });
    expect(diagnose(run).findings.map((f) => f.rule)).not.toContain('node-firewall');
  });

  test("must NOT fire when worker-2's pods fail too (the node is down or cut off, not its INPUT)", () => {
    const run = clusterRun({ row: (r) => (r.to.node === W2 && r.from.node !== W2 ? 'FILTERED' : undefined) });
    expect(diagnose(run).findings.map((f) => f.rule)).not.toContain('node-firewall');
  });
});
