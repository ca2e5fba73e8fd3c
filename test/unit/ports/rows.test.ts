import { describe, expect, test } from 'vitest';
import { detectCni } from '../../../helpers/ports/cni.ts';
import { loadProfile } from '../../../helpers/ports/profiles.ts';
import type { Check, NetworkCheck, StaticCheck } from '../../../helpers/check/types.ts';
import type { PortsPlan } from '../../../helpers/ports/types.ts';
import type { ProbePod } from '../../../helpers/topology.ts';
import ports from '../../../suites/ports.ts';
import { fixtureTopology } from '../topology-fixture.ts';

/** The module's rows, flattened to the fields these tests name (from/to node, kernel-owned, probe). */
type PortsCheckRow = NetworkCheck & { fromNode: string; toNode: string; kernelOwned: boolean; sourceProbe: string; to: NetworkCheck['to'] };
function portsRows(plan: PortsPlan, probes: ProbePod[], _nodes: unknown[] = [], options: { short?: boolean } = {}): Check[] {
  return ports.checks({ ...fixtureTopology(), probes }, plan, options);
}

const CP = { 'node-role.kubernetes.io/control-plane': '' };

async function plan(options: { profile?: string; network?: 'routed' | 'vxlan' } = {}): Promise<PortsPlan> {
  return {
    profile: await loadProfile(options.profile ?? 'kubeadm'),
    // What the lab states in kube-system/netconform-cni for its routed and vxlan networks.
    cni: detectCni({ configMaps: [{ namespace: 'kube-system', name: 'netconform-cni', data: { cni: options.network === 'vxlan' ? 'vxlan' : 'bridge' } }] }),
    apiServerPort: 6443,
    apiServerPortSource: 'EndpointSlice of Service default/kubernetes: 172.28.0.10:6443',
    addressType: 'InternalIP',
    nodes: [
      { name: 'lab-control-plane', address: '172.28.0.10', labels: CP },
      { name: 'lab-worker-1', address: '172.28.0.11', labels: {} },
      { name: 'lab-worker-2', address: '172.28.0.12', labels: {} },
    ],
    image: 'registry.k8s.io/e2e-test-images/agnhost:2.66.1',
  };
}

const checks = (rows: Check[]) =>
  rows
    .filter((r): r is NetworkCheck => r.kind === 'network')
    .map((r): PortsCheckRow => ({
      ...r,
      fromNode: r.from.node,
      toNode: r.to.node,
      kernelOwned: r.drive.via === 'round-trip',
      sourceProbe: r.from.pod ?? '',
    }));
const staticRows = (rows: Check[], status: StaticCheck['status']) => rows.filter((r): r is StaticCheck => r.kind === 'static' && r.status === status);

describe('ports rows', () => {
  test('kubeadm on the routed lab: 42 rows from the host probes, the CNI rule skipped with its reason', async () => {
    const rows = portsRows(await plan(), fixtureTopology().probes);
    expect(checks(rows)).toHaveLength(42);
    expect(staticRows(rows, 'skipped')).toEqual([expect.objectContaining({ reason: 'not applicable here: no detected CNI needs node-to-node ports' })]);
    const kubelet = checks(rows).filter((r) => r.port === 10250);
    expect(kubelet.map((r) => `${r.fromNode} → ${r.toNode}`)).toEqual(['lab-control-plane → lab-worker-1', 'lab-control-plane → lab-worker-2']);
    expect(kubelet[0]).toMatchObject({
      sourceProbe: 'hostnet-lab-control-plane',
      to: { ip: '172.28.0.11' },
      expect: 'REACHABLE',
      drive: { via: 'connect', control: { pod: 'hostnet-lab-control-plane' } },
    });
    expect(kubelet[0]!.title).toBe('lab-control-plane → lab-worker-1 172.28.0.11:10250/tcp must be open (kubelet API, used by the API server for exec, logs and port-forward)');
  });

  test('vxlan lab: UDP 8472 between every pair, kernel-owned (judged from pod traffic)', async () => {
    const vxlan = checks(portsRows(await plan({ network: 'vxlan' }), fixtureTopology().probes)).filter((r) => r.port === 8472);
    expect(vxlan).toHaveLength(6);
    expect(vxlan.every((r) => r.protocol === 'udp' && r.kernelOwned)).toBe(true);
  });

  test('seed-2017 on a vxlan cluster: its explicit 8472/udp rows are kernel-owned too (judged from pod traffic)', async () => {
    const rows = checks(portsRows(await plan({ profile: 'seed-2017', network: 'vxlan' }), fixtureTopology().probes)).filter((r) => r.port === 8472);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.kernelOwned)).toBe(true);
  });

  test('seed-2017: 443 to the master, 10255 open on workers; flannel-only rules skipped', async () => {
    const rows = portsRows(await plan({ profile: 'seed-2017' }), fixtureTopology().probes);
    expect(
      checks(rows)
        .filter((r) => r.port === 443)
        .map((r) => r.fromNode),
    ).toEqual(['lab-worker-1', 'lab-worker-2']);
    expect(
      checks(rows)
        .filter((r) => r.port === 10255)
        .every((r) => r.expect === 'REACHABLE'),
    ).toBe(true);
    expect(staticRows(rows, 'skipped').length).toBeGreaterThan(0);
  });

  test('--short: every (target, port, protocol) from one source, sources taking turns', async () => {
    const full = checks(portsRows(await plan(), fixtureTopology().probes));
    const short = checks(portsRows(await plan(), fixtureTopology().probes, [], { short: true }));
    const key = (r: PortsCheckRow) => `${r.toNode}|${r.port}|${r.protocol}`;
    expect(new Set(short.map(key))).toEqual(new Set(full.map(key)));
    expect(short.length).toBe(new Set(full.map(key)).size);
    // 10255 (any → any): each target from the next node in name order.
    expect(
      short
        .filter((r) => r.port === 10255)
        .map((r) => `${r.fromNode} → ${r.toNode}`)
        .sort(),
    ).toEqual(['lab-control-plane → lab-worker-2', 'lab-worker-1 → lab-control-plane', 'lab-worker-2 → lab-worker-1']);
  });

  test('a source whose host probe is not ready: its rows are errors naming the reason', async () => {
    const topology = fixtureTopology({ notReady: ['hostnet-lab-worker-1'] });
    const errors = staticRows(portsRows(await plan(), topology.probes), 'not-run');
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((r) => r.node === 'lab-worker-1' && /ImagePullBackOff/.test(r.reason))).toBe(true);
  });

  test('API server port unknown: one error row saying where it was looked for', async () => {
    const p = { ...(await plan()), apiServerPort: undefined, apiServerPortSource: 'the kubernetes Service has no endpoint port' };
    expect(portsRows(p, fixtureTopology().probes)).toEqual([expect.objectContaining({ status: 'not-run', reason: expect.stringContaining('the kubernetes Service has no endpoint port') })]);
  });
});
