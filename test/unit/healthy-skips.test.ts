// The e2e tests' list of what a healthy lab run may skip (test/e2e/healthy-skips.ts): its two
// on-purpose skips are recognised by their reasons, anything else is named whole, and a run that
// skips more (or less) than the lab explains does not compare equal.
import { describe, expect, test } from 'vitest';
import { notWaitingReason } from '../../suites/loadbalancer.ts';
import { expectedHealthySkips, healthySkips } from '../e2e/healthy-skips.ts';

const lbSkip = (protocol: string) => ({
  suite: 'loadbalancer',
  name: `runner → service/netconform-lb LoadBalancer ingress 80/${protocol}`,
  outcome: 'skipped',
  // The product's own words for it.
  reason: notWaitingReason('netconform-lb'),
});
const cniRule = { suite: 'ports', name: 'rule kubeadm.yaml:77: any → any cni must be open (CNI)', outcome: 'skipped', reason: 'not applicable here: no detected CNI needs node-to-node ports' };
const passed = { suite: 'pod-to-pod', name: 'a → b', outcome: 'passed' };

describe('healthy-lab skips', () => {
  test('routed lab without a LoadBalancer: the CNI rule and both loadbalancer rows, nothing else', () => {
    const rows = [passed, cniRule, lbSkip('tcp'), lbSkip('udp')];
    expect(healthySkips(rows)).toEqual(expectedHealthySkips({ network: 'routed' }));
    expect(expectedHealthySkips({ network: 'routed' })).toEqual(['noCniPorts', 'noLoadBalancer', 'noLoadBalancer']);
  });

  test('a skip the lab does not explain is named whole and fails the comparison', () => {
    const extra = { suite: 'pod-to-external', name: 'lab-worker-2/probe-a → runner', outcome: 'skipped', reason: "lab-worker-2's host network does not reach the runner" };
    const got = healthySkips([cniRule, lbSkip('tcp'), lbSkip('udp'), extra]);
    expect(got).toContain("pod-to-external lab-worker-2/probe-a → runner: lab-worker-2's host network does not reach the runner");
    expect(got).not.toEqual(expectedHealthySkips({ network: 'routed' }));
  });

  test('where the CNI has node ports (vxlan, bgp) the CNI rule applies, and with MetalLB nothing of loadbalancer is skipped', () => {
    expect(expectedHealthySkips({ network: 'vxlan' })).toEqual(['noLoadBalancer', 'noLoadBalancer']);
    expect(expectedHealthySkips({ network: 'bgp', lb: 'metallb' })).toEqual([]);
    expect(healthySkips([cniRule, lbSkip('tcp'), lbSkip('udp')])).not.toEqual(expectedHealthySkips({ network: 'vxlan' }));
  });

  test('restricted to the suites a run selected', () => {
    expect(expectedHealthySkips({ network: 'flannel-host-gw' }, ['nodeport', 'ports'])).toEqual(['noCniPorts']);
  });
});
