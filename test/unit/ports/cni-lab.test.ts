import { describe, expect, test } from 'vitest';
import { detectCni } from '../../../helpers/ports/cni.ts';

const lab = (network: string) => ({ configMaps: [{ namespace: 'kube-system', name: 'kube-netconform-lab', data: { network, nodes: '3' } }] });

describe("CNI detection understands the lab's ConfigMap", () => {
  test('network: vxlan → flannel-style VXLAN on UDP 8472 (kernel-owned), saying where it was read', () => {
    const [cni] = detectCni(lab('vxlan'));
    expect(cni).toMatchObject({ name: 'flannel', backend: 'vxlan', ports: [{ port: 8472, protocol: 'udp', kernelOwned: true }] });
    expect(cni!.why).toContain('kube-system/kube-netconform-lab says network=vxlan');
  });

  test('network: routed → no overlay port', () => {
    expect(detectCni(lab('routed'))).toEqual([expect.objectContaining({ name: 'routed', ports: [] })]);
  });

  test('an explicit hint wins over the lab ConfigMap', () => {
    expect(detectCni({ ...lab('vxlan'), hints: ['flannel/udp'] })).toEqual([expect.objectContaining({ name: 'flannel', backend: 'udp' })]);
  });
});
