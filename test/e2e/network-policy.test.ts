// The network-policy suite against a real NetworkPolicy enforcer: `lab up --netpol kube-router`
// (kube-router v2.1.0's policy controller on every node, run with LAB_NETPOL=kube-router). The
// core cases run on the suite's own fleet; every case must match the model except the deviations
// listed below, each asserted exactly (which case, which cells) with the reason found in
// kube-router's code — never tolerated silently. On a lab without an enforcer (the default lab)
// the canary finds no enforcement: every row is skipped with that reason and the run passes, and
// --require-network-policy fails them.
import { describe, expect, test } from 'vitest';
import { decide, labStatus } from '../tools/lab-expected.ts';
import { describeRow, kubeconfig, kubectl, objectsLeft, requireLab, resultsOf, runIdOf, startCli, type Row } from './cli-helpers.ts';

/**
 * Where kube-router v2.1.0 disagrees with the model (the spec), by case id: the wrong cells as
 * the row's failure lists them ("from → to port/PROTO: expected …, observed …"), and why.
 */
export const KUBE_ROUTER_DEVIATIONS: Record<string, { cells: string[]; why: string }> = {
  // READ in kube-router v2.1.0's code, not yet seen on the lab (a full-set case). The one core run
  // on the lab so far (2026-12-06) failed only where the suite's own `from` bug did (since fixed,
  // not yet re-run there) — see README.
  'ingress/port-name/unknown-name-from-b': {
    cells: ['x/b → x/a 80/TCP', 'x/b → x/a 80/UDP', 'x/b → x/a 81/TCP', 'x/b → x/a 81/UDP'].map((c) => `${c}: expected denied, observed allowed (connected)`),
    why: "pkg/controllers/netpol/policy.go: processNetworkPolicyPorts drops a named port no selected pod has (protocol2eps lookup fails), leaving the rule with no ports and no named ports; the ingress branch 'If the ingress policy contains no ports at all' (policy.go:237) then admits the rule's sources on every port and protocol. The spec: a rule whose ports match nothing admits nothing.",
  },
};

const status = labStatus();
/** A lab without an enforcer, and a step that does not expect kube-router: the no-enforcer test runs. */
const plainLab = decide({ fileMode: { netpol: 'none' }, env: {}, status }).run && process.env.LAB_NETPOL !== 'kube-router';
const kubeRouter = plainLab ? false : requireLab({ netpol: 'kube-router' });

/** A failed row's wrong cells as its failure lists them (the lines with the model's reason; the grids' summary repeats them without). */
const wrongCells = (r: Row) =>
  r.detail
    .split('\n')
    .filter((l) => /^ {2}\S+ → \S+ \d+\/(TCP|UDP): expected .* — model: /.test(l))
    .map((l) => l.trim().replace(/ — model: .*$/, ''));

describe.skipIf(!kubeRouter)('network-policy on kube-router (lab --netpol kube-router)', () => {
  test('the core cases: enforced (the canary), every case as the model says except the listed deviations, enforcement latency on each row, nothing left', async () => {
    const started = Date.now();
    const run = await startCli(['run', '--kubeconfig', kubeconfig(), '--network-policy', 'core', '--only', '^network-policy ']);
    const wall = Date.now() - started;
    const results = resultsOf(run);
    const rows = results.results;
    expect(rows.length, run.stderr).toBeGreaterThanOrEqual(9);
    expect(rows.every((r) => r.suite === 'network-policy')).toBe(true);
    // Enforcement detected, not assumed.
    expect(rows[0]!.properties?.canary, run.stderr).toMatch(/^a default-deny ingress policy on x\/a stopped x\/b → x\/a 80\/TCP after /);
    const unexpected = rows.filter((r) => r.outcome !== 'passed' && !KUBE_ROUTER_DEVIATIONS[r.name]);
    expect(unexpected.map((r) => `${describeRow(r)}\n${r.detail}`)).toEqual([]);
    for (const [id, deviation] of Object.entries(KUBE_ROUTER_DEVIATIONS)) {
      const row = rows.find((r) => r.name === id);
      if (!row) continue; // a full-set deviation outside the core
      expect(row.outcome, id).toBe('failed');
      expect(wrongCells(row), id).toEqual(deviation.cells);
    }
    for (const r of rows.filter((r) => r.outcome === 'passed')) expect(r.properties?.['enforcement.ms'], r.name).toMatch(/^\d+$/);
    expect(run.code, run.stderr).toBe(rows.some((r) => r.outcome !== 'passed') ? 1 : 0);
    const runId = runIdOf(run);
    expect(objectsLeft(runId)).toEqual([]);
    expect(kubectl('get', 'networkpolicies', '--all-namespaces', '-l', `netconform.io/run-id=${runId}`, '-o', 'name').trim()).toBe('');
    console.log(`network-policy core on kube-router: ${rows.length} cases in ${(wall / 1000).toFixed(1)} s wall (phases: ${JSON.stringify(results.phases)})`);
  });
});

describe.skipIf(!plainLab)('network-policy without an enforcer (the default lab)', () => {
  test('every row is skipped with the canary reason and the run passes; with --require-network-policy every row fails', async () => {
    const run = await startCli(['run', '--kubeconfig', kubeconfig(), '--network-policy', 'core', '--only', '^network-policy ']);
    expect(run.code, run.stderr).toBe(0);
    const rows = resultsOf(run).results;
    expect(rows.length).toBeGreaterThanOrEqual(9);
    for (const r of rows) {
      expect(r.outcome, describeRow(r)).toBe('skipped');
      expect(r.reason ?? r.detail).toMatch(
        /^NetworkPolicy is not enforced on this cluster: a default-deny ingress policy on x\/a \(netconform-[0-9a-f]{6}-x\/netconform-canary\) did not stop x\/b → x\/a 80\/TCP within 30 s/,
      );
    }
    expect(objectsLeft(runIdOf(run))).toEqual([]);

    const required = await startCli(['run', '--kubeconfig', kubeconfig(), '--network-policy', 'core', '--require-network-policy', '--only', '^network-policy ']);
    expect(required.code, required.stderr).toBe(1);
    const failed = resultsOf(required).results;
    expect(failed.every((r) => r.outcome === 'failed' && /not enforced.*\(--require-network-policy\)$/s.test(r.detail))).toBe(true);
    expect(objectsLeft(runIdOf(required))).toEqual([]);
  });
});
