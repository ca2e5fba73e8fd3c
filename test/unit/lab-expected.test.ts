// requireLab's decision (test/tools/lab-expected.ts): a lab test runs on a lab in its mode, skips
// without one when no lab was expected, and FAILS with `lab status`'s words when the step expected one.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { decide, kubernetesBinDir, parseStatus, requireMachine } from '../tools/lab-expected.ts';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');
// `lab status` first lines as lab/lib/up.sh prints them.
const ROUTED = 'lab: up, 3 nodes, routed pod network, kube-proxy iptables mode, kubeconfig /var/lib/kube-netconform-lab/pki/admin.kubeconfig\n  lab-control-plane 172.28.0.10 …';
const VXLAN_NFT = 'lab: up, 3 nodes, vxlan pod network, kube-proxy nftables mode, kubeconfig /k';
const DUAL_LB = 'lab: up, 3 nodes, routed pod network, kube-proxy iptables mode, ip family dual, LoadBalancer metallb, kubeconfig /k';
const NETPOL = 'lab: up, 3 nodes, routed pod network, kube-proxy iptables mode, NetworkPolicy kube-router, kubeconfig /k';
const EXPECTED = { LAB_EXPECTED: '1' };

describe('lab status read as a mode', () => {
  test('network, kube-proxy mode, IP family, LoadBalancer and NetworkPolicy, with the defaults the line leaves out', () => {
    expect(parseStatus(ROUTED)).toEqual({ network: 'routed', proxyMode: 'iptables', ipFamily: 'ipv4', lb: 'none', netpol: 'none' });
    expect(parseStatus(VXLAN_NFT)).toMatchObject({ network: 'vxlan', proxyMode: 'nftables' });
    expect(parseStatus(DUAL_LB)).toMatchObject({ ipFamily: 'dual', lb: 'metallb', netpol: 'none' });
    expect(parseStatus(NETPOL)).toMatchObject({ netpol: 'kube-router', lb: 'none' });
  });

  test('anything but a first line starting "lab: up" is no lab', () => {
    expect(parseStatus('lab: down')).toBeUndefined();
    expect(parseStatus('cluster: up, 3 nodes')).toBeUndefined();
    expect(parseStatus('')).toBeUndefined();
  });
});

describe('run, skip or fail', () => {
  test('a lab in the mode the step and the file ask for: run', () => {
    expect(decide({ env: EXPECTED, status: { text: ROUTED } })).toEqual({ run: true });
    expect(decide({ env: { ...EXPECTED, LAB_NETWORK: 'vxlan', LAB_PROXY_MODE: 'nftables' }, status: { text: VXLAN_NFT } })).toEqual({ run: true });
    expect(decide({ env: { ...EXPECTED, LAB_IP_FAMILY: 'dual', LAB_LB: 'metallb' }, fileMode: { lb: 'metallb' }, status: { text: DUAL_LB } })).toEqual({ run: true });
    expect(decide({ env: { ...EXPECTED, LAB_NETPOL: 'kube-router' }, fileMode: { netpol: 'kube-router' }, status: { text: NETPOL } })).toEqual({ run: true });
  });

  test('no lab expected: a lab that is down, or in another mode than the file needs, skips; any lab serves a file that needs none in particular', () => {
    expect(decide({ env: {}, status: { text: 'lab: down' } })).toMatchObject({ run: false, fail: false });
    expect(decide({ env: {}, fileMode: { ipFamily: 'ipv6' }, status: { text: ROUTED } })).toMatchObject({ run: false, fail: false });
    expect(decide({ env: {}, status: { text: DUAL_LB } })).toEqual({ run: true });
  });

  test('expected and down: fails, naming the mode and what lab status said', () => {
    expect(decide({ env: EXPECTED, status: { text: 'lab: down\n' } })).toEqual({
      run: false,
      fail: true,
      reason: 'the lab was expected (routed, kube-proxy iptables, ipv4, no LoadBalancer, no NetworkPolicy) but `npm run lab -- status` said: lab: down',
    });
  });

  test('expected, and lab status broken (it fails, or its wording changed): fails with its output', () => {
    const failed = decide({ env: EXPECTED, status: { error: 'exit 1: lab.sh: line 3: syntax error' } });
    expect(failed).toMatchObject({ run: false, fail: true });
    expect(failed.run || failed.reason).toMatch(/said: \(it failed\) exit 1: lab\.sh: line 3: syntax error$/);
    const reworded = decide({ env: EXPECTED, status: { text: 'Lab is running (3 nodes, routed)' } });
    expect(reworded.run || reworded.reason).toMatch(/said: Lab is running \(3 nodes, routed\)$/);
  });

  test("expected in another mode (the step's or the file's): fails, naming each difference", () => {
    const proxy = decide({ env: { ...EXPECTED, LAB_NETWORK: 'vxlan', LAB_PROXY_MODE: 'nftables' }, status: { text: ROUTED } });
    expect(proxy.run || proxy.reason).toMatch(/\(LAB_NETWORK=vxlan but the lab has routed; LAB_PROXY_MODE=nftables but the lab has iptables\)$/);
    // An ipv6-only file selected by the routed step (it should not have been): a failure, not a skip.
    const file = decide({ env: EXPECTED, fileMode: { ipFamily: 'ipv6' }, status: { text: ROUTED } });
    expect(file).toMatchObject({ run: false, fail: true });
    expect(file.run || file.reason).toMatch(/^the lab was expected \(routed, kube-proxy iptables, ipv6, no LoadBalancer, no NetworkPolicy\) .* \(LAB_IP_FAMILY=ipv6 but the lab has ipv4\)$/);
    // Unset LAB_* under LAB_EXPECTED mean lab up's defaults: a MetalLB lab is not the plain one.
    expect(decide({ env: EXPECTED, status: { text: DUAL_LB } })).toMatchObject({ run: false, fail: true });
    expect(decide({ env: EXPECTED, status: { text: NETPOL } })).toMatchObject({ run: false, fail: true });
  });
});

describe('requireMachine', () => {
  test('present: true; missing: false, or thrown under LAB_EXPECTED or CI', () => {
    expect(requireMachine('chromium', true, EXPECTED)).toBe(true);
    expect(requireMachine('chromium', false, {})).toBe(false);
    expect(requireMachine('chromium', false, { CI: 'false' })).toBe(false);
    expect(() => requireMachine('chromium (/usr/bin/chromium)', false, EXPECTED)).toThrow('chromium (/usr/bin/chromium) is missing, and this step expected it');
    expect(() => requireMachine('chromium', false, { CI: 'true' })).toThrow(/is missing/);
  });
});

test("the lab's Kubernetes binaries are where lab/lib/common.sh puts them for lab/versions.env's version", () => {
  const fromLab = (env: Record<string, string>) =>
    execFileSync('bash', ['--norc', '-c', 'set -a; source lab/versions.env; source lab/lib/common.sh; kubernetes_bin_dir'], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH, ...env },
      encoding: 'utf8',
    }).trim();
  expect(kubernetesBinDir({})).toBe(fromLab({}));
  expect(kubernetesBinDir({ LAB_CACHE: '/tmp/other-cache' })).toBe(fromLab({ LAB_CACHE: '/tmp/other-cache' }));
  expect(kubernetesBinDir({})).toMatch(/\/bin\/kubernetes-v\d+\.\d+\.\d+$/);
});
