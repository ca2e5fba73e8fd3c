import { describe, expect, test } from 'vitest';
import type { DetectedCni } from '../../../helpers/ports/cni.ts';
import type { NetworkResult as CheckResult } from '../../../helpers/check/types.ts';
import { diagnose } from '../../../helpers/diagnose/index.ts';
import { clusterRun } from '../fixtures/cluster.ts';
import { nodePort, podToPod, podToService, ports } from '../fixtures/results.ts';

const flannelVxlan: DetectedCni[] = [{ name: 'flannel', backend: 'vxlan', ports: [{ port: 8472, protocol: 'udp', why: 'flannel VXLAN', kernelOwned: true }], why: 'test' }];
type Row = Pick<CheckResult, 'from' | 'to' | 'payload' | 'port' | 'protocol'>;
const crossTouching = (node: string) => (r: Row) => (r.from.node !== r.to.node && (r.from.node === node || r.to.node === node) ? ('FILTERED' as const) : undefined);

describe('diagnosis: pod-network', () => {
  test("cross-node pod traffic to/from one node fails, same-node passes → that node's pod route/overlay, naming UDP 8472", () => {
    const results = [
      ...podToPod({ fault: crossTouching('worker-2') }),
      // Services from worker-2 fail too (backends elsewhere unreachable); that is the same fault.
      ...podToService({ fault: (r) => (r.from.node === 'worker-2' ? 'FILTERED' : undefined) }),
      ...nodePort(),
      ...ports(),
    ];
    const { causes, results: diagnosed } = diagnose(results, { cni: flannelVxlan });
    expect(causes).toHaveLength(1);
    expect(causes[0]).toContain('cross-node pod traffic to and from worker-2 (peers: cp-1, worker-1) fails (16 checks) while same-node traffic on worker-2 works');
    expect(causes[0]).toContain("worker-2's pod route or overlay");
    expect(causes[0]).toContain('flannel (vxlan) needs UDP 8472: check that it is open between worker-2 and cp-1, worker-1 in both directions');
    expect(causes[0]).not.toContain('kube-proxy');

    const broken = diagnosed.find((r) => r.suite === 'pod-to-pod' && r.from.node === 'worker-1' && r.to.node === 'worker-2')!;
    expect(broken.diagnosis).toEqual(['pod route/overlay of worker-2']);
    const service = diagnosed.find((r) => r.suite === 'pod-to-service' && r.outcome === 'failed')!;
    expect(service.diagnosis?.[0]).toContain('consistent with the pod network problem to and from worker-2');
  });

  test('only one pair broken → the pair is named, not a node', () => {
    const fault = (r: Row) => ((r.from.node === 'worker-1' && r.to.node === 'worker-2') || (r.from.node === 'worker-2' && r.to.node === 'worker-1') ? ('FILTERED' as const) : undefined);
    const { causes } = diagnose(podToPod({ fault }), { cni: flannelVxlan });
    expect(causes).toHaveLength(1);
    expect(causes[0]).toMatch(/^cross-node pod traffic between worker-1 and worker-2 fails \(8 checks\)/);
  });

  test("one pair broken with the overlay's port filtered into one end from the other, one way → that firewall first, the pair's line defers to it; both ways → no firewall alone", () => {
    const fault = (r: Row) => ((r.from.node === 'worker-1' && r.to.node === 'worker-2') || (r.from.node === 'worker-2' && r.to.node === 'worker-1') ? ('FILTERED' as const) : undefined);
    // UDP 8472 judged from the overlay's own traffic, as suites/ports.ts records a kernel-owned port.
    const vxlan = (filtered: (r: Row) => boolean) =>
      ports({ portList: [8472], fault: (r) => (filtered(r) ? 'FILTERED' : undefined) }).map((r) => ({ ...r, protocol: 'udp' as const, properties: { verdictSource: 'path-traffic' } }));
    const oneWay = diagnose([...podToPod({ fault }), ...vxlan((r) => r.from.node === 'worker-1' && r.to.node === 'worker-2')], { cni: flannelVxlan }).causes;
    expect(oneWay).toEqual([
      "UDP 8472 on worker-2 is filtered from worker-1, while other nodes accept it: open UDP 8472 on worker-2's firewall for traffic from those nodes",
      'cross-node pod traffic between worker-1 and worker-2 fails (8 checks) while same-node traffic on worker-1 works: it crosses the overlay, whose port UDP 8472 is filtered into worker-2 from worker-1 — the overlay-port-firewall cause explains it',
    ]);
    const bothWays = diagnose([...podToPod({ fault }), ...vxlan((r) => fault(r) !== undefined)], { cni: flannelVxlan }).causes;
    expect(bothWays[0]).toMatch(/^cross-node pod traffic between worker-1 and worker-2 fails \(8 checks\) .*: the pod route or overlay between worker-1 and worker-2 — /);
    expect(bothWays.join('\n')).not.toMatch(/overlay-port-firewall|firewall for traffic/);
  });

  test("the overlay's port filtered into a node, but its rows explained by an earlier rule (one-family): pod-network does not defer to an overlay-port-firewall line the run does not have", () => {
    // A dual-stack run: worker-2's host has both families, its pods IPv4 only (no IPv6 pod CIDR on
    // worker-2), so its pod rows have no IPv6 twins, while its host's UDP 8472 rows have. IPv4 UDP
    // 8472 is filtered into worker-2 (an iptables rule; ip6tables lets it in): one-family names that
    // port for IPv4 and explains its rows, before overlay-port-firewall would; worker-2's IPv4 pod
    // rows, with no twin to compare, are left to pod-network. (The only earlier rule that can take
    // the port's rows and leave the pod rows: node-down and intermittent-loss take a node's or a
    // pair's pod rows with them. The round-trip driver judges each family's 8472 rows from that
    // family's pod traffic, so a run can give the two families different verdicts, as here.)
    const vxlan = (rows: CheckResult[]) => rows.map((r) => ({ ...r, protocol: 'udp' as const, properties: { verdictSource: 'path-traffic' } }));
    const ipv6 = (r: CheckResult): CheckResult => ({ ...r, family: 'ipv6', from: { ...r.from, family: 'ipv6', ip: `fd00::${r.from.ip}` }, to: { ...r.to, family: 'ipv6', ip: `fd00::${r.to.ip}` } });
    const results = [
      ...podToPod({ fault: crossTouching('worker-2') }),
      ...vxlan(ports({ portList: [8472], fault: (r) => (r.to.node === 'worker-2' ? 'FILTERED' : undefined) })),
      ...[...podToPod({ nodes: ['cp-1', 'worker-1'] }), ...vxlan(ports({ portList: [8472] }))].map(ipv6),
    ];
    const { causes, findings } = diagnose(results, { cni: flannelVxlan });
    expect(findings.map((f) => f.rule)).toEqual(['one-family', 'pod-network']);
    expect(causes[0]).toBe('IPv4 UDP 8472 on worker-2 is filtered from cp-1, worker-1 (2 checks) while IPv6 to it works: the IPv4 firewall on worker-2 (iptables / nft ip) differs from the IPv6 one');
    expect(causes.join('\n')).not.toContain('overlay-port-firewall');
    expect(causes[1]).toMatch(
      /^cross-node pod traffic to and from worker-2 \(peers: cp-1, worker-1\) fails \(16 checks\) while same-node traffic on worker-2 works: worker-2's pod route or overlay — /,
    );
    expect(causes[1]).toContain('flannel (vxlan) needs UDP 8472: check that it is open between worker-2 and cp-1, worker-1 in both directions');
  });

  test('no CNI known → the overlay hint stays generic but still names the port to check', () => {
    const { causes } = diagnose(podToPod({ fault: crossTouching('cp-1') }));
    expect(causes[0]).toContain('if the cluster uses an overlay, check its port (UDP 8472 for VXLAN) between cp-1 and worker-1, worker-2');
  });
});

describe('pod-network: host-network and pod sources are different evidence (issue 22)', () => {
  const W2 = 'worker-2';
  const forwarded = (r: { suite: string; from: { node: string; kind: string }; to: { node: string; kind: string } }) =>
    r.suite === 'pod-to-pod' && ((r.from.node === W2 && r.from.kind === 'pod' && r.to.node !== W2) || (r.to.node === W2 && r.to.kind === 'pod' && r.from.node !== W2));

  test("worker-2's pods fail across nodes while worker-2's own host network reaches the same pods → it does not forward, not 'its pod route or overlay'", () => {
    const run = clusterRun({ row: (r) => (forwarded(r) ? 'FILTERED' : undefined) });
    const { causes, findings } = diagnose(run);
    expect(findings[0]!.rule).toBe('pod-network');
    expect(causes[0]).toMatch(/worker-2's own host network reaches the same pods .*worker-2 does not forward its pods' traffic/);
    expect(causes[0]).not.toMatch(/pod route or overlay/);
  });

  test("the forwarding reading must NOT be given when worker-2's host network fails to the same pods too (then it is its route or overlay)", () => {
    const run = clusterRun({ row: (r) => (forwarded(r) || (r.suite === 'pod-to-pod' && r.from.node === W2 && r.from.kind === 'host' && r.to.node !== W2) ? 'FILTERED' : undefined) });
    const { causes } = diagnose(run);
    expect(causes[0]).toMatch(/worker-2's pod route or overlay/);
    expect(causes.join('\n')).not.toMatch(/does not forward/);
  });
});
