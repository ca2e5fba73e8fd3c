import { describe, expect, test } from 'vitest';
import type { CheckResult } from '../../../helpers/check/types.ts';
import { diagnose } from '../../../helpers/diagnose/index.ts';
import { applyChanges, involvedPods, missingProbes, nodeChanges, probeChanges } from '../../../helpers/probes/identity.ts';
import type { Node, Pod } from '../../../helpers/kube/index.ts';
import type { NodeInfo, ProbePod } from '../../../helpers/topology.ts';
import { podToPod, podToService } from '../fixtures/results.ts';

const window = { from: '2026-12-01T12:00:00.000Z', to: '2026-12-01T12:00:30.000Z' };
const probe = (name: string, node: string, extra: Partial<ProbePod> = {}): ProbePod => ({
  role: name.startsWith('hostnet') ? 'host' : (name.slice(0, 7) as ProbePod['role']),
  name,
  node,
  ip: `10.244.0.${name.length}`,
  ready: true,
  uid: `uid-${name}`,
  restarts: 0,
  ...extra,
});
const pod = (p: ProbePod, patch: { uid?: string; node?: string; restarts?: number; deletion?: string; ready?: boolean; ip?: string; finishedAt?: string } = {}): Pod =>
  ({
    metadata: { name: p.name, uid: patch.uid ?? p.uid, ...(patch.deletion ? { deletionTimestamp: new Date(patch.deletion) } : {}), creationTimestamp: new Date('2026-12-01T12:00:10Z') },
    spec: { nodeName: patch.node ?? p.node, containers: [] },
    status: {
      podIP: patch.ip ?? p.ip,
      conditions: [{ type: 'Ready', status: patch.ready === false ? 'False' : 'True', lastTransitionTime: new Date('2026-12-01T12:00:12Z') }],
      containerStatuses: [
        {
          name: 'netexec',
          image: '',
          imageID: '',
          ready: true,
          restartCount: patch.restarts ?? 0,
          ...(patch.finishedAt ? { lastState: { terminated: { exitCode: 137, reason: 'OOMKilled', finishedAt: new Date(patch.finishedAt) } } } : {}),
        },
      ],
    },
  }) as Pod;

describe('probe identity: recorded at setup, checked after the checks', () => {
  const a = probe('probe-a-worker-1', 'worker-1');
  const b = probe('probe-b-worker-1', 'worker-1');

  test('deleted (gone, or being deleted), replaced, moved, restarted, unready are each named with when', () => {
    expect(probeChanges([a], [], window)).toEqual([
      expect.objectContaining({ pod: a.name, change: 'deleted', text: 'probe probe-a-worker-1 on worker-1 was deleted during the run (between 12:00:00 UTC and 12:00:30 UTC)' }),
    ]);
    expect(probeChanges([a], [pod(a, { deletion: '2026-12-01T12:00:05Z' })], window)[0]).toMatchObject({
      change: 'deleted',
      at: '2026-12-01T12:00:05.000Z',
      text: expect.stringContaining('(at 12:00:05 UTC)'),
    });
    expect(probeChanges([a], [pod(a, { uid: 'other' })], window)[0]).toMatchObject({ change: 'replaced', at: '2026-12-01T12:00:10.000Z' });
    expect(probeChanges([a], [pod(a, { node: 'worker-2' })], window)[0]).toMatchObject({ change: 'moved', text: expect.stringContaining('moved to node worker-2') });
    expect(probeChanges([a], [pod(a, { restarts: 1, finishedAt: '2026-12-01T12:00:07Z' })], window)[0]).toMatchObject({
      change: 'restarted',
      text: expect.stringMatching(/was restarted \(OOMKilled\), 1 time\(s\) during the run \(at 12:00:07 UTC\)/),
    });
    expect(probeChanges([a], [pod(a, { ready: false })], window)[0]).toMatchObject({ change: 'not ready' });
    expect(probeChanges([a, b], [pod(a), pod(b)], window)).toEqual([]);
  });

  test('nodes that became NotReady or were cordoned during the run are named; skipped-at-setup nodes are not', () => {
    const before: NodeInfo[] = [
      { name: 'worker-1', role: 'worker', addresses: [], podCIDRs: [] },
      { name: 'worker-2', role: 'worker', addresses: [], podCIDRs: [] },
      { name: 'cp', role: 'control-plane', addresses: [], podCIDRs: [], skipReason: 'cordoned' },
    ];
    const node = (name: string, ready: string, unschedulable = false): Node =>
      ({
        metadata: { name },
        spec: { unschedulable },
        status: { conditions: [{ type: 'Ready', status: ready, reason: 'NodeStatusUnknown', lastTransitionTime: new Date('2026-12-01T12:00:20Z') }] },
      }) as Node;
    const changes = nodeChanges(before, [node('worker-1', 'Unknown'), node('worker-2', 'True', true), node('cp', 'True', true)], window);
    expect(changes.map((c) => [c.node, c.change])).toEqual([
      ['worker-1', 'NotReady'],
      ['worker-2', 'cordoned'],
    ]);
    expect(changes[0]!.text).toMatch(/^node worker-1 became NotReady \(Ready=Unknown: NodeStatusUnknown\) during the run \(at 12:00:20 UTC\)$/);
  });

  test('a probe created and then gone before the checks becomes a not-ready probe with that reason (a row, never dropped)', () => {
    const missing = missingProbes(
      [a],
      [
        { name: a.name, node: 'worker-1', role: 'probe-a' },
        { name: b.name, node: 'worker-1', role: 'probe-b' },
      ],
    );
    expect(missing).toEqual([expect.objectContaining({ name: b.name, ready: false, problem: expect.stringContaining('deleted by someone else before the checks') })]);
  });

  test('failed rows that depend on a changed probe become errors naming it; passed rows and unrelated failures stay; diagnosis says so first', () => {
    const victim = 'probe-a';
    // The fixture's pods are named by role; the deleted one is worker-1's probe-a.
    const rows = podToPod({ fault: (r) => ((r.to.node === 'worker-1' && r.to.pod === victim) || (r.from.node === 'worker-1' && r.from.pod === victim) ? 'FILTERED' : undefined) });
    const probes = [probe(victim, 'worker-1')];
    const changed = applyChanges(rows, [{ kind: 'probe', pod: victim, node: 'worker-1', change: 'deleted', text: 'probe probe-a on worker-1 was deleted during the run (at 12:00:05 UTC)' }], probes);
    const affected = changed.filter((r) => r.outcome !== 'passed');
    expect(affected.length).toBeGreaterThan(0);
    expect(changed.filter((r) => r.outcome === 'failed')).toEqual([]);
    for (const r of affected) expect(r).toMatchObject({ outcome: 'error', observed: 'INCONCLUSIVE', reason: expect.stringContaining('was deleted during the run') });
    expect(changed.filter((r) => r.outcome === 'passed').length).toBe(rows.filter((r) => r.outcome === 'passed').length);
    const { causes } = diagnose(changed);
    expect(causes[0]).toMatch(/^probe probe-a on worker-1 was deleted during the run .*not network failures/);
    expect(causes.some((c) => /pod route|overlay|firewall|no known pattern/.test(c))).toBe(false);
  });

  test('a Service row depends on every backend; a node change covers rows from or to that node', () => {
    const svc = podToService()[0]!;
    const backends = [probe('probe-a-w1', 'w1'), probe('probe-b-w1', 'w1'), probe('hostnet-w1', 'w1')];
    expect(involvedPods(svc, backends)).toEqual(expect.arrayContaining(['probe-a-w1', 'probe-b-w1']));
    expect(involvedPods(svc, backends)).not.toContain('hostnet-w1');
    const failedToW2: CheckResult[] = podToPod({ fault: (r) => (r.to.node === 'worker-2' ? 'FILTERED' : undefined) });
    const out = applyChanges(failedToW2, [{ kind: 'node', node: 'worker-2', change: 'NotReady', text: 'node worker-2 became NotReady during the run (at 12:00:20 UTC)' }], []);
    expect(out.filter((r) => r.outcome === 'failed')).toEqual([]);
    expect(out.find((r) => r.outcome === 'error')?.properties?.['node.changed']).toBe('worker-2');
  });
});
