import { describe, expect, test } from 'vitest';
import type { NetworkResult as CheckResult } from '../../../helpers/check/types.ts';
import { diagnose } from '../../../helpers/diagnose/index.ts';
import { nodePort, podToPod, ports } from '../fixtures/results.ts';

const W2 = 'worker-2';
const touchesW2 = (r: Pick<CheckResult, 'from' | 'to'>) => r.from.node !== r.to.node && (r.from.node === W2 || r.to.node === W2);

describe('diagnosis: nodeport-over-pod-network', () => {
  test('NodePorts into that node are explained by the pod network, not by its firewall', () => {
    const nodePortRange = (r: CheckResult) => ({ ...r, properties: { why: 'NodePort Services (TCP)' } });
    const results = [
      ...podToPod({ fault: (r) => (touchesW2(r) ? 'FILTERED' : undefined) }),
      ...nodePort({ fault: (r) => (r.to.node === W2 ? 'FILTERED' : undefined) }),
      ...ports({ portList: [30000], fault: (r) => (r.to.node === W2 ? 'FILTERED' : undefined) }).map(nodePortRange),
      ...ports({ portList: [10250] }), // worker-2 itself is up: its kubelet answers
    ];
    // The cluster's range, as the nodeport suite read it: a ports row on 30000 is a NodePort row.
    const { causes, results: diagnosed } = diagnose(results, { nodePortRange: { low: 30000, high: 32767, source: 'cluster' } });
    expect(causes.some((c) => /firewall/.test(c))).toBe(false);
    expect(causes).toContainEqual(expect.stringMatching(/^NodePorts into worker-2 fail too \(\d+ checks\): a NodePort forwards to backend pods over the pod network, which is broken at worker-2/));
    const portsRow = diagnosed.find((r) => r.suite === 'ports' && r.outcome === 'failed')!;
    expect(portsRow.diagnosis).toEqual(['NodePort into worker-2: its traffic to the backend crosses the pod network broken at worker-2']);
  });

  test("with the pod network healthy, a NodePort failure is still the node's firewall", () => {
    const results = [...podToPod(), ...nodePort({ fault: (r) => (r.to.node === W2 ? 'FILTERED' : undefined) })];
    const { causes } = diagnose(results);
    expect(causes.some((c) => /NodePorts into worker-2 fail too/.test(c))).toBe(false);
    expect(causes[0]).toMatch(/worker-2/);
  });
});
