import { describe, expect, test } from 'vitest';
import { diagnose } from '../../../helpers/diagnose/index.ts';
import { nodePort, row } from '../fixtures/results.ts';

describe('diagnosis: nodeport-local', () => {
  test('externalTrafficPolicy: Local answered without an endpoint, or source IP rewritten → named as such', () => {
    const local = { externalTrafficPolicy: 'Local' };
    const results = [
      ...nodePort(),
      row({
        suite: 'nodeport',
        from: { node: '', ip: '192.168.1.50', kind: 'runner' },
        to: { node: 'cp-1', ip: '10.0.0.10', kind: 'nodeport' },
        expect: 'CLOSED',
        observed: 'REACHABLE',
        outcome: 'failed',
        properties: local,
      }),
      row({
        suite: 'nodeport',
        from: { node: '', ip: '192.168.1.50', kind: 'runner' },
        to: { node: 'worker-1', ip: '10.0.0.11', kind: 'nodeport' },
        observed: 'WRONG_ANSWER',
        outcome: 'failed',
        detail: 'client IP seen 10.0.0.11, runner is 192.168.1.50',
        properties: local,
      }),
    ];
    const { causes } = diagnose(results);
    expect(causes).toEqual([
      "cp-1 answered a NodePort with externalTrafficPolicy: Local although no endpoint runs there: the Service proxy on cp-1 ignores Local (check kube-proxy's version and mode there)",
      "NodePorts with externalTrafficPolicy: Local on worker-1 did not see the runner's own address (192.168.1.50): the source is rewritten on the way — a NAT or load balancer between the runner and the nodes, or masquerading on worker-1",
    ]);
  });
});
