import { describe, expect, test } from 'vitest';
import { diagnose } from '../../../helpers/diagnose/index.ts';
import { nodePort, podToPod, podToService, ports } from '../fixtures/results.ts';

describe('diagnosis: nodeport-firewall', () => {
  test("NodePort fails on one node only → that node's firewall for the NodePort range", () => {
    const results = [...podToPod(), ...podToService(), ...nodePort({ fault: (r) => (r.to.node === 'worker-2' ? 'FILTERED' : undefined) })];
    const { causes } = diagnose(results);
    expect(causes).toEqual([
      "NodePort 30000/tcp, 31383/tcp, 32767/tcp fails on worker-2 only while other nodes answer: worker-2's firewall drops the NodePort range — open TCP and UDP over the whole NodePort range (default 30000-32767) on worker-2",
    ]);
  });

  test('only the top of the range fails → says only part of the range is open', () => {
    const results = [...podToService(), ...nodePort({ fault: (r) => (r.to.node === 'cp-1' && r.port === 32767 ? 'FILTERED' : undefined) })];
    const { causes } = diagnose(results);
    expect(causes[0]).toContain('NodePort 32767/tcp fails on cp-1 only while 30000/tcp, 31383/tcp on cp-1 works: only part of the NodePort range is open on cp-1');
  });

  test("dropped (FILTERED) → that node's firewall for the NodePort range", () => {
    const results = [...podToPod(), ...podToService(), ...nodePort({ fault: (r) => (r.to.node === 'worker-2' ? 'FILTERED' : undefined) }), ...ports()];
    expect(diagnose(results).causes).toEqual([expect.stringContaining("worker-2's firewall drops the NodePort range")]);
  });

  test('refused, and no evidence either way from that node → both readings, ranked: its Service proxy first, a rejecting firewall second', () => {
    const results = [...podToPod(), ...podToService({ nodes: ['cp-1', 'worker-1'] }), ...nodePort({ fault: (r) => (r.to.node === 'worker-2' ? 'REFUSED' : undefined) }), ...ports()];
    const { causes } = diagnose(results);
    expect(causes).toHaveLength(1);
    expect(causes[0]).toMatch(
      /is refused on worker-2 .*Service proxy on worker-2 has not programmed these NodePorts.*\. Less likely, a firewall on worker-2 that rejects the NodePort range .*no Service check from worker-2's pods to tell the two apart/,
    );
  });

  test("refused while that node's pods reach this run's Services → a firewall that rejects, not the Service proxy (issue 22: the proxy must not be blamed against the evidence)", () => {
    const results = [...podToPod(), ...podToService(), ...nodePort({ fault: (r) => (r.to.node === 'worker-2' ? 'REFUSED' : undefined) }), ...ports()];
    const { causes } = diagnose(results);
    expect(causes).toHaveLength(1);
    expect(causes[0]).toMatch(/NodePort .* is refused on worker-2 .*kube-proxy on worker-2 serves this run's Services.*a firewall on worker-2 rejects the NodePort range/);
    expect(causes[0]).not.toMatch(/has not programmed/);
  });
});
