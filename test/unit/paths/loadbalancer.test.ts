// loadbalancer: its rows with an ingress address (the runner dials it, TCP and UDP, several
// requests, every answer a backend), the skipped rows without one (the reason, never a failure),
// which ingress addresses the runner may dial (network safety), and the diagnosis that blames the
// LoadBalancer implementation when the NodePorts of the same nodes answer.
import { describe, expect, test } from 'vitest';
import { samplesOf } from '../../../helpers/check/run.ts';
import type { NetworkCheck, NetworkResult, StaticCheck } from '../../../helpers/check/types.ts';
import { diagnose } from '../../../helpers/diagnose/index.ts';
import suite, { LB_TRIES, MIN_WAIT_MS, ingressDeadline, noIngressReason, pickTarget, type LoadBalancerPlan } from '../../../suites/loadbalancer.ts';
import { parseCli } from '../../../helpers/cli/args.ts';
import { fixtureTopology } from '../topology-fixture.ts';
import { row } from '../fixtures/results.ts';

const topology = fixtureTopology();
const base: LoadBalancerPlan = { service: 'probes-lb', port: 80, addressType: 'InternalIP', nodeAddresses: ['172.28.0.10', '172.28.0.11', '172.28.0.12'] };
const withIngress: LoadBalancerPlan = { ...base, createdAt: 1, ingress: [{ ip: '172.28.0.240' }], target: '172.28.0.240', runnerIP: '172.28.0.1' };
const NO_LB = noIngressReason('probes-lb', 4_260);
const backends = topology.probes.filter((p) => p.role !== 'host').map((p) => p.name);

describe('loadbalancer rows', () => {
  test('with an ingress address: the runner dials it over TCP and UDP, several requests, each answer must be a backend pod', () => {
    const rows = suite.checks(topology, withIngress, {});
    expect(rows.map((r) => r.title)).toEqual(['runner → service/probes-lb LoadBalancer ingress 80/tcp', 'runner → service/probes-lb LoadBalancer ingress 80/udp']);
    for (const r of rows as NetworkCheck[]) {
      expect(r.kind).toBe('network');
      expect(r.from).toMatchObject({ kind: 'runner', ip: '172.28.0.1' });
      expect(r.to).toMatchObject({ kind: 'service', ip: '172.28.0.240', service: 'probes-lb' });
      expect(r.answer).toEqual({ kind: 'hostname', expected: backends });
      expect(r.drive).toEqual({ via: 'outside', target: { host: '172.28.0.240', port: 80 }, timeoutMs: 3000, tries: LB_TRIES });
      expect(r.expect).toBe('REACHABLE');
      expect(samplesOf(r)).toBe(LB_TRIES);
      expect(samplesOf(r, 20)).toBe(20);
    }
  });

  test('without an ingress address in the wait: both rows are skipped with that reason, never failed or not-run', () => {
    const rows = suite.checks(topology, { ...base, createdAt: 1, ingress: [], skip: NO_LB }, {}) as StaticCheck[];
    expect(rows).toHaveLength(2);
    for (const r of rows) expect(r).toMatchObject({ kind: 'static', status: 'skipped', reason: NO_LB });
  });

  test('list (prepare only) and run give the same titles: no address in them', () => {
    const listed = suite.checks(topology, base, {}).map((r) => r.title);
    expect(suite.checks(topology, withIngress, {}).map((r) => r.title)).toEqual(listed);
    expect(suite.checks(topology, { ...base, skip: NO_LB }, {}).map((r) => r.title)).toEqual(listed);
  });

  test('the Service could not be created: the rows are not run, with the error', () => {
    const rows = suite.checks(topology, { ...base, problem: 'service/probes-lb (type LoadBalancer) could not be created: forbidden' }, {}) as StaticCheck[];
    expect(rows.map((r) => r.status)).toEqual(['not-run', 'not-run']);
    expect(rows[0]!.reason).toMatch(/forbidden/);
  });
});

describe('the bounded wait for status.loadBalancer.ingress', () => {
  test("default (--lb-timeout 0): a few seconds from the Service's creation; probes slower than that cost nothing more", () => {
    expect(ingressDeadline({ createdAt: 1_000, settledAt: 2_000, lbTimeoutMs: 0 })).toBe(1_000 + MIN_WAIT_MS);
    expect(ingressDeadline({ createdAt: 1_000, settledAt: 9_000, lbTimeoutMs: 0 })).toBe(9_000);
    expect(MIN_WAIT_MS).toBeLessThanOrEqual(5_000);
  });
  test("--lb-timeout counts from the Service's creation and wins when later", () => {
    expect(ingressDeadline({ createdAt: 1_000, settledAt: 5_000, lbTimeoutMs: 120_000 })).toBe(121_000);
    expect(ingressDeadline({ createdAt: 1_000, settledAt: 3_000, lbTimeoutMs: 3_000 })).toBe(1_000 + MIN_WAIT_MS);
  });
  test('the skip reason says how long it waited and names the flag', () => {
    expect(NO_LB).toBe(
      'no LoadBalancer implementation assigned an address to service/probes-lb within 4.3 s of its creation (--lb-timeout waits longer, e.g. --lb-timeout 2m: cloud load balancers take 30-90 s)',
    );
  });
  test('--lb-timeout parses as a duration; 0 and absent mean no extra wait', () => {
    expect(parseCli(['run', '--lb-timeout', '2m']).lbTimeoutMs).toBe(120_000);
    expect(parseCli(['run', '--lb-timeout', '0']).lbTimeoutMs).toBe(0);
    expect(parseCli(['run']).lbTimeoutMs).toBe(0);
    expect(() => parseCli(['run', '--lb-timeout', 'soon'])).toThrow(/--lb-timeout soon: not a duration/);
  });
});

describe('which ingress address the runner dials (network safety)', () => {
  const lab = { service: 'probes-lb', subnets: ['172.28.0.1/24', '10.0.2.15/24'], reachedNodes: ['172.28.0.10', '172.28.0.11'] };
  test('no ingress: the skip reason names the Service', () => {
    expect(pickTarget({ ...lab, ingress: [] })).toEqual({ skip: 'no LoadBalancer implementation assigned an address to service/probes-lb' });
  });
  test('an address in the subnet the runner shares with the nodes it reaches is dialled', () => {
    expect(pickTarget({ ...lab, ingress: [{ ip: '172.28.0.240' }] })).toEqual({ target: '172.28.0.240' });
    expect(pickTarget({ ...lab, ingress: [{ hostname: 'lb.example.com' }, { ip: '172.28.0.241' }] })).toEqual({ target: '172.28.0.241' });
  });
  test("a hostname, a public address, an address on another of the runner's networks, the runner's own or the broadcast address: skipped, never dialled", () => {
    for (const ingress of [[{ hostname: 'abc.elb.amazonaws.com' }], [{ ip: '203.0.113.7' }], [{ ip: '10.0.2.99' }], [{ ip: '172.28.0.1' }], [{ ip: '172.28.0.255' }]]) {
      const picked = pickTarget({ ...lab, ingress });
      expect(picked, JSON.stringify(ingress)).toHaveProperty('skip');
      expect((picked as { skip: string }).skip).toMatch(/not an address on the node network .*172\.28\.0\.1\/24.* dials LoadBalancer addresses only there/);
    }
  });
  test('the runner reaches no node: nothing is dialled, whatever the address', () => {
    const picked = pickTarget({ ...lab, reachedNodes: [], ingress: [{ ip: '172.28.0.240' }] });
    expect((picked as { skip: string }).skip).toMatch(/shares no network with the nodes/);
  });
});

describe('diagnosis: the LoadBalancer implementation, not kube-proxy', () => {
  const lb = (protocol: 'tcp' | 'udp', observed: 'FILTERED' | 'REFUSED'): NetworkResult =>
    row({
      suite: 'loadbalancer',
      from: { kind: 'runner', node: '', ip: '172.28.0.1' },
      to: { kind: 'service', node: '', ip: '172.28.0.240', service: 'probes-lb' },
      protocol,
      port: 80,
      outcome: 'failed',
      observed,
      properties: { service: 'probes-lb' },
    });
  const np = (node: string, ok: boolean): NetworkResult =>
    row({
      suite: 'nodeport',
      from: { kind: 'runner', node: '', ip: '172.28.0.1' },
      to: { kind: 'nodeport', node, ip: '172.28.0.11', service: 'nodeport-cluster' },
      port: 30000,
      properties: { externalTrafficPolicy: 'Cluster', service: 'nodeport-cluster' },
      ...(ok ? {} : { outcome: 'failed' as const, observed: 'FILTERED' as const }),
    });
  const nodePorts = (ok: boolean) => ['cp-1', 'worker-1', 'worker-2'].map((n) => np(n, ok || n !== 'worker-2'));

  test('the address gets no answer while every NodePort answers → the implementation does not announce it (ARP/BGP)', () => {
    const { findings, results } = diagnose([lb('tcp', 'FILTERED'), lb('udp', 'FILTERED'), ...nodePorts(true)]);
    expect(findings.map((f) => f.rule)).toEqual(['loadbalancer-announce']);
    expect(findings[0]!.cause).toMatch(/LoadBalancer address 172\.28\.0\.240 does not answer \(TCP 80, UDP 80\) while the NodePorts of cp-1, worker-1, worker-2 do: .*ARP\/NDP/);
    expect(results.filter((r) => r.suite === 'loadbalancer').every((r) => r.diagnosis?.[0]?.includes('not announced'))).toBe(true);
  });

  test('refused while the NodePorts answer → the Service proxy has no rules for the ingress address', () => {
    const { findings } = diagnose([lb('tcp', 'REFUSED'), lb('udp', 'REFUSED'), ...nodePorts(true)]);
    expect(findings[0]!.cause).toMatch(/refused .*\(kube-proxy\) does not program status\.loadBalancer\.ingress/);
  });

  test('a NodePort fails too, or none was checked → not this rule (kube-proxy or the network may be the cause)', () => {
    expect(diagnose([lb('tcp', 'FILTERED'), ...nodePorts(false)]).findings.map((f) => f.rule)).not.toContain('loadbalancer-announce');
    expect(diagnose([lb('tcp', 'FILTERED')]).findings.map((f) => f.rule)).not.toContain('loadbalancer-announce');
  });
});
