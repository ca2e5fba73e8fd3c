// The loadbalancer suite against a real LoadBalancer implementation (`lab up --lb metallb`, run
// with LAB_LB=metallb): MetalLB gives the probe Service an address from the lab's pool, and the
// runner reaches it over TCP and UDP, every answer from a ready probe. Skipped otherwise (on
// the plain lab the suite's rows are skipped, which the healthy runs of every mode show).
import { describe, expect, test } from 'vitest';
import { describeRow, kubeconfig, kubectl, requireLab, objectsLeft, resultsOf, runIdOf, startCli } from './cli-helpers.ts';

const metallb = requireLab({ lb: 'metallb' });
/** MetalLB's pool in the lab (lab/lib/metallb.sh): on the lab node network, beside the nodes. */
const POOL = /^172\.28\.0\.(24\d|250)$/;

describe.skipIf(!metallb)('kube-netconform with MetalLB (lab --lb metallb)', () => {
  test('the LoadBalancer rows run and pass over TCP and UDP on an address from the pool, answered by the probes', async () => {
    const run = await startCli(['run', '--kubeconfig', kubeconfig(), '--only', '^loadbalancer ']);
    expect(run.code, run.stderr).toBe(0);
    const rows = resultsOf(run).results;
    expect(rows.filter((r) => r.outcome !== 'passed').map(describeRow)).toEqual([]);
    expect(rows.map((r) => r.protocol).sort()).toEqual(['tcp', 'udp']);
    for (const r of rows) {
      expect(r.to.ip, r.name).toMatch(POOL);
      expect(r.properties?.['loadbalancer.address'], r.name).toBe(r.to.ip);
      expect(r.from.kind, r.name).toBe('runner');
    }
    expect(objectsLeft(runIdOf(run))).toEqual([]);
  });
});

// A careful guest (issue 20): the Service is open to the runner only (it was moved here from
// deploy-selected.test.ts: a file for one lab mode runs in that mode's step).
describe.skipIf(!metallb)('with MetalLB: the LoadBalancer Service is open to the runner only, and its rows pass', () => {
  test("--only '^loadbalancer ': loadBalancerSourceRanges are the runner's own addresses toward the nodes; both rows pass", async () => {
    const run = await startCli(['run', '--kubeconfig', kubeconfig(), '--only', '^loadbalancer ', '--keep']);
    const runId = /run id ([0-9a-f]{6})/.exec(run.stderr)?.[1];
    expect(runId, run.stderr.slice(-3000)).toBeDefined();
    try {
      // The runner's address toward the lab's nodes is its leg on the node network (docs/lab.md).
      const ranges = kubectl('get', 'service', 'probes-lb', '-n', `netconform-${runId}`, '-o', 'jsonpath={.spec.loadBalancerSourceRanges}');
      expect(JSON.parse(ranges)).toEqual(['172.28.0.1/32']);
      const rows = resultsOf(run).results.filter((r) => r.suite === 'loadbalancer');
      expect(rows.map((r) => r.outcome)).toEqual(['passed', 'passed']);
      expect(run.code, run.stderr.slice(-2000)).toBe(0);
    } finally {
      const cleaned = await startCli(['cleanup', '--kubeconfig', kubeconfig(), '-n', `netconform-${runId}`]);
      expect(cleaned.code, cleaned.stderr).toBe(0);
    }
  });
});
