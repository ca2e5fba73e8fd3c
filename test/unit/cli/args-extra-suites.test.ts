import { describe, expect, test } from 'vitest';
import { parseCli } from '../../../helpers/cli/args.ts';

describe('flags of the nodeport and ports suites', () => {
  test('defaults: kubeadm profile, InternalIP addresses, CNI detected', () => {
    expect(parseCli([])).toMatchObject({ profile: 'kubeadm', nodeAddressType: 'InternalIP', cni: [] });
  });

  test('--profile takes a name or a file; --node-address-type ExternalIP; --cni repeatable or comma-separated', () => {
    expect(parseCli(['--profile', './my.yaml', '--node-address-type', 'ExternalIP', '--cni', 'flannel/vxlan,calico', '--cni', 'cilium'])).toMatchObject({
      profile: './my.yaml',
      nodeAddressType: 'ExternalIP',
      cni: ['flannel/vxlan', 'calico', 'cilium'],
    });
  });

  test('an unknown address type is a usage error naming the accepted ones', () => {
    expect(() => parseCli(['--node-address-type', 'Hostname'])).toThrow(/--node-address-type Hostname: expected InternalIP or ExternalIP/);
  });
});

describe('flags of the network-policy suite', () => {
  test('--policy-timeout: a duration for the cases, only with --network-policy, at least 1 s; unset leaves the suite its default', () => {
    expect(parseCli(['--network-policy', 'core'])).not.toHaveProperty('policyTimeoutMs');
    expect(parseCli(['--network-policy', 'core', '--policy-timeout', '8s'])).toMatchObject({ networkPolicy: 'core', policyTimeoutMs: 8000 });
    expect(() => parseCli(['--policy-timeout', '8s'])).toThrow(/--policy-timeout needs --network-policy core or full/);
    expect(() => parseCli(['--network-policy', 'full', '--policy-timeout', '500ms'])).toThrow(/--policy-timeout 500ms: at least 1s/);
  });
});
