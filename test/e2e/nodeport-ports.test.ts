// End to end: the nodeport and ports suites through the CLI against the lab (issue 4's
// acceptance). Healthy → every row of both passes with the kubeadm profile and the lab's CNI
// detected; block-nodeports fails exactly that node's NodePort rows and the diagnosis names its
// NodePort firewall; block-port 10250/tcp fails exactly the 10250 rows to that node; in vxlan
// mode, blocking UDP 8472 into a node fails its cross-node pod rows and the diagnosis names
// UDP 8472; the seed-2017 profile passes on the healthy lab between exactly the nodes its rules
// name, every verdict with how it was obtained.
// Runs use their own host-probe port so they do not collide with other runs on the shared lab;
// each fault is healed by name in a finally.
import { describe, expect, test } from 'vitest';
import type { Row as CheckResult } from './cli-helpers.ts';
import { describeRow, kubeconfig, kubectl, lab, requireLab, objectsLeft, resultsOf, startCli, type CliRun } from './cli-helpers.ts';
import { expectHealthyNodePortsAndPorts } from './healthy-ports.ts';
import { labOfEnv } from './healthy-skips.ts';

const up = requireLab();
const W1 = 'lab-worker-1';
const W2 = 'lab-worker-2';
const ONLY_OURS = ['--only', '^(nodeport|ports) '];
const inNodePortRange = (port: number) => port >= 30000 && port <= 32767;

function run(args: string[]): Promise<CliRun> {
  return startCli(['run', '--kubeconfig', kubeconfig(), '--host-port', '28080', ...args]);
}

/** The run's own namespace is gone afterwards (other runs may share the lab, so we look only at ours). */
function expectOwnNamespaceGone(r: CliRun) {
  const ns = /namespace (netconform-[0-9a-f]+) created/.exec(r.stderr)?.[1];
  expect(ns, r.stderr).toBeDefined();
  // Terminating and empty when the run exits; the namespace controller drops it within seconds.
  expect(objectsLeft(ns!.replace(/^netconform-/, ''))).toEqual([]);
}

async function withFault<T>(fault: string[], body: () => Promise<T>): Promise<T> {
  lab('fault', ...fault);
  try {
    return await body();
  } finally {
    lab('heal', fault[0]!);
  }
}

/** "Exactly these fail" means nothing if a node was left out (NotReady, cordoned): every node must be probed. */
function exactly(results: CheckResult[], mustFail: (r: CheckResult) => boolean): string[] {
  const skippedNodes = results.filter((r) => /^node .* skipped$/.test(r.name)).map(describeRow);
  if (skippedNodes.length) return skippedNodes;
  return results.filter((r) => (mustFail(r) ? r.outcome !== 'failed' : r.outcome !== 'passed' && r.outcome !== 'skipped')).map(describeRow);
}

describe.skipIf(!up)('nodeport and ports suites against the lab', () => {
  test('healthy lab, kubeadm profile: every row of both suites passes, the CNI is detected and printed', async () => {
    const r = await run(ONLY_OURS);
    expect(r.code, r.stderr).toBe(0);
    const nodes = kubectl('get', 'nodes', '-o', 'name').split('\n').filter(Boolean).length;
    expectHealthyNodePortsAndPorts(resultsOf(r).results, r.stderr, { ...labOfEnv(), nodes });
    expectOwnNamespaceGone(r);
  });

  test(`block-nodeports ${W2}: exactly ${W2}'s NodePort rows fail, the diagnosis names its NodePort firewall`, async () => {
    const r = await withFault(['block-nodeports', W2], () => run(ONLY_OURS));
    expect(r.code, r.stderr).toBe(1);
    const run1 = resultsOf(r);
    const mustFail = (x: CheckResult) => x.to.node === W2 && x.expect === 'REACHABLE' && (x.suite === 'nodeport' || (x.suite === 'ports' && inNodePortRange(x.port)));
    expect(exactly(run1.results, mustFail)).toEqual([]);
    expect(run1.results.filter(mustFail).length).toBeGreaterThanOrEqual(6);
    expect(run1.diagnosis.join('\n')).toMatch(new RegExp(`${W2}'s firewall drops the NodePort range`));
    expectOwnNamespaceGone(r);
  });

  // block-port <worker> 10250/tcp is judged by the detection test's block-port-kubelet case (the
  // full suite: exactly the 10250 rows into that node fail, the diagnosis names 10250 and the node),
  // in the same npm test step; running it here too cost 90 s of CI for the same verdict.

  test.runIf(process.env.LAB_NETWORK === 'vxlan')(`vxlan: block-port ${W2} 8472/udp fails ${W2}'s cross-node pod rows, the diagnosis names UDP 8472`, async () => {
    const r = await withFault(['block-port', W2, '8472/udp'], () => run([]));
    expect(r.code, r.stderr).toBe(1);
    const run1 = resultsOf(r);
    const crossNode = run1.results.filter((x) => x.suite === 'pod-to-pod' && x.from.kind === 'pod' && x.to.kind === 'pod' && x.from.node !== x.to.node && (x.from.node === W2 || x.to.node === W2));
    expect(crossNode.length).toBeGreaterThan(0);
    // Rows into W2's pods are network verdicts. Rows from W2's pods cannot even be driven: the
    // API server reaches those probes over the same overlay, so they are control errors.
    expect(crossNode.filter((x) => x.to.node === W2 && x.outcome !== 'failed').map(describeRow)).toEqual([]);
    expect(crossNode.filter((x) => x.from.node === W2 && x.outcome === 'passed').map(describeRow)).toEqual([]);
    const vxlanRows = run1.results.filter((x) => x.suite === 'ports' && x.port === 8472);
    expect(vxlanRows.filter((x) => x.to.node === W2).every((x) => x.outcome === 'failed')).toBe(true);
    // VXLAN needs both directions, so only the pairs that do not involve W2 must still pass.
    const untouched = vxlanRows.filter((x) => x.to.node !== W2 && x.from.node !== W2);
    expect(untouched.length).toBeGreaterThan(0);
    expect(untouched.filter((x) => x.outcome !== 'passed').map(describeRow)).toEqual([]);
    expect(run1.diagnosis.join('\n')).toMatch(/UDP 8472/);
    expectOwnNamespaceGone(r);
  });

  test('--profile seed-2017 on the healthy lab: every rule that applies passes between exactly the nodes it names, each verdict with how it was obtained; the others are skipped as not applicable', async () => {
    const r = await run(['--only', '^ports ', '--profile', 'seed-2017']);
    const results = resultsOf(r).results.filter((x) => x.suite === 'ports');
    expect(r.stderr).toMatch(/ports: profile seed-2017/);
    // A healthy lab has no firewall: every port the 2017 table wants open is open (a port nothing
    // listens on is proven by a temporary listener), so the run passes.
    expect(results.filter((x) => x.outcome !== 'passed' && x.outcome !== 'skipped').map(describeRow)).toEqual([]);
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    const checked = results.filter((x) => x.outcome !== 'skipped');
    // The rules' roles on the lab: one control plane (master, and etcd: no node is labelled etcd), two workers.
    const CP = 'lab-control-plane';
    // worker → etcd 2379-2380 (a rule for flannel and Calico, so on the flannel labs): the lab's etcd serves
    // the loopback only, so the control plane's kernel answers with a reset — the port is not
    // filtered, which the profile's rule accepts (seen on flannel-host-gw, 2026-12-07).
    const etcdFromWorker = (x: (typeof checked)[number]) => (x.port === 2379 || x.port === 2380) && x.from.node !== CP;
    for (const x of checked) {
      if (etcdFromWorker(x)) {
        expect(['REACHABLE', 'REFUSED'], describeRow(x)).toContain(x.observed);
        continue;
      }
      expect(x.observed, describeRow(x)).toBe('REACHABLE');
      expect(['existing-listener', 'temporary-listener', 'path-traffic'], describeRow(x)).toContain(x.properties?.verdictSource);
    }
    const pairs = (port: number) =>
      checked
        .filter((x) => x.port === port && x.protocol === 'tcp')
        .map((x) => `${x.from.node} → ${x.to.node}`)
        .sort();
    expect(pairs(443), 'worker → master 443/tcp').toEqual([`${W1} → ${CP}`, `${W2} → ${CP}`]);
    expect(pairs(10250), 'master → worker 10250/tcp').toEqual([`${CP} → ${W1}`, `${CP} → ${W2}`]);
    const anyToWorker = [`${CP} → ${W1}`, `${CP} → ${W2}`, `${W1} → ${W2}`, `${W2} → ${W1}`];
    expect(pairs(10255), 'any → worker 10255/tcp').toEqual(anyToWorker);
    // The NodePort range: both ends and one port inside, any → worker.
    const nodePortRows = checked.filter((x) => inNodePortRange(x.port));
    expect(new Set(nodePortRows.map((x) => x.port)).size, 'three ports of 30000-32767').toBe(3);
    expect([...new Set(nodePortRows.map((x) => `${x.from.node} → ${x.to.node}`))].sort()).toEqual(anyToWorker);
    expect(nodePortRows).toHaveLength(3 * anyToWorker.length);
    // master → etcd 2379-2380 is the control plane to itself: no row (a node never checks itself).
    expect(checked.filter((x) => (x.port === 2379 || x.port === 2380) && x.from.node === CP).map(describeRow)).toEqual([]);
    // The lab's kubelets serve no 10255 (read-only port off): the seed wants it open, so a temporary
    // listener proves the firewall (unless another run on the shared lab is listening there already).
    for (const x of checked.filter((x) => x.port === 10255)) expect(['temporary-listener', 'existing-listener'], describeRow(x)).toContain(x.properties?.verdictSource);
    // The rules that need a CNI the lab does not have are rows too: skipped, saying why.
    const skipped = results.filter((x) => x.outcome === 'skipped');
    for (const x of skipped) expect(x.reason ?? '', describeRow(x)).toMatch(/^not applicable here: needs /);
    // Per lab network (measured 2026-12-07 on vxlan: 26 rows, 4 skipped, every row as asserted here):
    // routed: flannel/udp 8285 (to master, to worker), vxlan 8472 (to master, to worker), BGP 179 and
    // worker → etcd (flannel, Calico) are skipped; vxlan adds UDP 8472 between every ordered pair,
    // judged from the overlay's own traffic.
    const network = process.env.LAB_NETWORK ?? 'routed';
    if (network === 'routed' || network === 'vxlan') {
      const overlayRows = checked.filter((x) => x.port === 8472 && x.protocol === 'udp');
      expect(overlayRows.map((x) => `${x.from.node} → ${x.to.node} ${x.properties?.verdictSource}`).sort()).toEqual(
        network === 'vxlan' ? [...anyToWorker, `${W1} → ${CP}`, `${W2} → ${CP}`].map((p) => `${p} path-traffic`).sort() : [],
      );
      expect(skipped.map(describeRow)).toHaveLength(network === 'vxlan' ? 4 : 6);
      expect(checked).toHaveLength(2 + 2 + 4 + 3 * 4 + overlayRows.length);
    }
    expectOwnNamespaceGone(r);
  });
});
