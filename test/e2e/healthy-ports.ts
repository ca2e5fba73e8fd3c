// What a healthy run of the nodeport and ports suites must show on the lab, whichever run made it
// (a full default run of the detection test on every lab network):
// every row of both passes (skips only the lab's on-purpose ones), one NodePort row set per node,
// each ports verdict says how it was obtained, Local NodePorts saw the runner's own address, and
// the run printed the profile, the detected CNI with its evidence, and the API server port.
import { expect } from 'vitest';
import type { CheckResult } from '../../helpers/check/types.ts';
import { describeRow, type Row } from './cli-helpers.ts';
import { expectedHealthySkips, healthySkips } from './healthy-skips.ts';

/** How the run names the lab's CNI and what it read it from, per network (the lab states it, or flanneld's own annotations show it). */
const CNI_LINE: Record<string, RegExp> = {
  routed: /CNI: bridge: no extra node ports — stated: bridge/,
  vxlan: /CNI: vxlan: UDP 8472 — stated: vxlan/,
  bgp: /CNI: bgp: TCP 179 — stated: bgp/,
  'flannel-vxlan': /CNI: flannel \(vxlan\): UDP 8472 — node \S+ has annotation flannel\.alpha\.coreos\.com\/[a-z-]+; node \S+ annotation backend-type=vxlan/,
  'flannel-host-gw': /CNI: flannel \(host-gw\): no extra node ports — node \S+ has annotation flannel\.alpha\.coreos\.com\/[a-z-]+; node \S+ annotation backend-type=host-gw/,
};

export function expectHealthyNodePortsAndPorts(results: readonly (CheckResult | Row)[], stderr: string, lab: { network?: string; lb?: string; nodes: number; families?: number }): void {
  const ours = results.filter((x) => x.suite === 'nodeport' || x.suite === 'ports') as Row[];
  expect(ours.filter((x) => x.outcome !== 'passed' && x.outcome !== 'skipped').map(describeRow), 'nodeport and ports rows that did not pass').toEqual([]);
  // Skipped: at most the profile's CNI rule, on a network whose CNI needs no node-to-node ports.
  expect(healthySkips(ours)).toEqual(expectedHealthySkips(lab, ['nodeport', 'ports']));
  // nodeport: the reachability row + per node and IP family 2 Services × … (Cluster 3 NodePorts, Local 1) × TCP/UDP
  expect(ours.filter((x) => x.suite === 'nodeport' && x.outcome === 'passed')).toHaveLength(1 + lab.nodes * 8 * (lab.families ?? 1));
  const ports = ours.filter((x) => x.suite === 'ports' && x.outcome === 'passed');
  expect(ports.length).toBeGreaterThan(0);
  for (const x of ports) expect(x.properties?.verdictSource, x.name).toBeDefined();
  expect(stderr).toMatch(/ports: profile kubeadm .*CNI: /);
  expect(stderr).toMatch(CNI_LINE[lab.network ?? 'routed']!);
  expect(stderr).toMatch(/API server port: 6443/);
  const local = ours.filter((x) => x.suite === 'nodeport' && x.properties?.externalTrafficPolicy === 'Local' && x.expect === 'REACHABLE');
  expect(local.length).toBeGreaterThan(0);
  for (const x of local) expect(x.detail).toMatch(/saw the runner's own address/);
}
