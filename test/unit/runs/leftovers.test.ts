// Live runs are never cleaned up by others (issue 20): cleanup's decision from a run's heartbeat
// Lease (held and renewed → live; released or expired → ended; none → live only while younger
// than the margin), the grouping of labelled objects into runs, and teardown deleting by the
// run's label (an object whose create timed out on the client goes too).
import { describe, expect, test } from 'vitest';
import type { Kube, LeaseInfo, Namespace, Pod } from '../../../helpers/kube/index.ts';
import { LEASE_DURATION_S, leaseName } from '../../../helpers/runs/heartbeat.ts';
import { groupRuns, liveness, NO_LEASE_MARGIN_MS, type RunFound } from '../../../helpers/runs/leftovers.ts';
import { stoppedOnItsNode, teardown } from '../../../helpers/runs/teardown.ts';

const now = new Date('2026-12-07T00:10:00Z');
const ago = (s: number) => new Date(now.getTime() - s * 1000);
const labels = (id: string) => ({ 'app.kubernetes.io/managed-by': 'kube-netconform', 'netconform.io/run-id': id });
const lease = (id: string, extra: Partial<LeaseInfo>): LeaseInfo => ({ name: leaseName(id), namespace: `netconform-${id}`, labels: labels(id), durationS: LEASE_DURATION_S, ...extra });
const run = (extra: Partial<RunFound>): RunFound => ({ runId: 'aaaaaa', namespaces: ['netconform-aaaaaa'], within: [], ...extra });

describe('cleanup: live or ended', () => {
  test('a held Lease renewed within its duration is live, naming the holder', () => {
    const d = liveness(run({ lease: lease('aaaaaa', { holder: 'kube-netconform run aaaaaa on ci-7 pid 42', renewTime: ago(5) }) }), now);
    expect(d).toEqual({ live: true, why: 'its heartbeat Lease was renewed 5 s ago (kube-netconform run aaaaaa on ci-7 pid 42)' });
  });

  test('a held Lease not renewed for its duration has expired: a killed run, removed', () => {
    const d = liveness(run({ lease: lease('aaaaaa', { holder: 'h', renewTime: ago(LEASE_DURATION_S + 12) }) }), now);
    expect(d).toEqual({ live: false, why: 'its heartbeat Lease expired 12 s ago (last held by h)' });
  });

  test('a released Lease (the run ended with --keep) is removed at once', () => {
    expect(liveness(run({ lease: lease('aaaaaa', { renewTime: ago(1) }) }), now).live).toBe(false);
  });

  test('no Lease: live while younger than the margin, removed once older', () => {
    expect(liveness(run({ createdAt: ago(30) }), now)).toMatchObject({ live: true, why: expect.stringContaining('no heartbeat Lease and is only 30 s old') });
    expect(liveness(run({ createdAt: ago(NO_LEASE_MARGIN_MS / 1000 + 1) }), now)).toMatchObject({ live: false, why: expect.stringContaining('has no heartbeat Lease and is 601 s old') });
    expect(liveness(run({}), now).live).toBe(false);
  });
});

describe('cleanup: labelled objects grouped into runs', () => {
  test('namespaces a run made, its objects in a namespace it did not make, its Lease', () => {
    const ns = (name: string, id: string, at: Date): Namespace => ({ metadata: { name, labels: labels(id), creationTimestamp: at } });
    const runs = groupRuns({
      namespaces: [ns('netconform-aaaaaa', 'aaaaaa', ago(100)), ns('netconform-aaaaaa-x', 'aaaaaa', ago(90))],
      objects: [
        { namespace: 'netconform-aaaaaa', labels: labels('aaaaaa'), createdAt: ago(95) },
        { namespace: 'team-ci', labels: labels('bbbbbb'), createdAt: ago(40) },
        { namespace: 'team-ci', labels: labels('bbbbbb'), createdAt: ago(20) },
      ],
      leases: [lease('aaaaaa', { holder: 'h', renewTime: ago(3) }), { ...lease('bbbbbb', { holder: 'h2', renewTime: ago(2) }), namespace: 'team-ci' }],
    });
    expect(runs.map((r) => ({ id: r.runId, namespaces: r.namespaces, within: r.within, createdAt: r.createdAt, holder: r.lease?.holder }))).toEqual([
      { id: 'aaaaaa', namespaces: ['netconform-aaaaaa', 'netconform-aaaaaa-x'], within: [], createdAt: ago(100), holder: 'h' },
      { id: 'bbbbbb', namespaces: [], within: ['team-ci'], createdAt: ago(40), holder: 'h2' },
    ]);
  });
});

/** A Kube that records what teardown asks and answers that everything is gone. */
function recordingKube(namespaces: string[]) {
  const calls: string[] = [];
  const kube = {
    listNamespaces: async (selector: string) => (calls.push(`list namespaces ${selector}`), namespaces.map((name) => ({ metadata: { name } }))),
    deleteNamespace: async (name: string) => void calls.push(`delete namespace ${name}`),
    deletePods: async (ns: string, selector: string) => void calls.push(`delete pods ${ns} ${selector}`),
    deleteServices: async (ns: string, selector: string) => void calls.push(`delete services ${ns} ${selector}`),
    deleteService: async (ns: string, name: string) => void calls.push(`delete service ${ns}/${name}`),
    deleteLeases: async (ns: string, selector: string) => void calls.push(`delete leases ${ns} ${selector}`),
    listPods: async () => [],
    listServices: async () => [],
    listLeases: async () => [],
    readNamespace: async (name: string) => ({ metadata: { name, deletionTimestamp: now } }),
  };
  return { kube: kube as unknown as Kube, calls };
}

describe('teardown deletes by the run label, not only by recorded name', () => {
  test('in a namespace it did not create: pods, Services and the Lease by label (and the recorded Services by name)', async () => {
    const { kube, calls } = recordingKube([]);
    await teardown(kube, { runId: 'abc123', namespace: 'team-ci', createdNamespace: false, createdPods: [], createdServices: ['probes'] }, { timeoutMs: 1000 });
    expect(calls).toEqual(
      expect.arrayContaining([
        'delete pods team-ci netconform.io/run-id=abc123',
        'delete services team-ci netconform.io/run-id=abc123',
        'delete service team-ci/probes',
        'delete leases team-ci netconform.io/run-id=abc123',
      ]),
    );
    expect(calls.some((c) => c.startsWith('delete namespace'))).toBe(false);
  });

  test('its own namespace, and any other namespace carrying its label (a suite’s own, never registered)', async () => {
    const { kube, calls } = recordingKube(['netconform-abc123', 'netconform-abc123-x']);
    await teardown(kube, { runId: 'abc123', namespace: 'netconform-abc123', createdNamespace: true, createdPods: [], createdServices: [] }, { timeoutMs: 1000 });
    expect(calls).toEqual(expect.arrayContaining(['delete namespace netconform-abc123', 'delete namespace netconform-abc123-x', 'delete services netconform-abc123 netconform.io/run-id=abc123']));
  });
});

describe('teardown of its own namespace ends once nothing of the run runs', () => {
  const pod = (phase: string, deleted: boolean): Pod => ({ metadata: { name: 'probe-a-n1', ...(deleted ? { deletionTimestamp: now } : {}) }, status: { phase } });

  test('a pod counts as stopped only when deleted and its kubelet reported a terminal phase', () => {
    expect(stoppedOnItsNode(pod('Succeeded', true))).toBe(true);
    expect(stoppedOnItsNode(pod('Failed', true))).toBe(true);
    // Deleted, containers still stopping: still runs.
    expect(stoppedOnItsNode(pod('Running', true))).toBe(false);
    // Never deleted (someone else's, or a delete that did not land): not ours to call stopped.
    expect(stoppedOnItsNode(pod('Succeeded', false))).toBe(false);
  });

  test('it waits while a pod still runs, and returns once every pod is stopped or gone, with the pod objects still listed', async () => {
    const { kube } = recordingKube([]);
    const seen: Pod[][] = [
      [pod('Running', true), pod('Succeeded', true)],
      [pod('Succeeded', true), pod('Failed', true)],
    ];
    let lists = 0;
    (kube as unknown as { listPods: () => Promise<Pod[]> }).listPods = async () => seen[Math.min(lists++, seen.length - 1)]!;
    await teardown(kube, { runId: 'abc123', namespace: 'netconform-abc123', createdNamespace: true, createdPods: [], createdServices: [] }, { timeoutMs: 5000 });
    expect(lists).toBe(2);
  });

  test('a pod that never stops is a timeout naming what was awaited', async () => {
    const { kube } = recordingKube([]);
    (kube as unknown as { listPods: () => Promise<Pod[]> }).listPods = async () => [pod('Running', true)];
    await expect(teardown(kube, { runId: 'abc123', namespace: 'netconform-abc123', createdNamespace: true, createdPods: [], createdServices: [] }, { timeoutMs: 300 })).rejects.toThrow(
      /waiting for namespace netconform-abc123 to be terminating, with no Service left in it and every pod in it stopped on its node/,
    );
  });
});
