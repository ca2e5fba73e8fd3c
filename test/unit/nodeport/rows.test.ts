import { describe, expect, test } from 'vitest';
import { nodePortRows, type NodePortRow } from '../../../helpers/nodeport/rows.ts';
import type { NodePortTopology } from '../../../helpers/nodeport/types.ts';

function fixture(extra: Partial<NodePortTopology> = {}): NodePortTopology {
  return {
    addressType: 'InternalIP',
    range: { low: 30000, high: 32767, source: 'cluster' },
    backend: { pod: 'nodeport-backend', node: 'lab-worker-1', ready: true },
    services: [
      { name: 'nodeport-cluster', policy: 'Cluster', ports: (['low', 'middle', 'high'] as const).flatMap((position, i) => (['tcp', 'udp'] as const).map((protocol) => ({ nodePort: [30000, 31383, 32767][i]!, protocol, position }))) },
      { name: 'nodeport-local', policy: 'Local', ports: [{ nodePort: 31000, protocol: 'tcp', position: 'auto' }, { nodePort: 31001, protocol: 'udp', position: 'auto' }] },
    ],
    targets: [
      { node: 'lab-control-plane', address: '172.28.0.10' },
      { node: 'lab-worker-1', address: '172.28.0.11' },
      { node: 'lab-worker-2', address: '172.28.0.12' },
    ],
    notes: [],
    ...extra,
  };
}

describe('nodeport rows', () => {
  test('every node × every NodePort × TCP and UDP, titled from the runner', () => {
    const rows = nodePortRows(fixture()) as NodePortRow[];
    expect(rows).toHaveLength(3 * 8);
    expect(rows[0]!.title).toBe('runner → lab-control-plane 172.28.0.10:30000/tcp nodeport-cluster (Cluster, low end of 30000-32767)');
    expect(rows.every((r) => r.kind === 'nodeport')).toBe(true);
  });

  test('Cluster: every node must answer with the backend; Local: only the backend node, others FILTERED', () => {
    const rows = nodePortRows(fixture()) as NodePortRow[];
    for (const r of rows.filter((x) => x.policy === 'Cluster')) {
      expect(r).toMatchObject({ expect: 'REACHABLE', answer: { kind: 'hostname', expected: 'nodeport-backend' } });
    }
    const local = rows.filter((x) => x.policy === 'Local');
    expect(local.filter((r) => r.expect === 'REACHABLE').map((r) => `${r.node}/${r.protocol}`)).toEqual(['lab-worker-1/tcp', 'lab-worker-1/udp']);
    expect(local.filter((r) => r.node === 'lab-worker-1').every((r) => r.answer.kind === 'clientip')).toBe(true);
    expect(local.filter((r) => r.node !== 'lab-worker-1').every((r) => r.expect === 'FILTERED' && /must not answer/.test(r.title))).toBe(true);
  });

  test('a node without an address of the type is skipped with the flag to use', () => {
    const rows = nodePortRows(fixture({ addressType: 'ExternalIP', targets: [{ node: 'lab-worker-2', reason: 'node lab-worker-2 has no ExternalIP address (status.addresses); pass --node-address-type InternalIP' }] }));
    expect(rows).toEqual([expect.objectContaining({ kind: 'skip', node: 'lab-worker-2', reason: expect.stringContaining('--node-address-type InternalIP') })]);
  });

  test('nodes the run does not probe get a skipped row with the reason', () => {
    const rows = nodePortRows(fixture(), [{ name: 'lab-worker-3', skipReason: 'cordoned (spec.unschedulable=true)' }, { name: 'lab-worker-1' }]);
    expect(rows[0]).toEqual({ kind: 'skip', suite: 'nodeport', title: 'node lab-worker-3 skipped', node: 'lab-worker-3', reason: 'node lab-worker-3 is cordoned (spec.unschedulable=true)' });
    expect(rows).toHaveLength(1 + 24);
  });

  test('setup failures become one error row, never network verdicts', () => {
    expect(nodePortRows(fixture({ error: 'nodeport setup failed: forbidden' }))).toEqual([expect.objectContaining({ kind: 'error', reason: 'nodeport setup failed: forbidden' })]);
    const notReady = nodePortRows(fixture({ backend: { pod: 'nodeport-backend', node: 'lab-worker-1', ready: false, problem: 'ImagePullBackOff' } }));
    expect(notReady).toEqual([expect.objectContaining({ kind: 'error', reason: expect.stringContaining('ImagePullBackOff') })]);
    expect(nodePortRows(undefined)).toEqual([expect.objectContaining({ kind: 'skip' })]);
  });
});
