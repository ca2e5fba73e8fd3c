// Diagnoses seen on the lab's vxlan faults that named the wrong cause before:
// block-vxlan gave "MTU mismatch" (a Service row whose small request hit a healthy backend and
// full one hit the cut-off node) and "open TCP 30000 on worker-2's firewall" (NodePorts into a
// node whose pod network is down).
import { describe, expect, test } from 'vitest';
import { diagnose } from '../../helpers/diagnose.ts';
import type { NetworkResult as CheckResult } from '../../helpers/check/types.ts';
import { nodePort, podToPod, podToService, ports } from './fixtures/results.ts';

const W2 = 'worker-2';
const touchesW2 = (r: Pick<CheckResult, 'from' | 'to'>) => r.from.node !== r.to.node && (r.from.node === W2 || r.to.node === W2);

describe('collateral of a pod network broken at one node', () => {
  test('a Service row failing only with the full payload is not called MTU when no fixed path shows it', () => {
    const results = [
      ...podToPod({ fault: (r) => (touchesW2(r) ? 'FILTERED' : undefined) }),
      // From the control plane the small request happened to hit a healthy backend, the full one worker-2's.
      ...podToService({ fault: (r) => (r.from.node === 'control-plane' && r.payload === 'full' ? 'FILTERED' : undefined) }),
    ];
    const { causes } = diagnose(results);
    expect(causes.some((c) => /MTU/.test(c))).toBe(false);
    expect(causes[0]).toMatch(/cross-node pod traffic to and from worker-2/);
  });

  test('NodePorts into that node are explained by the pod network, not by its firewall', () => {
    const nodePortRange = (r: CheckResult) => ({ ...r, properties: { why: 'NodePort Services (TCP)' } });
    const results = [
      ...podToPod({ fault: (r) => (touchesW2(r) ? 'FILTERED' : undefined) }),
      ...nodePort({ fault: (r) => (r.to.node === W2 ? 'FILTERED' : undefined) }),
      ...ports({ portList: [30000], fault: (r) => (r.to.node === W2 ? 'FILTERED' : undefined) }).map(nodePortRange),
      ...ports({ portList: [10250] }), // worker-2 itself is up: its kubelet answers
    ];
    const { causes, results: diagnosed } = diagnose(results);
    expect(causes.some((c) => /firewall/.test(c))).toBe(false);
    expect(causes).toContainEqual(expect.stringMatching(/^NodePorts into worker-2 fail too \(\d+ checks\): a NodePort forwards to backend pods over the pod network, which is broken at worker-2/));
    const portsRow = diagnosed.find((r) => r.suite === 'ports' && r.outcome === 'failed')!;
    expect(portsRow.diagnosis).toEqual(['NodePort into worker-2: its traffic to the backend crosses the pod network broken at worker-2']);
  });

  test('with the pod network healthy, a NodePort failure is still the node\'s firewall', () => {
    const results = [...podToPod(), ...nodePort({ fault: (r) => (r.to.node === W2 ? 'FILTERED' : undefined) })];
    const { causes } = diagnose(results);
    expect(causes.some((c) => /NodePorts into worker-2 fail too/.test(c))).toBe(false);
    expect(causes[0]).toMatch(/worker-2/);
  });
});
