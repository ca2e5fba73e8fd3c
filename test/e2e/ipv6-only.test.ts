// The full suite on an IPv6-only cluster (`lab up --ip-family ipv6`, LAB_IP_FAMILY=ipv6): every
// check passes, every network row is IPv6 (its addresses too, bracketed in dial titles), every
// path that has network rows on an IPv4 cluster has them here, and nothing is left behind.
// Skipped unless the lab is up and LAB_IP_FAMILY=ipv6.
import { describe, expect, test } from 'vitest';
import { describeRow, kubeconfig, requireLab, objectsLeft, resultsOf, runIdOf, startCli } from './cli-helpers.ts';
import { expectedHealthySkips, healthySkips, labOfEnv } from './healthy-skips.ts';

const ipv6Only = requireLab({ ipFamily: 'ipv6' });

/** The paths with network rows on every cluster (loadbalancer needs an implementation, so it is skipped on the plain lab). */
const NETWORK_PATHS = ['dns', 'hairpin', 'nodeport', 'pod-to-external', 'pod-to-node', 'pod-to-pod', 'pod-to-service', 'ports', 'session-affinity'];

describe.skipIf(!ipv6Only)('kube-netconform on the IPv6-only lab', () => {
  test('the full suite passes, every network row IPv6, every path checked, nothing left behind', async () => {
    const run = await startCli(['run', '--kubeconfig', kubeconfig()]);
    const { results } = resultsOf(run);
    expect(results.filter((r) => r.outcome === 'failed' || r.outcome === 'error').map(describeRow)).toEqual([]);
    expect(run.code, run.stderr).toBe(0);
    // Skipped: the profile's CNI rule and the two loadbalancer rows, nothing else.
    expect(healthySkips(results)).toEqual(expectedHealthySkips(labOfEnv()));
    const network = results.filter((r) => !r.status);
    expect(new Set(network.map((r) => r.family))).toEqual(new Set(['ipv6']));
    expect([...new Set(network.filter((r) => r.outcome === 'passed').map((r) => r.suite))].sort()).toEqual(NETWORK_PATHS);
    for (const r of network) {
      if (r.to.ip) expect(r.to.ip, r.name).toContain(':');
      expect(r.from.ip, r.name).toContain(':');
    }
    // Dial titles carry bracketed literals ([fd6b:…]:port/proto).
    expect(network.filter((r) => r.suite === 'nodeport').every((r) => /\[[0-9a-f:]+\]:\d+\//.test(r.name))).toBe(true);
    // One family: no per-family coverage facts (those are for clusters with more than one).
    expect(results.filter((r) => r.properties?.['check'] === 'ip-family-coverage')).toEqual([]);
    expect(objectsLeft(runIdOf(run))).toEqual([]);
  });
});
