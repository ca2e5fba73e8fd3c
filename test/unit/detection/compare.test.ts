import { describe, expect, test } from 'vitest';
import { describeVerdict, judgeDetection, matches, type FaultCase } from '../../detection/compare.ts';
import { FAULT_CASES } from '../../detection/cases.ts';
import type { NetworkResult as CheckResult, Peer, StaticResult } from '../../../helpers/check/types.ts';

const pod = (node: string, name = 'probe-a'): Peer => ({ node, pod: `${name}-${node}`, ip: '10.244.0.1', kind: 'pod', family: 'ipv4' });
function row(over: Partial<CheckResult> & Pick<CheckResult, 'from' | 'to'>): CheckResult {
  return {
    kind: 'network',
    family: 'ipv4',
    suite: 'pod-to-pod',
    name: `${over.from.node} → ${over.to.node}`,
    port: 8080,
    protocol: 'tcp',
    payload: 'small',
    expect: 'REACHABLE',
    observed: 'REACHABLE',
    outcome: 'passed',
    detail: '',
    attempts: 1,
    latencyMs: 1,
    ...over,
  };
}
const cut: FaultCase = {
  id: 'cut',
  fault: ['cut-route', 'w1', 'w2'],
  networks: ['routed'],
  mustFail: [{ rows: { suite: 'pod-to-pod', from: { node: 'w1' }, to: { node: 'w2', kind: 'pod' } }, why: 'blackhole on w1' }],
  mayFail: [{ rows: { suite: 'pod-to-service', from: { node: 'w1' } }, why: 'a backend across the cut' }],
  diagnosis: [/w1.*w2/],
};
const failed = { observed: 'FILTERED', outcome: 'failed' } as const;

describe('judgeDetection', () => {
  test('a fault is detected when exactly its rows fail and the diagnosis names it', () => {
    const v = judgeDetection(cut, {
      results: [
        row({ from: pod('w1'), to: pod('w2'), ...failed }),
        row({ from: pod('w2'), to: pod('w1') }),
        row({ suite: 'pod-to-service', from: pod('w1'), to: { node: '', ip: '10.96.0.10', kind: 'service', family: 'ipv4' }, ...failed }),
      ],
      diagnosis: ['pod route between w1 and w2'],
    });
    expect(v.ok).toBe(true);
    expect(describeVerdict(v)).toMatch(/cut: detected \(2 rows failed/);
  });

  test('a row the fault must break that passed is reported as missed', () => {
    const v = judgeDetection(cut, { results: [row({ from: pod('w1'), to: pod('w2') })], diagnosis: ['w1 w2'] });
    expect(v.ok).toBe(false);
    expect(describeVerdict(v)).toMatch(/MISSED \(passed but must fail\): pod-to-pod: w1 → w2 — blackhole on w1/);
  });

  test('a failure outside the fault path is a false failure; stated collateral is not', () => {
    const v = judgeDetection(cut, {
      results: [row({ from: pod('w1'), to: pod('w2'), ...failed }), row({ from: pod('cp'), to: pod('w2'), ...failed })],
      diagnosis: ['w1 w2'],
    });
    expect(v.falseFailures).toEqual([{ row: 'pod-to-pod: cp → w2', observed: 'FILTERED (failed)' }]);
  });

  test('a wrong or missing diagnosis and an unchecked path fail the case', () => {
    const v = judgeDetection(cut, { results: [row({ from: pod('w2'), to: pod('w1') })], diagnosis: ['MTU on w2'] });
    expect(v.uncovered).toEqual(['blackhole on w1']);
    expect(v.missingDiagnosis).toEqual(['/w1.*w2/']);
    expect(describeVerdict(v)).toMatch(/diagnosis lacks \/w1\.\*w2\/; it said: MTU on w2/);
  });

  test('matches honours payload, expectation and cross-node', () => {
    const r = row({ from: pod('w1'), to: pod('w2'), payload: 'full' });
    expect(matches(r, { payload: 'full', crossNode: true })).toBe(true);
    expect(matches(r, { payload: 'small' })).toBe(false);
    expect(matches(r, { expect: 'CLOSED' })).toBe(false);
  });
});

describe('FAULT_CASES', () => {
  test('every lab fault is covered, each with rows it must break and a diagnosis', () => {
    const faults = new Set(FAULT_CASES.map((c) => c.fault[0]));
    for (const f of ['cut-route', 'block-port', 'block-nodeports', 'kube-proxy-down', 'no-forwarding', 'mtu', 'bgp-down', 'del-route']) expect(faults).toContain(f);
    for (const network of ['vxlan', 'flannel-vxlan'] as const)
      expect(
        FAULT_CASES.some((c) => c.fault.includes('8472/udp') && c.networks.includes(network)),
        network,
      ).toBe(true);
    for (const network of ['routed', 'vxlan', 'flannel-vxlan', 'flannel-host-gw', 'bgp'] as const) {
      expect(
        FAULT_CASES.some((c) => c.fault[0] === 'cut-route' && c.networks.includes(network)),
        `cut-route on ${network}`,
      ).toBe(true);
    }
    for (const c of FAULT_CASES) {
      // A fault the network repairs itself must leave nothing failing: no rows, no diagnosis to expect.
      if (c.selfHealing) {
        expect([c.mustFail, c.mayFail, c.diagnosis], c.id).toEqual([[], [], []]);
        continue;
      }
      expect(c.mustFail.length + (c.mustFailSome?.length ?? 0), c.id).toBeGreaterThan(0);
      expect(c.diagnosis.length, c.id).toBeGreaterThan(0);
    }
  });
});

describe('errors are never detection', () => {
  const controlError = { observed: 'CONTROL_ERROR', outcome: 'error' } as const;
  test('a must-fail row that came back as an error (the check could not be made) is missed, not detected', () => {
    const v = judgeDetection(cut, { results: [row({ from: pod('w1'), to: pod('w2'), ...controlError })], diagnosis: ['w1 and w2'] });
    expect(v.ok).toBe(false);
    expect(v.missed).toEqual([{ row: 'pod-to-pod: w1 → w2 (an error, not a network verdict)', why: 'blackhole on w1' }]);
  });

  test('mustError: rows whose control path the fault breaks must be errors; a pass or a network verdict there is wrong', () => {
    const kubelet: FaultCase = { ...cut, mustFail: [], mustError: [{ rows: { from: { node: 'w1' } }, why: "w1's kubelet port is dropped" }], diagnosis: [] };
    expect(judgeDetection(kubelet, { results: [row({ from: pod('w1'), to: pod('w2'), ...controlError })], diagnosis: [] }).ok).toBe(true);
    const passed = judgeDetection(kubelet, { results: [row({ from: pod('w1'), to: pod('w2') })], diagnosis: [] });
    expect(passed.missed).toEqual([{ row: 'pod-to-pod: w1 → w2 (passed; must be an error)', why: "w1's kubelet port is dropped" }]);
    expect(judgeDetection(kubelet, { results: [row({ from: pod('w1'), to: pod('w2'), ...failed })], diagnosis: [] }).ok).toBe(false);
  });

  test('mayError: rows whose control path the fault may break by timing pass or are errors; a network verdict there is a false failure', () => {
    const logs: FaultCase = { ...cut, mustFail: [], mayError: [{ rows: { from: { node: 'w1' } }, why: "a log read through w1's kubelet" }], diagnosis: [] };
    expect(judgeDetection(logs, { results: [row({ from: pod('w1'), to: pod('w2'), ...controlError })], diagnosis: [] }).ok).toBe(true);
    expect(judgeDetection(logs, { results: [row({ from: pod('w1'), to: pod('w2') })], diagnosis: [] }).ok).toBe(true);
    const verdict = judgeDetection(logs, { results: [row({ from: pod('w1'), to: pod('w2'), ...failed })], diagnosis: [] });
    expect(verdict.ok).toBe(false);
    expect(verdict.falseFailures).toHaveLength(1);
  });
});

describe('the rule shape: static rows by their properties, and failsWith', () => {
  const caseRow = (name: string, over: Partial<StaticResult> = {}): StaticResult => ({
    kind: 'static',
    suite: 'network-policy',
    name,
    status: 'fact',
    outcome: 'passed',
    detail: '',
    ...over,
    properties: { case: name, ...over.properties },
  });
  const c: FaultCase = {
    id: 'down',
    fault: ['netpol-down', 'w2'],
    networks: ['routed'],
    netpol: 'kube-router',
    mustFail: [{ rows: { suite: 'network-policy', properties: { case: 'a' } }, why: 'denied at w2', failsWith: { 'evidence.unenforced.on': 'w2' } }],
    mayFail: [],
    diagnosis: [/not enforced for the pods on w2/],
  };
  const diagnosis = ['NetworkPolicy is not enforced for the pods on w2 (1 case: a): …'];

  test('a rule naming the suite and properties picks the static rows carrying them; one naming peers or ports never does', () => {
    expect(matches(caseRow('a'), { suite: 'network-policy', properties: { case: 'a' } })).toBe(true);
    expect(matches(caseRow('b'), { suite: 'network-policy', properties: { case: 'a' } })).toBe(false);
    expect(matches(caseRow('a'), { suite: 'network-policy' })).toBe(true);
    expect(matches(caseRow('a'), { suite: 'network-policy', properties: { case: 'a' }, from: { node: 'w2' } })).toBe(false);
    expect(matches(caseRow('a'), { suite: 'dns', properties: { case: 'a' } })).toBe(false);
  });

  test('detected: the named row failed carrying failsWith, every other row passed', () => {
    const v = judgeDetection(c, { results: [caseRow('a', { outcome: 'failed', properties: { 'evidence.unenforced.on': 'w2' } }), caseRow('b')], diagnosis });
    expect(v.ok, describeVerdict(v)).toBe(true);
  });

  test('missed: the row failed, but not the way the fault makes it fail (another node, or no single node)', () => {
    for (const properties of [{ 'evidence.unenforced.on': 'w1' }, { 'evidence.unenforced.cross-node.on': 'w2' }, {}] as Record<string, string>[]) {
      const v = judgeDetection(c, { results: [caseRow('a', { outcome: 'failed', properties }), caseRow('b')], diagnosis });
      expect(v.ok).toBe(false);
      expect(v.missed).toEqual([{ row: expect.stringMatching(/^network-policy: a \(failed, but not as the fault makes it: evidence\.unenforced\.on=(w1|\(none\)), not w2\)$/), why: 'denied at w2' }]);
    }
  });

  test('missed when it passed or was an error; a false failure when another case failed; uncovered when the case did not run', () => {
    expect(judgeDetection(c, { results: [caseRow('a'), caseRow('b')], diagnosis }).missed).toEqual([{ row: 'network-policy: a', why: 'denied at w2' }]);
    expect(judgeDetection(c, { results: [caseRow('a', { outcome: 'error' })], diagnosis }).missed[0]!.row).toBe('network-policy: a (an error, not a network verdict)');
    const other = judgeDetection(c, { results: [caseRow('a', { outcome: 'failed', properties: { 'evidence.unenforced.on': 'w2' } }), caseRow('b', { outcome: 'error' })], diagnosis });
    expect(other.falseFailures.map((f) => f.row)).toEqual(['network-policy: b']);
    expect(judgeDetection(c, { results: [caseRow('b')], diagnosis }).uncovered).toEqual(['denied at w2']);
  });
});
