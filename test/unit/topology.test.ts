import { describe, expect, test } from 'vitest';
import type { Node, Pod } from '../../helpers/kube/index.ts';
import { classifyNodes, describePodProblem, explainUnschedulable, isStuck, perNodeName, podRoles, probePodName, probesFromPods } from '../../helpers/topology.ts';

function k8sNode(name: string, extra: { unschedulable?: boolean; ready?: string; labels?: Record<string, string> } = {}): Node {
  return {
    metadata: { name, labels: extra.labels ?? {} },
    spec: { unschedulable: extra.unschedulable, podCIDRs: ['10.244.1.0/24'] },
    status: {
      addresses: [
        { type: 'InternalIP', address: '172.28.0.11' },
        { type: 'Hostname', address: name },
      ],
      conditions: [{ type: 'Ready', status: extra.ready ?? 'True', reason: extra.ready === 'False' ? 'KubeletNotReady' : undefined }],
    },
  } as Node;
}

describe('nodes', () => {
  test('cordoned and NotReady nodes are skipped with the reason; --node-selector leaves others out', () => {
    const nodes = classifyNodes([
      k8sNode('b-ready', { labels: { 'node-role.kubernetes.io/control-plane': '' } }),
      k8sNode('c-cordoned', { unschedulable: true }),
      k8sNode('a-notready', { ready: 'False' }),
    ]);
    expect(nodes.map((n) => [n.name, n.skipReason ?? 'probed', n.role])).toEqual([
      ['a-notready', 'NotReady (Ready=False: KubeletNotReady)', 'worker'],
      ['b-ready', 'probed', 'control-plane'],
      ['c-cordoned', 'cordoned (spec.unschedulable=true)', 'worker'],
    ]);
    expect(nodes[1]).toMatchObject({ internalIP: '172.28.0.11', addresses: ['172.28.0.11'], podCIDRs: ['10.244.1.0/24'] });
    expect(classifyNodes([k8sNode('x', { labels: { pool: 'a' } }), k8sNode('y')], { nodeSelector: { pool: 'a' } }).map((n) => n.name)).toEqual(['x']);
  });

  test('pod probe roles: probe-a, probe-b by default; --pods-per-node letters on, 2 to 26', () => {
    expect(podRoles()).toEqual(['probe-a', 'probe-b']);
    expect(podRoles(10).at(-1)).toBe('probe-j');
    expect(podRoles(26).at(-1)).toBe('probe-z');
    expect(() => podRoles(1)).toThrow(/2 to 26/);
    expect(() => podRoles(27)).toThrow(/2 to 26/);
  });

  test('probe pod names fit a hostname (63 chars) and stay distinct for long node names', () => {
    expect(probePodName('probe-a', 'lab-worker-1')).toBe('probe-a-lab-worker-1');
    expect(probePodName('host', 'lab-worker-1')).toBe('hostnet-lab-worker-1');
    const long1 = probePodName('probe-a', `ip-10-0-0-1.${'very-long-domain.'.repeat(4)}internal`);
    const long2 = probePodName('probe-a', `ip-10-0-0-2.${'very-long-domain.'.repeat(4)}internal`);
    expect(long1.length).toBeLessThanOrEqual(63);
    expect(long1).not.toBe(long2);
    expect(long1).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
  });

  test('per-node Service names (hairpin) are DNS labels of at most 63 chars, distinct for long or upper-case node names', () => {
    expect(perNodeName('hairpin', 'Lab_Worker.1')).toBe('hairpin-lab-worker-1');
    const long = (n: number) => perNodeName('hairpin', `ip-10-0-0-${n}.${'very-long-domain.'.repeat(4)}internal`);
    expect(long(1).length).toBeLessThanOrEqual(63);
    expect(long(1)).not.toBe(long(2));
    expect(long(1)).toMatch(/^[a-z]([-a-z0-9]*[a-z0-9])?$/);
  });
});

describe('why a probe is not ready', () => {
  test('unschedulable (taints) reads like the scheduler says it, and is final', () => {
    const pod = {
      status: {
        phase: 'Pending',
        conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}.' }],
      },
    } as Pod;
    const problem = describePodProblem(pod);
    expect(problem).toBe('Pending: Unschedulable (0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}.)');
    expect(isStuck(problem)).toBe(true);
  });

  test('ImagePullBackOff names the image; ContainerCreating is worth waiting for', () => {
    const pull = {
      status: {
        phase: 'Pending',
        containerStatuses: [{ name: 'netexec', ready: false, state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "mirror/agnhost:2.66.1"' } } }],
      },
    } as Pod;
    expect(describePodProblem(pull)).toBe('ImagePullBackOff: Back-off pulling image "mirror/agnhost:2.66.1"');
    expect(isStuck(describePodProblem(pull))).toBe(true);
    const creating = { status: { phase: 'Pending', containerStatuses: [{ name: 'netexec', ready: false, state: { waiting: { reason: 'ContainerCreating' } } }] } } as Pod;
    expect(isStuck(describePodProblem(creating))).toBe(false);
  });

  test('a crash loop carries the last exit message (e.g. port in use on the host)', () => {
    const crash = {
      status: {
        phase: 'Running',
        containerStatuses: [
          {
            name: 'netexec',
            ready: false,
            state: { waiting: { reason: 'CrashLoopBackOff' } },
            lastState: { terminated: { exitCode: 1, message: 'listen tcp :18080: bind: address already in use\n' } },
          },
        ],
      },
    } as Pod;
    expect(describePodProblem(crash)).toBe('CrashLoopBackOff; last exit 1: listen tcp :18080: bind: address already in use');
  });

  test('probesFromPods reads role from the label and node from the annotation', () => {
    const probes = probesFromPods([
      {
        metadata: { name: 'probe-b-n1', labels: { 'netconform.io/role': 'probe-b' }, annotations: { 'netconform.io/node': 'n1' } },
        status: { podIP: '10.244.1.5', conditions: [{ type: 'Ready', status: 'True' }] },
      } as Pod,
    ]);
    expect(probes).toEqual([{ role: 'probe-b', name: 'probe-b-n1', node: 'n1', ip: '10.244.1.5', ready: true, restarts: 0 }]);
  });
});

describe('explainUnschedulable', () => {
  test('names the node taints the probes do not tolerate', () => {
    const probes = [
      { role: 'probe-a' as const, name: 'probe-a-w2', node: 'w2', ip: '', ready: false, problem: 'Pending: Unschedulable (0/3 nodes are available: 1 node(s) had untolerated taint(s))' },
      { role: 'probe-a' as const, name: 'probe-a-w1', node: 'w1', ip: '10.244.1.2', ready: true },
    ];
    explainUnschedulable(probes, [
      { name: 'w2', role: 'worker', addresses: [], podCIDRs: [], taints: ['node-role.kubernetes.io/control-plane:NoSchedule', 'dedicated=gpu:NoSchedule'] },
      { name: 'w1', role: 'worker', addresses: [], podCIDRs: [], taints: [] },
    ]);
    expect(probes[0]!.problem).toMatch(/; node w2 has taints dedicated=gpu:NoSchedule \(the probes tolerate only the control-plane taint\)$/);
    expect(probes[1]!.problem).toBeUndefined();
  });
});
