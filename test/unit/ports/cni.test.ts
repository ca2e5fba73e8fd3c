import { describe, expect, test } from 'vitest';
import { describeCni, detectCni } from '../../../helpers/ports/cni.ts';

describe('CNI detection', () => {
  test('flannel from its node annotation, with the VXLAN port and why', () => {
    const cni = detectCni({
      nodeAnnotations: [{ node: 'worker-1', annotations: { 'flannel.alpha.coreos.com/backend-type': 'vxlan', 'flannel.alpha.coreos.com/public-ip': '10.0.0.11' } }],
    });
    expect(cni).toEqual([
      {
        name: 'flannel',
        backend: 'vxlan',
        ports: [{ port: 8472, protocol: 'udp', why: 'flannel VXLAN backend (Linux default VXLAN port)', kernelOwned: true }],
        why: 'node worker-1 has annotation flannel.alpha.coreos.com/backend-type; node worker-1 annotation backend-type=vxlan',
      },
    ]);
    expect(describeCni(cni[0]!)).toMatch(/^flannel \(vxlan\): UDP 8472 — /);
  });

  // What flanneld v0.28 (--kube-subnet-mgr) writes on each node, as seen on the lab.
  const flannelNode = (node: string, type: string, data: string) => ({
    node,
    annotations: {
      'flannel.alpha.coreos.com/backend-type': type,
      'flannel.alpha.coreos.com/backend-data': data,
      'flannel.alpha.coreos.com/backend-v6-data': 'null',
      'flannel.alpha.coreos.com/kube-subnet-manager': 'true',
      'flannel.alpha.coreos.com/public-ip': '172.28.0.11',
      'node.alpha.kubernetes.io/ttl': '0',
    },
  });

  test("flanneld's own vxlan annotations alone → flannel/vxlan, UDP 8472", () => {
    const cni = detectCni({ nodeAnnotations: [flannelNode('lab-worker-1', 'vxlan', '{"VNI":1,"VtepMAC":"1a:b9:3c:00:11:22"}')] });
    expect(cni).toEqual([expect.objectContaining({ name: 'flannel', backend: 'vxlan', ports: [expect.objectContaining({ port: 8472, protocol: 'udp', kernelOwned: true })] })]);
    expect(cni[0]!.why).toBe('node lab-worker-1 has annotation flannel.alpha.coreos.com/backend-type; node lab-worker-1 annotation backend-type=vxlan');
  });

  test("flanneld's own host-gw annotations alone → flannel/host-gw, no node-to-node port", () => {
    const cni = detectCni({ nodeAnnotations: [{ node: 'lab-control-plane', annotations: {} }, flannelNode('lab-worker-1', 'host-gw', 'null')] });
    expect(cni).toEqual([expect.objectContaining({ name: 'flannel', backend: 'host-gw', ports: [] })]);
    expect(describeCni(cni[0]!)).toMatch(/^flannel \(host-gw\): no extra node ports — .*backend-type=host-gw$/);
  });

  test('flannel udp backend from its DaemonSet and net-conf.json → UDP 8285', () => {
    const cni = detectCni({
      workloads: [{ namespace: 'kube-flannel', name: 'kube-flannel-ds', images: ['docker.io/flannel/flannel:v0.26.1', 'docker.io/flannel/flannel-cni-plugin:v1.5'] }],
      configMaps: [{ namespace: 'kube-flannel', name: 'kube-flannel-cfg', data: { 'net-conf.json': '{"Network":"10.244.0.0/16","Backend":{"Type":"udp"}}' } }],
    });
    expect(cni).toHaveLength(1);
    expect(cni[0]).toMatchObject({ name: 'flannel', backend: 'udp', ports: [{ port: 8285, protocol: 'udp' }] });
    expect(cni[0]!.why).toContain('kube-flannel/kube-flannel-ds runs image docker.io/flannel/flannel:v0.26.1');
  });

  test('flannel with no backend evidence assumes vxlan and says so', () => {
    const [flannel] = detectCni({ workloads: [{ namespace: 'kube-system', name: 'kube-flannel-ds', image: 'quay.io/coreos/flannel:v0.15.1' }] });
    expect(flannel).toMatchObject({ backend: 'vxlan', ports: [{ port: 8472 }] });
    expect(flannel!.why).toContain("backend not found, assuming flannel's default vxlan");
  });

  test('Calico (BGP) and Cilium from their DaemonSets', () => {
    const cni = detectCni({
      workloads: [
        { namespace: 'kube-system', name: 'calico-node', images: ['docker.io/calico/node:v3.29.0'], labels: { 'k8s-app': 'calico-node' } },
        { namespace: 'kube-system', name: 'cilium', images: ['quay.io/cilium/cilium:v1.16.4@sha256:abc'] },
        { namespace: 'kube-system', name: 'coredns', images: ['registry.k8s.io/coredns/coredns:v1.11.3'] },
      ],
    });
    expect(cni.map((c) => [c.name, c.ports.map((p) => `${p.protocol}/${p.port}`)])).toEqual([
      ['calico', ['tcp/179']],
      ['cilium', ['tcp/4240', 'udp/8472']],
    ]);
  });

  test('Calico in VXLAN mode needs UDP 4789, not BGP', () => {
    const cni = detectCni({ nodeAnnotations: [{ node: 'n1', annotations: { 'projectcalico.org/IPv4VXLANTunnelAddr': '10.244.1.0' } }] });
    expect(cni[0]).toMatchObject({ name: 'calico', backend: 'vxlan', ports: [{ port: 4789, protocol: 'udp' }] });
  });

  test('explicit hints and kube-system/netconform-cni win over detection', () => {
    const evidence = { nodeAnnotations: [{ node: 'n1', annotations: { 'flannel.alpha.coreos.com/backend-type': 'vxlan' } }] };
    expect(detectCni({ ...evidence, hints: ['flannel/host-gw'] })[0]).toMatchObject({ backend: 'host-gw', ports: [], why: 'stated: flannel/host-gw' });
    const fromConfigMap = detectCni({ ...evidence, configMaps: [{ namespace: 'kube-system', name: 'netconform-cni', data: { cni: 'flannel/udp' } }] });
    expect(fromConfigMap[0]).toMatchObject({ backend: 'udp', ports: [{ port: 8285 }] });
  });

  test('nothing recognisable → nothing detected (never a guess)', () => {
    expect(detectCni({ workloads: [{ namespace: 'kube-system', name: 'kube-proxy', images: ['registry.k8s.io/kube-proxy:v1.37.2'] }] })).toEqual([]);
  });
});
