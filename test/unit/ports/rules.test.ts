import { describe, expect, test } from 'vitest';
import type { DetectedCni } from '../../../helpers/ports/cni.ts';
import { loadProfile, parseProfile } from '../../../helpers/ports/profiles.ts';
import { expandRules, nodeRoles, portRowProperties, type NodeInfo } from '../../../helpers/ports/rules.ts';

const CP = { 'node-role.kubernetes.io/control-plane': '' };
const nodes: NodeInfo[] = [
  { name: 'cp-1', address: '10.0.0.10', labels: CP },
  { name: 'worker-1', address: '10.0.0.11', labels: {} },
  { name: 'worker-2', address: '10.0.0.12', labels: {} },
];
const flannel: DetectedCni[] = [{ name: 'flannel', backend: 'vxlan', ports: [{ port: 8472, protocol: 'udp', why: 'flannel VXLAN backend', kernelOwned: true }], why: 'test' }];
const rowsMatching = (rows: Array<{ title: string }>, re: RegExp) => rows.filter((r) => re.test(r.title)).map((r) => r.title);

describe('node roles', () => {
  test('control-plane from labels, etcd = control-plane unless some node is labelled etcd', () => {
    const roles = nodeRoles(nodes);
    expect([...roles.get('cp-1')!].sort()).toEqual(['any', 'control-plane', 'etcd']);
    expect([...roles.get('worker-1')!].sort()).toEqual(['any', 'worker']);

    const external = nodeRoles([...nodes, { name: 'etcd-1', address: '10.0.0.20', labels: { 'node-role.kubernetes.io/etcd': '' } }]);
    expect(external.get('cp-1')!.has('etcd')).toBe(false);
    expect(external.get('etcd-1')!.has('etcd')).toBe(true);
  });

  test('the old master label still means control-plane', () => {
    expect(
      nodeRoles([{ name: 'm', address: '1.1.1.1', labels: { 'node-role.kubernetes.io/master': '' } }])
        .get('m')!
        .has('control-plane'),
    ).toBe(true);
  });
});

describe('kubeadm profile on a 1+2 cluster with flannel vxlan', async () => {
  const { rows, skipped } = expandRules({ profile: await loadProfile('kubeadm'), nodes, cni: flannel, apiServerPort: 6443 });

  test('API server port comes from the cluster, checked from every other node', () => {
    expect(rowsMatching(rows, /:6443\//)).toEqual([
      "worker-1 → cp-1 10.0.0.10:6443/tcp must be open (Kubernetes API server, used by every node's kubelet and kube-proxy)",
      "worker-2 → cp-1 10.0.0.10:6443/tcp must be open (Kubernetes API server, used by every node's kubelet and kube-proxy)",
    ]);
  });

  test('kubelet open from the control plane; read-only kubelet and etcd-from-workers closed', () => {
    expect(rows.filter((r) => r.port === 10250).map((r) => `${r.from}→${r.to} ${r.expect}`)).toEqual(['cp-1→worker-1 open', 'cp-1→worker-2 open']);
    expect(rows.filter((r) => r.port === 10255).every((r) => r.expect === 'closed')).toBe(true);
    expect(rows.filter((r) => r.port === 10255)).toHaveLength(6);
    expect(rows.filter((r) => r.port === 2379).map((r) => `${r.from}→${r.to} ${r.expect}`)).toEqual(['worker-1→cp-1 closed', 'worker-2→cp-1 closed']);
  });

  test('NodePort range sampled (ends + inside) with the note on each row', () => {
    const tcpNodePorts = rows.filter((r) => r.from === 'cp-1' && r.to === 'worker-1' && r.protocol === 'tcp' && r.port >= 30000);
    expect(tcpNodePorts.map((r) => r.port)).toEqual([30000, 31383, 32767]);
    expect(tcpNodePorts[0]!.sampleNote).toBe('sampled 3 of 2768 ports of 30000-32767: both ends and 31383 inside');
  });

  test('the detected CNI port is checked between every pair, flagged kernel-owned', () => {
    const vxlan = rows.filter((r) => r.port === 8472);
    expect(vxlan).toHaveLength(6);
    expect(vxlan.every((r) => r.kernelOwned && r.protocol === 'udp' && r.why === 'CNI node-to-node traffic: flannel VXLAN backend')).toBe(true);
  });

  test('a row carries its reason, rule, sample note and how the verdict was obtained into the report', () => {
    const row = rows.find((r) => r.port === 32767 && r.protocol === 'tcp')!;
    expect(portRowProperties(row, { verdictSource: 'temporary-listener' })).toEqual({
      why: 'NodePort Services (TCP)',
      rule: row.rule,
      'expect.port': 'open',
      sample: 'sampled 3 of 2768 ports of 30000-32767: both ends and 31383 inside',
      verdictSource: 'temporary-listener',
      'verdictSource.meaning': 'the port was free: a temporary listener was started on the target host for this check',
    });
  });

  test('no node checks itself and nothing is skipped', () => {
    expect(rows.some((r) => r.from === r.to)).toBe(false);
    expect(skipped).toEqual([]);
    expect(rows[0]!.rule).toMatch(/^profiles\/kubeadm\.yaml:\d+$/);
  });
});

describe('rule selection', () => {
  const profile = parseProfile(
    `name: t
description: t
rules:
  - {from: any, to: worker, ports: "179", protocol: tcp, expect: open, when: calico, why: BGP}
  - {from: worker, to: etcd, ports: "2379", protocol: tcp, expect: closed, unless: etcd-datastore, why: etcd}
  - {from: worker, to: etcd, ports: "2379", protocol: tcp, expect: open, why: shadowed}
  - {from: any, to: any, ports: cni, expect: open, why: CNI}
`,
    { file: 't.yaml' },
  );

  test('when/unless follow the detected CNI and say why a rule was skipped', () => {
    const { rows, skipped } = expandRules({ profile, nodes, cni: flannel });
    expect(rows.some((r) => r.port === 179)).toBe(false);
    expect(skipped.map((s) => s.why)).toEqual(['needs calico; detected CNI: flannel/vxlan']);
    const withHint = expandRules({ profile, nodes, cni: [...flannel, { name: 'etcd-datastore', ports: [], why: 'stated' }] });
    expect(withHint.skipped.map((s) => s.why)).toContain('not applicable with etcd-datastore');
  });

  test('first rule wins when two cover the same row, as in a firewall', () => {
    const { rows } = expandRules({ profile, nodes, cni: flannel });
    expect(rows.filter((r) => r.port === 2379).map((r) => r.expect)).toEqual(['closed', 'closed']);
  });

  test('ports: cni with no CNI detected is skipped with a reason; apiserver without a port is an error', async () => {
    expect(expandRules({ profile, nodes, cni: [] }).skipped.map((s) => s.why)).toContain('no detected CNI needs node-to-node ports');
    await expect(async () => expandRules({ profile: await loadProfile('kubeadm'), nodes, cni: [] })).rejects.toThrow(/ports: apiserver" but the API server port is unknown/);
  });
});
