// Diagnosis of the paths of issue 12: each fault yields its own cause, told apart from the
// broader causes (pod network, kube-proxy) that break the same rows.
import { describe, expect, test } from 'vitest';
import { diagnose } from '../../../helpers/diagnose/index.ts';
import { isNetwork, type NetworkResult } from '../../../helpers/check/types.ts';
import { nodePort, podToPod, podToService, ports, row as resultRow } from '../fixtures/results.ts';
import { affinityRows, dnsRows, hairpinRows, observe, podToNode } from './fixtures.ts';

const healthy = () => [...podToPod(), ...podToService(), ...nodePort(), ...ports(), ...podToNode(), ...hairpinRows(), ...affinityRows()];

describe('diagnosis: pod-to-node', () => {
  test('healthy: nothing to say', () => {
    expect(diagnose(healthy()).causes).toEqual([]);
  });

  test("every pod fails to reach one node's address while pod-to-pod to it works → that node's INPUT firewall (the pod range only where another node's address is seen to pass)", () => {
    const results = [...podToPod(), ...podToService(), ...podToNode((r) => (r.to.node === 'worker-2' ? 'FILTERED' : undefined))];
    const { causes, results: diagnosed } = diagnose(results);
    expect(causes).toHaveLength(1);
    // No check from another node's address reached those ports: the run cannot tell a pod-range filter from a node firewall.
    expect(causes[0]).toMatch(
      /^pods cannot reach node addresses on worker-2 \(6 checks from pods on cp-1, worker-1, worker-2 to 10\.0\.0\.12, TCP 18080, UDP 18081\), while pod-to-pod traffic to worker-2's pods works: worker-2's INPUT firewall drops or rejects new connections to its own addresses on those ports, from the pod range at least/,
    );
    const hostsPass = [
      ...results,
      ...['cp-1', 'worker-1'].flatMap((node) =>
        (
          [
            ['tcp', 18080],
            ['udp', 18081],
          ] as const
        ).map(([protocol, port]) => resultRow({ suite: 'ports', from: { node, kind: 'host' }, to: { node: 'worker-2', kind: 'host', ip: '10.0.0.12' }, protocol, port })),
      ),
    ];
    expect(diagnose(hostsPass).causes[0]).toMatch(/worker-2 drops traffic from the pod range to its own addresses \(other nodes' addresses reach the same ports\)/);
    expect(causes[0]).toContain('INPUT');
    const row = diagnosed.filter(isNetwork).find((r) => r.suite === 'pod-to-node' && r.outcome === 'failed')!;
    expect(row.diagnosis).toEqual(["worker-2's firewall drops pod traffic to its own addresses"]);
  });

  test('only UDP fails → the protocol is named', () => {
    const { causes } = diagnose([...podToPod(), ...podToNode((r) => (r.to.node === 'worker-2' && r.protocol === 'udp' ? 'FILTERED' : undefined))]);
    expect(causes[0]).toMatch(/^pods cannot reach UDP to node addresses on worker-2/);
  });

  test('pod-to-pod between the nodes is broken too → the pod network, not a node firewall', () => {
    const cut = (r: NetworkResult) => ((r.from.node === 'worker-1' && r.to.node === 'worker-2') || (r.from.node === 'worker-2' && r.to.node === 'worker-1') ? ('FILTERED' as const) : undefined);
    const { causes } = diagnose([...podToPod({ fault: cut }), ...podToNode(cut)]);
    expect(causes[0]).toMatch(/^cross-node pod traffic between worker-1 and worker-2 fails/);
    expect(causes[1]).toMatch(/^pods cannot reach node addresses where the pod network itself is broken .*consistent with the pod-network cause/);
    expect(causes.join('\n')).not.toContain('INPUT');
  });

  test("pods of one node reach no node address while other pods do → that node's egress", () => {
    const { causes } = diagnose([...podToPod(), ...podToNode((r) => (r.from.node === 'worker-1' ? 'FILTERED' : undefined))]);
    expect(causes).toHaveLength(1);
    expect(causes[0]).toMatch(/^pods on worker-1 cannot reach any node address/);
  });
});

describe('diagnosis: hairpin and session affinity', () => {
  test('a pod cannot reach itself through its Service while other Services work from its node → hairpin, not kube-proxy; its self-picking Service tries are the same cause', () => {
    const results = [
      ...podToPod(),
      ...nodePort(),
      ...podToService({ fault: (r) => (r.from.node === 'worker-2' && r.payload === 'small' ? 'FILTERED' : undefined) }).map((r) =>
        r.from.node === 'worker-2' && r.payload === 'small' ? { ...r, properties: { ...r.properties, 'answered.by': 'probe-a-cp-1' } } : r,
      ),
      ...hairpinRows((r) => (r.from.node === 'worker-2' ? 'FILTERED' : undefined)),
      ...affinityRows((r) => (r.from.node === 'worker-2' && r.from.kind === 'pod' ? 'FILTERED' : undefined)),
    ];
    const { causes, results: diagnosed } = diagnose(results);
    expect(causes).toHaveLength(1);
    expect(causes[0]).toMatch(/^pods on worker-2 cannot reach themselves through their own Service \(2 checks, TCP, UDP\) while Services from worker-2 reach other backends: hairpin is off/);
    expect(causes[0]).not.toContain('kube-proxy');
    const svc = diagnosed.filter(isNetwork).find((r) => r.suite === 'pod-to-service' && r.outcome === 'failed')!;
    expect(svc.diagnosis?.[0]).toContain('picked the calling pod itself');
  });

  test('no Service works from the node at all → kube-proxy speaks, for the hairpin and affinity rows too (one cause, not hairpin)', () => {
    const down = (r: NetworkResult) => (r.from.node === 'worker-1' ? ('FILTERED' as const) : undefined);
    const results = [...podToPod(), ...podToService({ fault: down }), ...hairpinRows(down), ...affinityRows(down).map((r) => (down(r) ? { ...r, properties: { service: 'probes-affinity' } } : r))];
    const { causes, results: diagnosed } = diagnose(results);
    expect(causes).toEqual([expect.stringMatching(/kube-proxy on worker-1/)]);
    const collateral = diagnosed.filter((r) => (r.suite === 'hairpin' || r.suite === 'session-affinity') && r.outcome === 'failed');
    expect(collateral.length).toBeGreaterThan(0);
    expect(collateral.every((r) => r.diagnosis?.some((d) => /kube-proxy on worker-1/.test(d)))).toBe(true);
    expect(causes.join('\n')).not.toMatch(/hairpin is off/);
  });

  test('one client reaching several backends → session affinity ignored', () => {
    const spread = affinityRows().map((r) => (r.from.node === 'cp-1' ? observe(r, 'WRONG_ANSWER', { 'answered.by': 'probe-a-cp-1,probe-b-worker-1' }) : r));
    const { causes } = diagnose([...podToPod(), ...podToService(), ...spread]);
    expect(causes).toEqual([expect.stringMatching(/^sessionAffinity: ClientIP is not honoured from cp-1 \(4 checks/)]);
  });
});

describe('diagnosis: cluster DNS', () => {
  const base = () => [...podToPod(), ...podToService()];

  test('healthy: nothing to say', () => {
    expect(diagnose([...base(), ...dnsRows()]).causes).toEqual([]);
  });

  test('every lookup refused from every node → DNS down (no endpoints), one cause', () => {
    const { causes } = diagnose([...base(), ...dnsRows(() => ({ observed: 'REFUSED', result: 'REFUSED' }))]);
    expect(causes).toEqual([
      expect.stringMatching(/^cluster DNS answers no lookup from any node \(15 checks, REFUSED\) on 10\.96\.0\.10 \(refused or rejected: as kube-proxy does for a Service with no ready endpoints/),
    ]);
  });

  test("UDP lookups time out from one node's pods while TCP lookups there work → UDP 53 blocked on that node", () => {
    const { causes } = diagnose([
      ...base(),
      ...dnsRows((r) => (r.from.node === 'worker-2' && r.from.kind === 'pod' && r.properties?.['dns.transport'] === 'udp' ? { observed: 'FILTERED', result: 'TIMEOUT' } : undefined)),
    ]);
    expect(causes).toEqual([
      expect.stringMatching(/^DNS over UDP times out from pods on worker-2 \(2 checks\) while DNS over TCP from worker-2 works \(and worker-2's host network resolves\): UDP 53/),
    ]);
  });

  test('UDP lookups time out from a node whose cross-node pod traffic fails (a query may pick a DNS pod across the break) → the pod network, not UDP 53', () => {
    // Seen on the lab (bgp, cut-route worker-1 ↔ worker-2): one UDP lookup from worker-2 picked the
    // CoreDNS pod across the cut, its TCP lookup the other one.
    const cut = (r: NetworkResult) => ((r.from.node === 'worker-1' && r.to.node === 'worker-2') || (r.from.node === 'worker-2' && r.to.node === 'worker-1') ? ('FILTERED' as const) : undefined);
    const { causes } = diagnose([
      ...podToPod({ fault: cut }),
      ...podToService(),
      ...dnsRows((r) => (r.from.node === 'worker-2' && r.from.kind === 'pod' && r.properties?.['dns.transport'] === 'udp' ? { observed: 'FILTERED', result: 'TIMEOUT' } : undefined)),
    ]);
    expect(causes.join('\n')).not.toMatch(/UDP 53/);
    expect(causes).toContainEqual(expect.stringMatching(/^name lookups from worker-2 fail where worker-2's cross-node pod traffic fails too \(2 checks\)/));
  });

  test('every lookup from one node fails, others resolve → that node cannot reach the DNS Service; if no Service works there, the Service proxy', () => {
    const fromW1 = (r: NetworkResult) => (r.from.node === 'worker-1' ? { observed: 'FILTERED' as const, result: 'TIMEOUT' } : undefined);
    const { causes } = diagnose([...base(), ...dnsRows(fromW1)]);
    expect(causes).toEqual([expect.stringMatching(/^pods on worker-1 cannot reach the cluster DNS Service 10\.96\.0\.10 \(5 checks, DNS over TCP, UDP: TIMEOUT\) while other nodes resolve/)]);
    const proxyDown = diagnose([...podToPod(), ...podToService({ fault: (r) => (r.from.node === 'worker-1' ? 'FILTERED' : undefined) }), ...dnsRows(fromW1)]);
    // The DNS Service is a Service too: the kube-proxy cause names those lookups, no second cause line.
    expect(proxyDown.causes).toEqual([expect.stringMatching(/kube-proxy on worker-1/)]);
    expect(proxyDown.results.filter((r) => r.suite === 'dns' && r.outcome === 'failed').every((r) => r.diagnosis?.some((d) => /cluster DNS Service/.test(d)))).toBe(true);
  });

  test('a missing name gets SERVFAIL, an existing one NXDOMAIN → wrong DNS answers, not reachability', () => {
    const { causes } = diagnose([
      ...base(),
      ...dnsRows((r) => (r.properties?.['dns.what'] === 'nxdomain' ? { observed: 'WRONG_ANSWER', result: 'SERVFAIL' } : { observed: 'WRONG_ANSWER', result: 'NXDOMAIN' })),
    ]);
    expect(causes).toEqual([expect.stringMatching(/^names of existing Services get NXDOMAIN/), expect.stringMatching(/^a name that does not exist gets SERVFAIL instead of NXDOMAIN/)]);
  });
});

describe('diagnosis: service paths across a broken pod network', () => {
  test('an affinity client whose one backend is across a pod-network break: the pod-network cause, not unexplained', () => {
    const cut = (r: NetworkResult) => ((r.from.node === 'worker-1' && r.to.node === 'worker-2') || (r.from.node === 'worker-2' && r.to.node === 'worker-1') ? ('FILTERED' as const) : undefined);
    const affinity = affinityRows().map((r) =>
      r.from.node === 'worker-2' && r.from.kind === 'pod' && r.protocol === 'tcp' ? { ...observe(r, 'FILTERED'), properties: { service: 'probes-affinity' } } : r,
    );
    const { causes } = diagnose([...podToPod({ fault: cut }), ...affinity]);
    expect(causes[0]).toMatch(/^cross-node pod traffic between worker-1 and worker-2/);
    expect(causes[1]).toMatch(/^session-affinity requests from worker-2 got no answer \(1 check\) where the pod network is broken/);
    expect(causes.join('\n')).not.toMatch(/no known pattern/);
  });
});
