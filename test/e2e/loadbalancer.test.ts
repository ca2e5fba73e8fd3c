// The loadbalancer suite against a real LoadBalancer implementation (`lab up --lb metallb`, run
// with LAB_LB=metallb): MetalLB gives the probe Service an address from the lab's pool, and the
// runner reaches it over TCP and UDP, every answer from a ready probe. Skipped otherwise (on
// the plain lab the suite's rows are skipped, which the healthy runs of every mode show).
import { describe, expect, test } from 'vitest';
import { describeRow, kubeconfig, requireLab, objectsLeft, resultsOf, runIdOf, startCli } from './cli-helpers.ts';

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
