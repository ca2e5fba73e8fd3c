import { describe, expect, test } from 'vitest';
import type { NetworkCheck, StaticCheck } from '../../../helpers/check/types.ts';
import type { NodePortTopology } from '../../../helpers/nodeport/types.ts';
import nodeport from '../../../suites/nodeport.ts';
import { fixtureTopology, node } from '../topology-fixture.ts';

function fixture(extra: Partial<NodePortTopology> = {}): NodePortTopology {
  return {
    addressType: 'InternalIP',
    range: { low: 30000, high: 32767, source: 'cluster' },
    backend: { pod: 'nodeport-backend', node: 'lab-worker-1', ready: true },
    services: [
      {
        name: 'nodeport-cluster',
        policy: 'Cluster',
        ports: (['low', 'middle', 'high'] as const).flatMap((position, i) => (['tcp', 'udp'] as const).map((protocol) => ({ nodePort: [30000, 31383, 32767][i]!, protocol, position }))),
      },
      {
        name: 'nodeport-local',
        policy: 'Local',
        ports: [
          { nodePort: 31384, protocol: 'tcp', position: 'auto' },
          { nodePort: 31385, protocol: 'udp', position: 'auto' },
        ],
      },
    ],
    targets: [
      { node: 'lab-control-plane', address: '172.28.0.10' },
      { node: 'lab-worker-1', address: '172.28.0.11' },
      { node: 'lab-worker-2', address: '172.28.0.12' },
    ],
    notes: [],
    runner: { reached: true, detail: 'reached 3 of 3 node addresses', addresses: { '172.28.0.10': '172.28.0.1', '172.28.0.11': '172.28.0.1', '172.28.0.12': '172.28.0.1' } },
    ...extra,
  };
}

const rowsOf = (plan: NodePortTopology, topology = fixtureTopology()) => nodeport.checks(topology, plan, {});
const network = (plan: NodePortTopology) => rowsOf(plan).filter((r): r is NetworkCheck => r.kind === 'network');
const statics = (plan: NodePortTopology, topology = fixtureTopology()) => rowsOf(plan, topology).filter((r): r is StaticCheck => r.kind === 'static');

describe('nodeport rows', () => {
  test('every node × every NodePort × TCP and UDP, dialled by the runner, plus the one reach row', () => {
    const rows = network(fixture());
    expect(rows).toHaveLength(3 * 8);
    expect(rows[0]!.title).toBe('runner → lab-control-plane 172.28.0.10:30000/tcp nodeport-cluster (Cluster, low end of 30000-32767)');
    expect(rows.every((r) => r.drive.via === 'outside' && r.from.kind === 'runner' && r.to.kind === 'nodeport')).toBe(true);
    expect(statics(fixture())).toEqual([expect.objectContaining({ status: 'fact', holds: true, title: 'runner reaches the node network (InternalIP addresses)' })]);
  });

  test('Cluster: every node must answer with the backend; Local: only the backend node with the runner address kept, others CLOSED', () => {
    const rows = network(fixture());
    for (const r of rows.filter((x) => x.properties?.externalTrafficPolicy === 'Cluster')) {
      expect(r).toMatchObject({ expect: 'REACHABLE', answer: { kind: 'hostname', expected: ['nodeport-backend'] } });
    }
    const local = rows.filter((x) => x.properties?.externalTrafficPolicy === 'Local');
    expect(local.filter((r) => r.expect === 'REACHABLE').map((r) => `${r.to.node}/${r.protocol}`)).toEqual(['lab-worker-1/tcp', 'lab-worker-1/udp']);
    expect(local.filter((r) => r.to.node === 'lab-worker-1').map((r) => r.answer)).toEqual([
      { kind: 'clientip', expected: '172.28.0.1', client: 'runner' },
      { kind: 'clientip', expected: '172.28.0.1', client: 'runner' },
    ]);
    expect(local.filter((r) => r.to.node !== 'lab-worker-1').every((r) => r.expect === 'CLOSED' && /must not answer/.test(r.title))).toBe(true);
    expect(local.map((r) => r.port)).toEqual([31384, 31385, 31384, 31385, 31384, 31385]);
  });

  test('a node without an address of the type is skipped with the flag to use', () => {
    const rows = statics(
      fixture({ addressType: 'ExternalIP', targets: [{ node: 'lab-worker-2', reason: 'node lab-worker-2 has no ExternalIP address (status.addresses); pass --node-address-type InternalIP' }] }),
    );
    expect(rows).toContainEqual(expect.objectContaining({ status: 'skipped', node: 'lab-worker-2', reason: expect.stringContaining('--node-address-type InternalIP') }));
  });

  test('nodes the run does not probe get a skipped row with the reason', () => {
    const topology = fixtureTopology({
      nodes: [node('lab-control-plane', 0), node('lab-worker-1', 1), node('lab-worker-2', 2), node('lab-worker-3', 3, { skipReason: 'cordoned (spec.unschedulable=true)' })],
    });
    expect(statics(fixture(), topology)[0]).toEqual({
      kind: 'static',
      suite: 'nodeport',
      title: 'node lab-worker-3 skipped',
      status: 'skipped',
      node: 'lab-worker-3',
      reason: 'node lab-worker-3 is cordoned (spec.unschedulable=true)',
    });
  });

  test('setup failures make every row not-run with the reason (same titles), never network verdicts; a runner off the node network makes every row not-run', () => {
    const healthy = rowsOf(fixture({}));
    for (const broken of [
      rowsOf(fixture({ error: 'nodeport setup failed: forbidden' })),
      rowsOf(fixture({ backend: { pod: 'nodeport-backend', node: 'lab-worker-1', ready: false, problem: 'ImagePullBackOff' } })),
    ]) {
      expect(broken.map((r) => r.title)).toEqual(healthy.map((r) => r.title));
      expect(broken.every((r) => r.kind === 'static' && r.status === 'not-run' && /forbidden|ImagePullBackOff/.test(r.reason))).toBe(true);
    }
    const off = rowsOf(fixture({ runner: { reached: false, detail: 'this host is not on the node network', addresses: {} } }));
    expect(off.filter((r) => r.kind === 'network')).toEqual([]);
    expect(off.filter((r) => r.kind === 'static' && r.status === 'fact')).toEqual([expect.objectContaining({ holds: false })]);
    expect(off.filter((r) => r.kind === 'static' && r.status === 'not-run')).toHaveLength(24);
  });
});
