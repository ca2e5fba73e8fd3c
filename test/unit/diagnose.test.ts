import { describe, expect, test } from 'vitest';
import { DIAGNOSIS_RULES, diagnose, withDiagnosis } from '../../helpers/diagnose.ts';
import type { DetectedCni } from '../../helpers/ports/cni.ts';
import { isNetwork, type NetworkResult as CheckResult, type StaticResult } from '../../helpers/check/types.ts';
import { nodePort, podToPod, podToService, ports, row, run } from './fixtures/results.ts';

const flannelVxlan: DetectedCni[] = [
  { name: 'flannel', backend: 'vxlan', ports: [{ port: 8472, protocol: 'udp', why: 'flannel VXLAN', kernelOwned: true }], why: 'test' },
];

type Row = Pick<CheckResult, 'from' | 'to' | 'payload' | 'port' | 'protocol'>;
const crossTouching = (node: string) => (r: Row) =>
  r.from.node !== r.to.node && (r.from.node === node || r.to.node === node) ? ('FILTERED' as const) : undefined;

function healthyRun() {
  return [...podToPod(), ...podToService(), ...nodePort(), ...ports()];
}

describe('diagnosis', () => {
  test('healthy run: no causes, no row diagnosis', () => {
    const { causes, results } = diagnose(healthyRun(), { cni: flannelVxlan });
    expect(causes).toEqual([]);
    expect(results.every((r) => r.diagnosis === undefined)).toBe(true);
  });

  test('cross-node pod traffic to/from one node fails, same-node passes → that node\'s pod route/overlay, naming UDP 8472', () => {
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

    const broken = diagnosed.filter(isNetwork).find((r) => r.suite === 'pod-to-pod' && r.from.node === 'worker-1' && r.to.node === 'worker-2')!;
    expect(broken.diagnosis).toEqual(['pod route/overlay of worker-2']);
    const service = diagnosed.find((r) => r.suite === 'pod-to-service' && r.outcome === 'failed')!;
    expect(service.diagnosis?.[0]).toContain('consistent with the pod network problem to and from worker-2');
  });

  test('only one pair broken → the pair is named, not a node', () => {
    const fault = (r: Row) =>
      (r.from.node === 'worker-1' && r.to.node === 'worker-2') || (r.from.node === 'worker-2' && r.to.node === 'worker-1') ? ('FILTERED' as const) : undefined;
    const { causes } = diagnose(podToPod({ fault }), { cni: flannelVxlan });
    expect(causes).toHaveLength(1);
    expect(causes[0]).toMatch(/^cross-node pod traffic between worker-1 and worker-2 fails \(8 checks\)/);
  });

  test('no CNI known → the overlay hint stays generic but still names the port to check', () => {
    const { causes } = diagnose(podToPod({ fault: crossTouching('cp-1') }));
    expect(causes[0]).toContain('if the cluster uses an overlay, check its port (UDP 8472 for VXLAN) between cp-1 and worker-1, worker-2');
  });

  test('pod IPs pass but ClusterIP fails from one node → kube-proxy on that node (its NodePorts too)', () => {
    const results = [
      ...podToPod(),
      ...podToService({ fault: (r) => (r.from.node === 'worker-1' ? 'FILTERED' : undefined) }),
      ...nodePort({ fault: (r) => (r.to.node === 'worker-1' ? 'FILTERED' : undefined) }),
    ];
    const { causes, results: diagnosed } = diagnose(results);
    expect(causes).toHaveLength(1);
    expect(causes[0]).toContain('pods on worker-1 reach pod IPs but not Service ClusterIPs (2 checks, e.g. 10.96.0.50:80/tcp), and NodePorts on worker-1 fail too: kube-proxy on worker-1');
    expect(causes[0]).not.toContain('firewall');
    const nodePortRow = diagnosed.find((r) => r.suite === 'nodeport' && r.outcome === 'failed')!;
    expect(nodePortRow.diagnosis).toEqual(['kube-proxy on worker-1 also serves its NodePorts']);
  });

  test('kube-proxy is not blamed when pod IPs fail from that node too', () => {
    const serviceProxy = DIAGNOSIS_RULES.find((r) => r.id === 'service-proxy')!;
    const all = [...podToPod({ fault: crossTouching('worker-1') }), ...podToService({ fault: (r) => (r.from.node === 'worker-1' ? 'FILTERED' : undefined) })];
    const open = all.filter((r) => r.suite === 'pod-to-service' && r.outcome === 'failed');
    expect(serviceProxy.find({ all, open, ctx: {} })).toEqual([]);
  });

  test('setup failures (NOT_RUN) are neither network nor control-path causes', () => {
    const setup: StaticResult = { kind: 'static', suite: 'pod-to-pod', name: 'setup worker-2/probe-a', status: 'not-run', node: 'worker-2', outcome: 'error', detail: 'ImagePullBackOff', reason: 'ImagePullBackOff' };
    expect(diagnose([...podToPod(), setup]).causes).toEqual([]);
  });

  test('NodePort fails on one node only → that node\'s firewall for the NodePort range', () => {
    const results = [...podToPod(), ...podToService(), ...nodePort({ fault: (r) => (r.to.node === 'worker-2' ? 'FILTERED' : undefined) })];
    const { causes } = diagnose(results);
    expect(causes).toEqual([
      "NodePort 30000/tcp, 31383/tcp, 32767/tcp fails on worker-2 only while other nodes answer: worker-2's firewall drops the NodePort range — open TCP and UDP over the whole NodePort range (default 30000-32767) on worker-2",
    ]);
  });

  test('only the top of the range fails → says only part of the range is open', () => {
    const results = [...podToService(), ...nodePort({ fault: (r) => (r.to.node === 'cp-1' && r.port === 32767 ? 'FILTERED' : undefined) })];
    const { causes } = diagnose(results);
    expect(causes[0]).toContain('NodePort 32767/tcp fails on cp-1 only while 30000/tcp, 31383/tcp on cp-1 works: only part of the NodePort range is open on cp-1');
  });

  test('externalTrafficPolicy: Local answered without an endpoint, or source IP rewritten → named as such', () => {
    const local = { externalTrafficPolicy: 'Local' };
    const results = [
      ...nodePort(),
      row({ suite: 'nodeport', from: { node: '', ip: '192.168.1.50', kind: 'runner' }, to: { node: 'cp-1', ip: '10.0.0.10', kind: 'nodeport' }, expect: 'CLOSED', observed: 'REACHABLE', outcome: 'failed', properties: local }),
      row({ suite: 'nodeport', from: { node: '', ip: '192.168.1.50', kind: 'runner' }, to: { node: 'worker-1', ip: '10.0.0.11', kind: 'nodeport' }, observed: 'WRONG_ANSWER', outcome: 'failed', detail: 'client IP seen 10.0.0.11, runner is 192.168.1.50', properties: local }),
    ];
    const { causes } = diagnose(results);
    expect(causes).toEqual([
      "cp-1 answered a NodePort with externalTrafficPolicy: Local although no endpoint runs there: the Service proxy on cp-1 ignores Local (check kube-proxy's version and mode there)",
      "NodePorts with externalTrafficPolicy: Local on worker-1 did not see the runner's own address (192.168.1.50): the source is rewritten on the way — a NAT or load balancer between the runner and the nodes, or masquerading on worker-1",
    ]);
  });

  test('small payloads pass, full-size fail → MTU, naming the node, and not a pod-route cause', () => {
    const fault = (r: Row) => (r.payload === 'full' && r.from.node !== r.to.node && (r.to.node === 'worker-2' || r.from.node === 'worker-2') ? ('FILTERED' as const) : undefined);
    // Service rows with full payloads fail too (some land on worker-2's backend); they must
    // not blur which node is named.
    const serviceFull = (r: Row) => (r.payload === 'full' && r.from.node !== 'worker-2' ? ('FILTERED' as const) : undefined);
    const { causes, results } = diagnose([...podToPod({ fault }), ...podToService({ fault: serviceFull })], { cni: flannelVxlan });
    expect(causes).toHaveLength(1);
    expect(causes[0]).toContain('small payloads pass but full-size ones fail (10 checks');
    expect(causes[0]).toContain('MTU mismatch on the path to and from worker-2');
    expect(results.find((r) => r.outcome === 'failed')!.diagnosis).toEqual(['full-size payload fails where small passes: MTU on the path to and from worker-2']);
  });

  test('everything to one node fails including 10250 → node down or node firewall, one cause only', () => {
    const toWorker2 = (r: Row) => (r.to.node === 'worker-2' && r.from.node !== 'worker-2' ? ('FILTERED' as const) : undefined);
    // A "must be closed" port to the dead node passes (nothing answers): it must not hide the pattern.
    const closed10255 = ports({ portList: [10255] }).map((r) => ({ ...r, expect: 'CLOSED' as const, observed: 'FILTERED' as const }));
    const results = [...podToPod({ fault: toWorker2 }), ...nodePort({ fault: toWorker2 }), ...ports({ fault: toWorker2 }), ...closed10255];
    const { causes } = diagnose(results, { cni: flannelVxlan });
    expect(causes).toHaveLength(1);
    expect(causes[0]).toMatch(/^everything to node worker-2 fails, including the kubelet port TCP 10250 — 13 checks from cp-1, the runner \(192\.168\.1\.50\), worker-1: worker-2 is down or its host firewall drops all inbound traffic/);
  });

  test('one port failing between nodes → that port on the target node, with who cannot reach it', () => {
    const results = [...podToPod(), ...ports({ portList: [10250, 10259], fault: (r) => (r.to.node === 'worker-2' && r.port === 10250 ? 'FILTERED' : undefined) })];
    const { causes } = diagnose(results);
    expect(causes).toEqual(["TCP 10250 on worker-2 is filtered from cp-1, worker-1, while other nodes accept it: open TCP 10250 on worker-2's firewall for traffic from those nodes"]);
  });

  test('a port that must be closed but answers → says firewall it', () => {
    const open10255 = ports({ portList: [10255] }).map((r) => ({ ...r, expect: 'CLOSED' as const, outcome: 'failed' as const, properties: { why: 'read-only kubelet API' } }));
    const { causes } = diagnose(open10255.filter((r) => r.to.node === 'cp-1'));
    expect(causes[0]).toBe('TCP 10255 on cp-1 is reachable from worker-1, worker-2 but must be closed (read-only kubelet API): firewall it on cp-1 or turn the service off');
  });

  test('CONTROL_ERROR rows → control path, not the network', () => {
    const results = [
      ...podToPod(),
      row({ from: { node: 'worker-1' }, observed: 'CONTROL_ERROR', outcome: 'error', detail: 'pod proxy: 503 Service Unavailable' }),
    ];
    const { causes, results: diagnosed } = diagnose(results);
    expect(causes).toHaveLength(1);
    expect(causes[0]).toContain('the runner could not control the probes on worker-1 (1 check not run): the control path (API server → pod proxy or kubelet exec on worker-1) failed, not the pod network');
    expect(diagnosed.at(-1)!.diagnosis).toEqual(['control path, not the network: could not drive the probe on worker-1']);
  });

  test('kubernetes Service fails from pods while other Services work → API server port', () => {
    const api = ['cp-1', 'worker-1'].map((node) =>
      row({ suite: 'pod-to-service', from: { node }, to: { node: '', ip: '10.96.0.1', kind: 'service' }, port: 443, observed: 'FILTERED', outcome: 'failed', properties: { service: 'kubernetes' } }),
    );
    const { causes } = diagnose([...podToPod(), ...podToService(), ...api]);
    expect(causes).toHaveLength(1);
    expect(causes[0]).toContain('pods on cp-1, worker-1 cannot reach the API server through the kubernetes Service 10.96.0.1:443 while other Services work');
  });

  test('a failure no rule explains is listed, not guessed at', () => {
    const odd = row({ suite: 'nodeport', from: { node: '', ip: '192.168.1.50', kind: 'runner' }, to: { node: 'cp-1', kind: 'nodeport' }, expect: 'CLOSED', observed: 'REACHABLE', outcome: 'failed', name: 'odd row' });
    const { causes } = diagnose([odd]);
    expect(causes).toEqual(['1 failing check matches no known pattern (e.g. odd row): read the detail of the failing rows']);
  });

  test('withDiagnosis fills the run-level list and keeps the rows\' order', () => {
    const r = run(podToPod({ fault: crossTouching('worker-2') }));
    const out = withDiagnosis(r, { cni: flannelVxlan });
    expect(out.diagnosis).toHaveLength(1);
    expect(out.results.map((x) => x.name)).toEqual(r.results.map((x) => x.name));
    expect(r.results.every((x) => x.diagnosis === undefined)).toBe(true); // input untouched
  });
});
