// Dual-stack lab (LAB_IP_FAMILY=dual, `lab up --ip-family dual`): every path is certified once
// per IP family. Healthy → every check passes in both families, each network row's ends and
// dial target are of its own family, the summary draws a matrix per family; `list --ip-family 6`
// prints exactly the IPv6 rows a run makes. The healthy run is also the dual-stack lab's healthy
// run for npm test (the nodeport and ports suites per family, the CNI detected): the detection
// test there runs only its IPv6-only fault cases (an IPv6-only fault fails only IPv6 rows and the
// diagnosis names the family). Skipped unless the lab is up and LAB_IP_FAMILY=dual.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { describeRow, kubeconfig, kubectl, requireLab, resultsOf, startCli, untilNoRunLeft } from './cli-helpers.ts';
import { expectHealthyNodePortsAndPorts } from './healthy-ports.ts';
import { expectedHealthySkips, healthySkips, labOfEnv } from './healthy-skips.ts';

const dual = requireLab({ ipFamily: 'dual' });

describe.skipIf(!dual)('kube-netconform on the dual-stack lab', { sequential: true }, () => {
  test('healthy: every check passes in IPv4 and in IPv6, rows of one family each, a matrix per family, the nodeport and ports suites per family, the CNI detected', async () => {
    const run = await startCli(['run', '--kubeconfig', kubeconfig()]);
    const { results, cluster } = resultsOf(run);
    expect(results.filter((r) => r.outcome === 'failed' || r.outcome === 'error').map(describeRow)).toEqual([]);
    // The kubeadm profile's CNI rule (no detected CNI needs node-to-node ports) and the loadbalancer rows, once each, not once per family.
    expect(healthySkips(results)).toEqual(expectedHealthySkips(labOfEnv()));
    expect(run.code, run.stderr).toBe(0);
    const network = results.filter((r) => !r.status);
    const families = new Set(network.map((r) => r.family));
    expect([...families].sort()).toEqual(['ipv4', 'ipv6']);
    for (const suite of new Set(network.map((r) => r.suite))) {
      const mine = network.filter((r) => r.suite === suite);
      expect(new Set(mine.map((r) => r.family)).size, `${suite} is checked in both families`).toBe(2);
    }
    for (const r of network) {
      // A headless Service's name has no address of its own (to.ip ''): its family is the lookup's.
      if (r.to.ip) expect(r.to.ip.includes(':') ? 'ipv6' : 'ipv4', r.name).toBe(r.family);
      if (r.from.kind !== 'runner') expect(r.from.ip.includes(':') ? 'ipv6' : 'ipv4', r.name).toBe(r.family);
    }
    const v6 = network.filter((r) => r.family === 'ipv6');
    expect(v6.filter((r) => r.suite === 'nodeport').every((r) => /\[[0-9a-f:]+\]:\d+\//.test(r.name))).toBe(true);
    expect(results.filter((r) => r.properties?.['check'] === 'ip-family-coverage').map((r) => `${r.name} ${r.outcome}`)).toEqual([
      'IPv4 configured on every node passed',
      'IPv6 configured on every node passed',
    ]);
    // What the detection test's healthy run asserts on the other labs (it runs only the faults here).
    expect(cluster.cni, 'the CNI the run detected').toEqual(['bridge']);
    expectHealthyNodePortsAndPorts(results, run.stderr, { ...labOfEnv(), nodes: kubectl('get', 'nodes', '-o', 'name').split('\n').filter(Boolean).length, families: 2 });
    const summary = fs.readFileSync(path.join(run.reportDir, 'summary.md'), 'utf8');
    expect(summary).toContain('### pod-to-pod (IPv4)');
    expect(summary).toContain('### pod-to-pod (IPv6)');
  });

  test('list --ip-family 6 prints the IPv6 rows a run makes', async () => {
    await untilNoRunLeft();
    const list = await startCli(['list', '--kubeconfig', kubeconfig(), '--ip-family', '6', '--only', '^pod-to-(pod|node) ']);
    expect(list.code, list.stderr).toBe(0);
    const listed = list.stdout.split('\n').filter(Boolean);
    expect(listed.length).toBeGreaterThan(0);
    expect(listed.every((l) => /IPv6/.test(l) || /configured on every node/.test(l))).toBe(true);
    const run = await startCli(['run', '--kubeconfig', kubeconfig(), '--ip-family', '6', '--only', '^pod-to-(pod|node) ']);
    expect(run.code, run.stderr).toBe(0);
    // The same rows (the run reports them by suite as they finish, list in module order).
    expect(
      resultsOf(run)
        .results.map((r) => `${r.suite}\t${r.name}`)
        .sort(),
    ).toEqual([...listed].sort());
  });
  // An IPv6-only fault (cut-route --family 6, block-port 10250 --family 6) failing exactly the IPv6
  // rows, the diagnosis naming the family: the detection test's cut-route-ipv6 and
  // block-port-kubelet-ipv6 cases, in the same npm test step.
});
