import { describe, expect, test } from 'vitest';
import { describeCni, detectCni } from '../../../helpers/ports/cni.ts';

const stated = (cni: string) => ({ configMaps: [{ namespace: 'kube-system', name: 'netconform-cni', data: { cni } }] });

describe('a pod network stated in kube-system/netconform-cni', () => {
  test('cni: bgp → TCP 179 between nodes (pod routes distributed by BGP), saying it was stated', () => {
    const [cni] = detectCni(stated('bgp'));
    expect(cni).toMatchObject({ name: 'bgp', ports: [{ port: 179, protocol: 'tcp' }], why: 'stated: bgp' });
    expect(cni!.ports[0]!.kernelOwned).toBeUndefined();
    expect(describeCni(cni!)).toMatch(/^bgp: TCP 179 — stated: bgp$/);
  });

  test('cni: vxlan → UDP 8472, kernel-owned (judged from the pod traffic it carries)', () => {
    expect(detectCni(stated('vxlan'))).toEqual([expect.objectContaining({ name: 'vxlan', ports: [expect.objectContaining({ port: 8472, protocol: 'udp', kernelOwned: true })] })]);
  });

  test('cni: bridge → no node-to-node port', () => {
    expect(detectCni(stated('bridge'))).toEqual([{ name: 'bridge', ports: [], why: 'stated: bridge' }]);
  });

  test('an explicit --cni hint wins over the ConfigMap for the same name; both are kept otherwise', () => {
    expect(detectCni({ ...stated('flannel/vxlan'), hints: ['flannel/udp'] })).toEqual([expect.objectContaining({ name: 'flannel', backend: 'udp' })]);
    expect(detectCni({ ...stated('bgp'), hints: ['vxlan'] }).map((c) => c.name)).toEqual(['bgp', 'vxlan']);
  });

  test('no other ConfigMap states a network (a cluster-specific marker is not evidence)', () => {
    expect(detectCni({ configMaps: [{ namespace: 'kube-system', name: 'kube-netconform-lab', data: { network: 'vxlan' } }] })).toEqual([]);
  });
});
