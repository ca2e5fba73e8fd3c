// Two runs at once: the first holds 30000/31383/32767, so the second's NodePort Services sit at
// 30001/31382/32766 — and its ports suite must check those, not the first run's (they close when
// the first run cleans up; seen on the lab as 16 REFUSED rows in the second run).
import { describe, expect, test } from 'vitest';
import type { NodePortTopology } from '../../../helpers/nodeport/types.ts';
import { ownNodePortSample } from '../../../suites/ports.ts';

const plan = (ports: number[]): NodePortTopology => ({
  addressType: 'InternalIP',
  range: { low: 30000, high: 32767, source: 'default' } as NodePortTopology['range'],
  notes: [],
  targets: [],
  backend: { pod: 'nodeport-backend', node: 'w1', ready: true },
  services: [{ name: 'nodeport-cluster', policy: 'Cluster', ports: ports.flatMap((nodePort) => (['tcp', 'udp'] as const).map((protocol) => ({ nodePort, protocol, position: 'low' as const }))) }],
});

describe('the ports suite checks the NodePort range on the ports this run holds', () => {
  test("ends taken by another client: this run's own NodePorts stand for the range, and the note says why", () => {
    const sample = ownNodePortSample({ plans: { nodeport: plan([30001, 31382, 32766]) } })({ low: 30000, high: 32767 });
    expect(sample?.ports).toEqual([30001, 31382, 32766]);
    expect(sample?.note).toMatch(/the NodePorts this run's Services hold \(30000, 31383, 32767 held by another client\)/);
  });

  test('the plain sample when the run holds it, or when the range is another one, or nodeport failed', () => {
    expect(ownNodePortSample({ plans: { nodeport: plan([30000, 31383, 32767]) } })({ low: 30000, high: 32767 })).toBeUndefined();
    expect(ownNodePortSample({ plans: { nodeport: plan([30001, 31382, 32766]) } })({ low: 2379, high: 2380 })).toBeUndefined();
    expect(ownNodePortSample({ plans: { nodeport: { ...plan([30001]), error: 'x' } } })({ low: 30000, high: 32767 })).toBeUndefined();
    expect(ownNodePortSample({ plans: {} })({ low: 30000, high: 32767 })).toBeUndefined();
  });
});
