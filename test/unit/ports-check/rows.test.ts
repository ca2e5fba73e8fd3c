import { describe, expect, test } from 'vitest';
import { detectCni } from '../../../helpers/ports/cni.ts';
import { loadProfile } from '../../../helpers/ports/profiles.ts';
import { portsRows, type PortsCheckRow, type PortsStaticRow } from '../../../helpers/ports-check/rows.ts';
import type { PortsPlan } from '../../../helpers/ports-check/types.ts';
import { fixtureTopology } from '../topology-fixture.ts';

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

const checks = (rows: ReturnType<typeof portsRows>) => rows.filter((r): r is PortsCheckRow => r.kind === 'port');

describe('ports rows', () => {
  test('kubeadm on the routed lab: 42 rows from the host probes, the CNI rule skipped with its reason', async () => {
    const rows = portsRows(await plan(), fixtureTopology().probes);
    expect(checks(rows)).toHaveLength(42);
    expect(rows.filter((r) => r.kind === 'skip')).toEqual([expect.objectContaining({ reason: 'not applicable here: no detected CNI needs node-to-node ports' })]);
    const kubelet = checks(rows).filter((r) => r.port === 10250);
    expect(kubelet.map((r) => `${r.from} → ${r.to}`)).toEqual(['lab-control-plane → lab-worker-1', 'lab-control-plane → lab-worker-2']);
    expect(kubelet[0]).toMatchObject({ sourceProbe: 'hostnet-lab-control-plane', toAddress: '172.28.0.11', expect: 'open' });
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
    expect(checks(rows).filter((r) => r.port === 443).map((r) => r.from)).toEqual(['lab-worker-1', 'lab-worker-2']);
    expect(checks(rows).filter((r) => r.port === 10255).every((r) => r.expect === 'open')).toBe(true);
    expect(rows.filter((r) => r.kind === 'skip').length).toBeGreaterThan(0);
  });

  test('--short: every (target, port, protocol) from one source, sources taking turns', async () => {
    const full = checks(portsRows(await plan(), fixtureTopology().probes));
    const short = checks(portsRows(await plan(), fixtureTopology().probes, [], { short: true }));
    const key = (r: PortsCheckRow) => `${r.to}|${r.port}|${r.protocol}`;
    expect(new Set(short.map(key))).toEqual(new Set(full.map(key)));
    expect(short.length).toBe(new Set(full.map(key)).size);
    // 10255 (any → any): each target from the next node in name order.
    expect(short.filter((r) => r.port === 10255).map((r) => `${r.from} → ${r.to}`).sort()).toEqual([
      'lab-control-plane → lab-worker-2', 'lab-worker-1 → lab-control-plane', 'lab-worker-2 → lab-worker-1',
    ]);
  });

  test('a source whose host probe is not ready: its rows are errors naming the reason', async () => {
    const topology = fixtureTopology({ notReady: ['hostnet-lab-worker-1'] });
    const errors = portsRows(await plan(), topology.probes).filter((r): r is PortsStaticRow => r.kind === 'error');
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((r) => r.node === 'lab-worker-1' && /ImagePullBackOff/.test(r.reason))).toBe(true);
  });

  test('API server port unknown: one error row saying where it was looked for', async () => {
    const p = { ...(await plan()), apiServerPort: undefined, apiServerPortSource: 'the kubernetes Service has no endpoint port' };
    expect(portsRows(p, fixtureTopology().probes)).toEqual([expect.objectContaining({ kind: 'error', reason: expect.stringContaining('the kubernetes Service has no endpoint port') })]);
  });
});
