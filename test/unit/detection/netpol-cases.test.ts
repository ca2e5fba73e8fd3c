// The NetworkPolicy lab's detection cases (netpol-down, netpol-bypass on lab-worker-2): they run
// only on a lab with the enforcer (LAB_NETPOL=kube-router), their rows are the network-policy
// suite's core cases, the cases they must break are the ones the model says deny connections only
// at lab-worker-2's pods, and each such row counts only when it failed the way the fault makes it
// fail. Judged on captured lab runs (test/unit/fixtures/real/netpol-*.json: network-policy.test.ts's
// runs under each fault, and a healthy one), with the diagnosis recomputed by today's rules.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import type { CheckResult, StaticResult } from '../../../helpers/check/types.ts';
import { diagnose } from '../../../helpers/diagnose/index.ts';
import { coreCases, generateCases } from '../../../helpers/netpol/cases.ts';
import { fleetPlacement } from '../../../helpers/netpol/fleet.ts';
import type { CaseOptions } from '../../../helpers/netpol/case-world.ts';
import { DENIED_ONLY_AT_W2, FAULT_CASES, healthyRunArgs, NETPOL_RUN_ARGS, REAL_FAULT_CASES } from '../../detection/cases.ts';
import { caseRunsOn, describeVerdict, judgeDetection, scoreDiagnosis } from '../../detection/compare.ts';
import { modeName } from '../../detection/run.ts';

const CP = 'lab-control-plane';
const W1 = 'lab-worker-1';
const W2 = 'lab-worker-2';
const NETPOL_IDS = ['netpol-down', 'netpol-bypass'];
const byId = (id: string) => FAULT_CASES.find((c) => c.id === id)!;

interface NetpolFixture {
  id: string;
  fault: string[];
  runArgs: string[];
  capturedAt: string;
  diagnosis: string[];
  results: StaticResult[];
}
const load = (id: string): NetpolFixture => JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '..', 'fixtures', 'real', `${id}.json`), 'utf8')) as NetpolFixture;
/** The run as `npm run detect` judges it: the captured rows, the diagnosis today's rules give them. */
const rerun = (f: { results: CheckResult[] }) => ({ results: f.results, diagnosis: diagnose(f.results).causes });
/** A failed row's wrong cells as its failure lists them (the lines with the model's reason). */
const wrongCells = (r: CheckResult) =>
  r.detail
    .split('\n')
    .filter((l) => /^ {2}\S+ → \S+ \d+\/(TCP|UDP): expected .* — model: /.test(l))
    .map((l) => l.trim().replace(/ — model: .*$/, ''));

describe('gating: the NetworkPolicy lab runs its own cases, and only those', () => {
  test('with LAB_NETPOL=kube-router only netpol-down and netpol-bypass run (routed, IPv4); without an enforcer, none of them', () => {
    const on = (netpol: 'none' | 'kube-router', network = 'routed') =>
      FAULT_CASES.filter((c) => c.networks.includes(network as 'routed') && caseRunsOn(c, { ipFamily: 'ipv4', netpol })).map((c) => c.id);
    expect(on('kube-router')).toEqual(NETPOL_IDS);
    expect(on('kube-router', 'vxlan')).toEqual([]);
    expect(on('none')).not.toContain('netpol-down');
    expect(on('none')).toContain('cut-route');
    // A case that names no enforcer runs as before (the default of LAB_NETPOL is none).
    expect(caseRunsOn(byId('cut-route'), { ipFamily: 'ipv4' })).toBe(true);
    expect(caseRunsOn(byId('netpol-down'), { ipFamily: 'ipv4' })).toBe(false);
    expect(caseRunsOn(byId('netpol-down'), { ipFamily: 'dual', netpol: 'kube-router' })).toBe(false);
  });

  test("their runs, and the lab's healthy runs, are the network-policy suite's core cases with network-policy.test.ts's fault-run arguments", () => {
    expect(NETPOL_RUN_ARGS).toEqual(['--network-policy', 'core', '--policy-timeout', '6s', '--only', '^network-policy ']);
    for (const id of NETPOL_IDS) expect(byId(id).runArgs, id).toEqual(NETPOL_RUN_ARGS);
    expect(healthyRunArgs({ netpol: 'kube-router' })).toEqual(NETPOL_RUN_ARGS);
    expect(healthyRunArgs({ netpol: 'none' })).toEqual([]);
    expect(FAULT_CASES.filter((c) => c.runArgs && !NETPOL_IDS.includes(c.id))).toEqual([]);
  });

  test('the report folder names the enforcer (what --from reads back)', () => {
    expect(modeName({ network: 'routed', proxyMode: 'iptables', netpol: 'kube-router' })).toBe('routed-kube-router');
    expect(modeName({ network: 'routed', proxyMode: 'iptables', netpol: 'none' })).toBe('routed');
    expect(modeName({ network: 'vxlan', proxyMode: 'nftables', ipFamily: 'ipv4' })).toBe('vxlan-nftables');
    expect(modeName({ network: 'routed', proxyMode: 'iptables', ipFamily: 'dual' })).toBe('routed-dual');
  });
});

describe('the cases they must break come from the model', () => {
  test("the core cases with denied connections only lab-worker-2's pods' policies deny (every one also between nodes) are DENIED_ONLY_AT_W2", () => {
    // The lab's three nodes, the fleet placed as the suite places it (pod i on node i mod 3).
    const nodes = [CP, W1, W2];
    const pods: NonNullable<CaseOptions['pods']> = {};
    fleetPlacement(nodes).forEach((p, i) => (pods[`${p.namespace}/${p.pod}` as keyof typeof pods] = { ips: [`10.244.${nodes.indexOf(p.node)}.${10 + i}`], node: p.node }));
    const cases = coreCases(
      generateCases({
        namespaces: { x: 'r-x', y: 'r-y', z: 'r-z' },
        pods,
        podCIDRs: ['10.244.0.0/16'],
        dns: { namespace: 'kube-system', podLabels: { 'k8s-app': 'kube-dns' }, pods: [{ name: 'coredns', ips: ['10.244.1.2'], node: W1 }] },
      }),
    );
    expect(cases).toHaveLength(10);
    const onlyAtW2 = (crossNode: boolean) =>
      cases
        .filter((c) => c.steps.some((s) => s.expected.cells.some((cell) => !cell.allowed && cell.enforcedAt?.length === 1 && cell.enforcedAt[0] === W2 && (!crossNode || cell.crossNode))))
        .map((c) => c.id);
    expect(onlyAtW2(false).sort()).toEqual([...DENIED_ONLY_AT_W2].sort());
    expect(onlyAtW2(true).sort()).toEqual([...DENIED_ONLY_AT_W2].sort());
    for (const id of NETPOL_IDS) expect(byId(id).mustFail.map((m) => m.rows.properties?.['case'])).toEqual(DENIED_ONLY_AT_W2);
  });
});

describe('captured lab runs (routed, kube-router, 2026-12-07)', () => {
  test.each(NETPOL_IDS)('%s lab-worker-2: exactly the four cases fail, each wrong cell a denied connection that went through; detected, its cause named exactly', (id) => {
    const fixture = load(id);
    expect(fixture.fault).toEqual(byId(id).fault);
    expect(fixture.runArgs).toEqual(NETPOL_RUN_ARGS);
    const run = rerun(fixture);
    // What network-policy.test.ts asserts of the same run: ≥ 3 failed, nothing else but passes, every wrong cell "expected denied, observed allowed".
    const failed = run.results.filter((r) => r.outcome === 'failed');
    expect(failed.map((r) => r.name)).toEqual(DENIED_ONLY_AT_W2);
    expect(run.results.filter((r) => r.outcome !== 'passed' && r.outcome !== 'failed')).toEqual([]);
    for (const r of failed) {
      expect(wrongCells(r).length, r.name).toBeGreaterThan(0);
      expect(
        wrongCells(r).filter((cell) => !/: expected denied, observed allowed/.test(cell)),
        r.name,
      ).toEqual([]);
    }
    // Today's rules give the cause the run gave, one line.
    expect(run.diagnosis).toEqual(fixture.diagnosis);
    expect(run.diagnosis).toHaveLength(1);
    const verdict = judgeDetection(byId(id), run);
    expect(verdict.ok, describeVerdict(verdict)).toBe(true);
    expect(scoreDiagnosis(byId(id), run.diagnosis)).toBe('exact');
  });

  test("the two faults are told apart: each case judged on the other fault's run is not detected, nor its cause named", () => {
    for (const [id, other] of [
      ['netpol-down', 'netpol-bypass'],
      ['netpol-bypass', 'netpol-down'],
    ] as const) {
      const run = rerun(load(other));
      const verdict = judgeDetection(byId(id), run);
      expect(verdict.ok, `${id} on ${other}'s run`).toBe(false);
      expect(verdict.missed).toHaveLength(DENIED_ONLY_AT_W2.length);
      expect(scoreDiagnosis(byId(id), run.diagnosis), `${id} on ${other}'s run`).toBe('wrong');
    }
  });

  test('netpol-down whose diagnosis names another node (lab-worker-1) does not score exact, nor count as detected', () => {
    const fixture = load('netpol-down');
    const swap = (s: string) => s.replace(/lab-worker-[12]/g, (n) => (n === W2 ? W1 : W2));
    const diagnosis = fixture.diagnosis.map(swap);
    expect(diagnosis[0]).toMatch(/^NetworkPolicy is not enforced for the pods on lab-worker-1 \(4 cases: .*the same policies held for the pods on lab-control-plane, lab-worker-2/);
    expect(scoreDiagnosis(byId('netpol-down'), diagnosis)).toBe('wrong');
    // The same with the rows' evidence pointing there too: the rows are missed, not only the cause.
    const results = fixture.results.map((r) => ({ ...r, properties: Object.fromEntries(Object.entries(r.properties ?? {}).map(([k, v]) => [k, swap(v)])) }));
    const verdict = judgeDetection(byId('netpol-down'), { results, diagnosis });
    expect(verdict.ok).toBe(false);
    expect(verdict.missed.map((m) => m.row.split(' (')[0])).toEqual(DENIED_ONLY_AT_W2.map((c) => `network-policy: ${c}`));
    expect(verdict.missingDiagnosis).toHaveLength(1);
    // And a second cause beside the right one is an extra cause, not exact.
    expect(scoreDiagnosis(byId('netpol-down'), [...fixture.diagnosis, 'pods on lab-worker-2 cannot reach node addresses …'])).toBe('extra');
  });

  test('the healthy run counts as healthy (no failed or error row, no cause), and neither fault is detected on it', () => {
    const fixture = load('netpol-healthy');
    const run = rerun(fixture);
    expect(run.results.length).toBeGreaterThanOrEqual(9);
    expect(run.results.every((r) => r.suite === 'network-policy' && r.outcome === 'passed')).toBe(true);
    expect(run.results.filter((r) => r.outcome === 'failed' || r.outcome === 'error')).toHaveLength(0);
    expect(run.diagnosis).toEqual([]);
    for (const id of NETPOL_IDS) {
      const verdict = judgeDetection(byId(id), run);
      expect(verdict.ok).toBe(false);
      expect(verdict.falseFailures).toEqual([]);
      expect(verdict.missed).toHaveLength(DENIED_ONLY_AT_W2.length);
      expect(scoreDiagnosis(byId(id), run.diagnosis)).toBe('none');
    }
  });
});

test("a case written for one kube-proxy mode's rules runs only with that mode (no-service-masquerade: iptables)", () => {
  const c = REAL_FAULT_CASES.find((x) => x.id === 'no-service-masquerade')!;
  expect(caseRunsOn(c, { ipFamily: 'ipv4', proxyMode: 'iptables' })).toBe(true);
  expect(caseRunsOn(c, { ipFamily: 'ipv4', proxyMode: 'nftables' })).toBe(false);
  expect(
    caseRunsOn(
      FAULT_CASES.find((x) => x.id === 'cut-route')!,
      { ipFamily: 'ipv4', proxyMode: 'nftables' },
    ),
  ).toBe(true);
});
