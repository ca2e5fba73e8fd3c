// Issue 22's catalogue judged on what the lab produced: the rows of real fault runs (captured by
// `npx tsx test/tools/run-catalogue.ts --fixtures`, routed lab, kube-proxy iptables mode). Each
// fault must be named first by its rule with no other cause, every failed row explained; and
// each rule must NOT fire once one piece of the evidence it relies on is contradicted.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import type { NetworkResult } from '../../../helpers/check/types.ts';
import { diagnose } from '../../../helpers/diagnose/index.ts';
import type { FaultFixture } from '../../tools/capture-fault-fixtures.ts';

const dir = path.resolve(import.meta.dirname, '..', 'fixtures', 'real');
const load = (id: string): FaultFixture => JSON.parse(fs.readFileSync(path.join(dir, `${id}.json`), 'utf8')) as FaultFixture;
const ctx = { nodePortRange: { low: 30000, high: 32767, source: 'cluster' as const } };
const W1 = 'lab-worker-1';
const W2 = 'lab-worker-2';

function judge(results: NetworkResult[]) {
  const { causes, findings, results: out } = diagnose(results, ctx);
  const bad = out.filter((r) => r.outcome === 'failed');
  return { causes, rules: findings.map((f) => f.rule), bad, unexplained: bad.filter((r) => !r.diagnosis?.length) };
}
/** The fixture's rows with some rows passed instead: evidence that contradicts the rule. */
const passing = (rows: NetworkResult[], which: (r: NetworkResult) => boolean, answeredBy?: string): NetworkResult[] =>
  rows.map((r) => (which(r) ? { ...r, outcome: 'passed', observed: 'REACHABLE', properties: { ...r.properties, ...(answeredBy ? { 'answered.by': answeredBy } : {}) }, samples: undefined } : r));

describe('real catalogue runs (lab, routed): named exactly', () => {
  test(`br-netfilter-off ${W2}: bridge-netfilter, one cause, every failed row explained`, () => {
    const { causes, rules, unexplained } = judge(load('br-netfilter-off').results);
    expect(rules).toEqual(['bridge-netfilter']);
    expect(causes[0]).toMatch(new RegExp(`^Service tries from pods on ${W2} are answered only by backends on other nodes .*bridge-nf-call-iptables=1`));
    expect(unexplained).toEqual([]);
  });

  test(`br-netfilter-off must NOT be named once another pod on ${W2} answered a Service try from ${W2}`, () => {
    const rows = load('br-netfilter-off').results;
    const other = rows.find((r) => r.suite === 'pod-to-service' && r.from.node === W2 && r.from.kind === 'pod' && r.protocol === 'tcp')!;
    const sibling = other.from.pod === `probe-a-${W2}` ? `probe-b-${W2}` : `probe-a-${W2}`;
    const contradicted = rows.map((r) => (r === other ? { ...r, properties: { ...r.properties, 'answered.by': `${r.properties!['answered.by']},${sibling}` } } : r));
    expect(judge(contradicted).rules).not.toContain('bridge-netfilter');
  });

  for (const id of ['forward-policy-drop', 'forward-drop-legacy']) {
    test(`${id} ${W2}: ${W2} does not forward its pods' traffic — one cause, not its route or overlay, not hairpin`, () => {
      const { causes, rules, unexplained } = judge(load(id).results);
      expect(rules).toEqual(['pod-network']);
      expect(causes[0]).toMatch(new RegExp(`${W2}'s own host network reaches the same pods .*${W2} does not forward its pods' traffic`));
      expect(causes.join('\n')).not.toMatch(/pod route or overlay|hairpin is off/);
      expect(unexplained).toEqual([]);
    });
  }

  test(`forward-policy-drop: the forwarding reading must NOT be given once ${W2}'s host network fails to the other pods too`, () => {
    const rows = load('forward-policy-drop').results.map((r) =>
      r.suite === 'pod-to-pod' && r.from.node === W2 && r.from.kind === 'host' && r.to.node !== W2 ? { ...r, outcome: 'failed' as const, observed: 'FILTERED' as const } : r,
    );
    expect(judge(rows).causes.join('\n')).not.toMatch(/does not forward its pods' traffic/);
  });

  test(`kube-proxy-hung ${W1}: only this run's Services fail from ${W1}, the older ones work → kube-proxy stopped programming, one cause`, () => {
    const { causes, rules, unexplained } = judge(load('kube-proxy-hung').results);
    expect(rules).toEqual(['service-proxy']);
    expect(causes[0]).toMatch(new RegExp(`kube-proxy on ${W1} has stopped programming new Services`));
    expect(causes.join('\n')).not.toMatch(/hairpin is off|not running or its rules are missing/);
    expect(unexplained).toEqual([]);
  });

  test(`kube-proxy-hung: kube-proxy must NOT be blamed once a Service this run made answered from ${W1}`, () => {
    const rows = load('kube-proxy-hung').results;
    const one = rows.find((r) => r.suite === 'pod-to-service' && r.from.node === W1 && r.properties?.['service'] === 'probes' && r.outcome === 'failed')!;
    expect(judge(passing(rows, (r) => r === one, `probe-a-${W2}`)).causes.join('\n')).not.toMatch(new RegExp(`kube-proxy on ${W1} (has stopped|is not running)`));
  });

  test(`kube-proxy-killed ${W1}: the same reading as hung (its rules stay, nothing new): one cause`, () => {
    const { causes, rules, unexplained } = judge(load('kube-proxy-killed').results);
    expect(rules).toEqual(['service-proxy']);
    expect(causes[0]).toMatch(new RegExp(`kube-proxy on ${W1} has stopped programming new Services — hung, exited without cleaning up`));
    expect(unexplained).toEqual([]);
  });

  test(`firewalld-default ${W2}: pods cannot reach ${W2}'s own addresses; the INPUT firewall is named without claiming "the pod range" (no host check reached those ports)`, () => {
    const { causes, rules, unexplained } = judge(load('firewalld-default').results);
    expect(rules).toEqual(['pod-to-node-firewall']);
    expect(causes[0]).toMatch(
      new RegExp(`^pods cannot reach node addresses on ${W2} .*${W2}'s INPUT firewall drops or rejects new connections to its own addresses on those ports, from the pod range at least`),
    );
    expect(unexplained).toEqual([]);
  });

  test(`firewalld-default: "the pod range" is said only once another node's address is seen to reach the same ports`, () => {
    const rows = load('firewalld-default').results;
    const failing = rows.filter((r) => r.suite === 'pod-to-node' && r.outcome === 'failed');
    const hostRows = failing.slice(0, 2).map((r) => ({
      ...r,
      suite: 'ports',
      outcome: 'passed' as const,
      observed: 'REACHABLE' as const,
      from: { ...r.from, kind: 'host' as const, node: 'lab-control-plane', pod: 'hostnet-lab-control-plane' },
      samples: undefined,
    }));
    expect(judge([...rows, ...hostRows]).causes[0]).toMatch(new RegExp(`${W2} drops traffic from the pod range to its own addresses \\(other nodes' addresses reach the same ports\\)`));
  });

  test(`nodeports-reject ${W2}: the NodePort range firewall on ${W2} (refused and unanswered tries alike), not intermittent loss`, () => {
    const { causes, rules, unexplained } = judge(load('nodeports-reject').results);
    expect(rules).toEqual(['nodeport-firewall']);
    expect(causes[0]).toMatch(new RegExp(`fails on ${W2} only while other nodes answer: ${W2}'s firewall drops the NodePort range \\(some tries refused, the rest unanswered`));
    expect(causes.join('\n')).not.toMatch(/intermittent loss|nothing listens/);
    expect(unexplained).toEqual([]);
  });

  test(`block-dns-tcp ${W2}: DNS over TCP dropped from ${W2}'s pods, one cause`, () => {
    const { causes, rules, unexplained } = judge(load('block-dns-tcp').results);
    expect(rules).toEqual(['dns-tcp-blocked']);
    expect(causes[0]).toMatch(new RegExp(`^DNS over TCP times out from pods on ${W2} \\(\\d+ checks\\) while DNS over UDP from ${W2} works`));
    expect(unexplained).toEqual([]);
  });

  test('block-dns-tcp: TCP 53 must NOT be named once a TCP lookup from those pods worked', () => {
    const rows = load('block-dns-tcp').results;
    const one = rows.find((r) => r.suite === 'dns' && r.from.node === W2 && r.outcome === 'failed' && r.properties?.['dns.transport'] === 'tcp')!;
    expect(judge(passing(rows, (r) => r === one)).rules).not.toContain('dns-tcp-blocked');
  });

  test('coredns-rbac: CoreDNS never turns ready without EndpointSlice permissions → the cluster DNS answers nothing, one cause', () => {
    const { causes, rules } = judge(load('coredns-rbac').results);
    expect(rules).toEqual(['dns-down']);
    expect(causes[0]).toMatch(/^cluster DNS answers no lookup from any node .*no ready endpoints/);
  });

  test(`no-service-masquerade ${W2}: ${W2} does not SNAT what kube-proxy marks — not hairpin, not a NodePort firewall`, () => {
    const { causes, rules, unexplained } = judge(load('no-service-masquerade').results);
    expect(rules).toEqual(['service-masquerade']);
    expect(causes[0]).toMatch(new RegExp(`${W2} does not masquerade \\(SNAT\\)`));
    expect(causes.join('\n')).not.toMatch(/hairpin is off|open TCP/);
    expect(unexplained).toEqual([]);
  });

  test(`no-service-masquerade: must NOT be named once a NodePort try into ${W2} was answered by another node's backend`, () => {
    const rows = load('no-service-masquerade').results;
    const one = rows.find((r) => r.suite === 'nodeport' && r.to.node === W2 && r.outcome === 'failed' && r.properties?.['externalTrafficPolicy'] === 'Cluster')!;
    const contradicted = rows.map((r) => (r === one ? { ...r, properties: { ...r.properties, 'answered.by': `probe-a-${W1}` } } : r));
    expect(judge(contradicted).rules).not.toContain('service-masquerade');
  });

  test("ip-forward-off: the bridge CNI turned forwarding back on for the run's pods — nothing fails, no cause", () => {
    const { causes, bad } = judge(load('ip-forward-off-self-heals').results);
    expect(bad).toEqual([]);
    expect(causes).toEqual([]);
  });
});
