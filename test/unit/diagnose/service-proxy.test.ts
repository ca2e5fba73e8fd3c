import { describe, expect, test } from 'vitest';
import type { NetworkResult as CheckResult } from '../../../helpers/check/types.ts';
import { diagnose, viewOf } from '../../../helpers/diagnose/index.ts';
import { serviceProxy } from '../../../helpers/diagnose/service-proxy.ts';
import { clusterRun } from '../fixtures/cluster.ts';
import { NODES, nodePort, podToPod, podToService, row } from '../fixtures/results.ts';

type Row = Pick<CheckResult, 'from' | 'to' | 'payload' | 'port' | 'protocol'>;
const crossTouching = (node: string) => (r: Row) => (r.from.node !== r.to.node && (r.from.node === node || r.to.node === node) ? ('FILTERED' as const) : undefined);
/** pod-to-service toward the `kubernetes` Service (10.96.0.1:443) from probe-a on every node. */
function apiService(fault: (node: string) => boolean): CheckResult[] {
  return NODES.map((node) =>
    row({
      suite: 'pod-to-service',
      name: `${node}/probe-a → service kubernetes 10.96.0.1:443/tcp`,
      from: { node },
      to: { node: '', ip: '10.96.0.1', kind: 'service' },
      port: 443,
      properties: { service: 'kubernetes' },
      ...(fault(node) ? { observed: 'FILTERED' as const, outcome: 'failed' as const } : {}),
    }),
  );
}

const fromWorker1 = (r: Pick<CheckResult, 'from'>) => (r.from.node === 'worker-1' ? ('FILTERED' as const) : undefined);

describe('diagnosis: service-proxy', () => {
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
    const all = [...podToPod({ fault: crossTouching('worker-1') }), ...podToService({ fault: (r) => (r.from.node === 'worker-1' ? 'FILTERED' : undefined) })];
    const open = all.filter((r) => r.suite === 'pod-to-service' && r.outcome === 'failed');
    expect(serviceProxy.find(viewOf({ all, open }))).toEqual([]);
  });

  test('kubernetes Service fails from pods while other Services work → API server port', () => {
    const api = ['cp-1', 'worker-1'].map((node) =>
      row({ suite: 'pod-to-service', from: { node }, to: { node: '', ip: '10.96.0.1', kind: 'service' }, port: 443, observed: 'FILTERED', outcome: 'failed', properties: { service: 'kubernetes' } }),
    );
    const { causes } = diagnose([...podToPod(), ...podToService(), ...api]);
    expect(causes).toHaveLength(1);
    expect(causes[0]).toContain('pods on cp-1, worker-1 cannot reach the API server through the kubernetes Service 10.96.0.1:443 while other Services work');
  });

  test('every Service VIP from that node fails, the kubernetes Service included → kube-proxy there, one cause, no "other Services work"', () => {
    // The lab's kube-proxy-down pattern: pod IPs pass everywhere; from worker-1 the probe
    // Service and the kubernetes Service both fail; NodePorts on worker-1 are refused.
    const results = [
      ...podToPod(),
      ...podToService({ fault: fromWorker1 }),
      ...apiService((node) => node === 'worker-1'),
      ...nodePort({ fault: (r) => (r.to.node === 'worker-1' ? 'REFUSED' : undefined) }),
    ];
    const { causes, results: diagnosed } = diagnose(results);
    expect(causes).toHaveLength(1);
    expect(causes[0]).toMatch(/kube-proxy.*worker-1/);
    expect(causes[0]).toContain(
      'pods on worker-1 reach pod IPs but not Service ClusterIPs (3 checks, e.g. 10.96.0.50:80/tcp; the kubernetes Service 10.96.0.1:443 fails from there too), and NodePorts on worker-1 fail too',
    );
    expect(causes.some((c) => c.includes('other Services work'))).toBe(false);

    const api = diagnosed.find((r) => r.properties?.['service'] === 'kubernetes' && r.outcome === 'failed')!;
    expect(api.diagnosis).toEqual(['kube-proxy on worker-1: the kubernetes Service VIP fails like every other ClusterIP from worker-1']);
    expect(diagnosed.filter((r) => r.outcome === 'failed').every((r) => r.diagnosis?.some((d) => d.includes('kube-proxy on worker-1')))).toBe(true);
  });

  test('only the kubernetes Service fails from a node whose other Services work → still the API server port', () => {
    const results = [...podToPod(), ...podToService(), ...apiService((node) => node === 'worker-2')];
    const { causes } = diagnose(results);
    expect(causes).toEqual([expect.stringContaining('pods on worker-2 cannot reach the API server through the kubernetes Service 10.96.0.1:443 while other Services work')]);
  });

  test('"other Services work" is not claimed for a node where they fail too', () => {
    // Pod IPs fail from worker-1 as well, so it is not kube-proxy either; other Services work
    // elsewhere in the run, which must not be read as "from worker-1".
    const all = [
      ...podToPod({ fault: (r) => (r.from.node === 'worker-1' && r.to.node !== 'worker-1' ? 'FILTERED' : undefined) }),
      ...podToService({ fault: fromWorker1 }),
      ...apiService((node) => node === 'worker-1'),
    ];
    const open = all.filter((r) => r.suite === 'pod-to-service' && r.outcome === 'failed');
    expect(serviceProxy.find(viewOf({ all, open }))).toEqual([]);
  });
});

describe('diagnosis: service-proxy against the rest of the evidence (issue 22)', () => {
  const W1 = 'worker-1';
  const stale = (r: CheckResult) => (r.suite === 'nodeport' && r.to.node === W1) || (r.suite === 'hairpin' && r.from.node === W1);

  test("this run's Services fail from worker-1 while the kubernetes Service and DNS lookups work there → kube-proxy hung, not 'not running'", () => {
    const run = clusterRun({ row: (r) => (stale(r) ? 'FILTERED' : undefined), serviceTry: (r) => r.from.node !== W1 || r.suite !== 'pod-to-service' });
    const { causes, findings } = diagnose(run);
    expect(findings[0]!.rule).toBe('service-proxy');
    expect(causes[0]).toMatch(
      /Services that existed before this run \(cluster DNS, kubernetes\) still work from there, but every Service this run made fails from worker-1 .*kube-proxy on worker-1 has stopped programming new Services/,
    );
    expect(causes.join('\n')).not.toMatch(/hairpin is off|not running or its rules are missing/);
  });

  test('must NOT blame kube-proxy on worker-1 when some Service this run made answered from there', () => {
    // Only the tries to worker-2's backends fail from worker-1: the proxy there programs rules.
    const run = clusterRun({ serviceTry: (r, b) => !(r.from.node === W1 && b.endsWith('worker-2')) });
    const { causes } = diagnose(run);
    expect(causes.join('\n')).not.toMatch(/kube-proxy on worker-1/);
  });
});
