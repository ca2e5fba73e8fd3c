// End to end: the CLI against the lab (issue 3's acceptance). Healthy → every check passes and
// the JUnit file has one testcase per row; each fault fails exactly the rows on its path;
// Ctrl-C mid-run leaves nothing behind. Skipped when the lab is not up.
import { afterEach, describe, expect, test } from 'vitest';
import { suiteFiles } from '../../helpers/check/modules.ts';
import type { Row as CheckResult } from './cli-helpers.ts';
import { OPT_IN_SUITES, untilNoRunLeft, describeRow, junitCounts, kubeconfig, kubectl, lab, requireLab, objectsLeft, resultsOf, runIdOf, startCli } from './cli-helpers.ts';

const up = requireLab();
/** This suites only, so the counts hold while other suites (nodeport, ports) grow. */
const CORE = ['--only', '^pod-to-(pod|service) '];
const W1 = 'lab-worker-1';
const W2 = 'lab-worker-2';

/** Rows in a healthy lab of n schedulable nodes (2 probes + 1 host probe each). */
function expectedRows(n: number) {
  const pods = 2 * n;
  const podToPod = pods * (pods - 1) * 4 + n * n * 4;
  const podToService = (pods + n) * 4 + pods + 1;
  return podToPod + podToService;
}

describe.skipIf(!up)('kube-netconform against the lab', () => {
  // Heal only what these tests inject: other tests may share the lab.
  let injected: string[] = [];
  const fault = (...args: string[]) => {
    injected.push(args[0]!);
    lab('fault', ...args);
  };
  afterEach(() => {
    for (const name of injected) lab('heal', name);
    injected = [];
  });

  test('healthy lab: every check passes, JUnit has one testcase per row and no failures, nothing is left behind', async () => {
    const run = await startCli(['run', '--kubeconfig', kubeconfig(), ...CORE]);
    expect(run.code, run.stderr).toBe(0);
    const nodes = kubectl('get', 'nodes', '-o', 'name').split('\n').filter(Boolean).length;
    const results = resultsOf(run).results;
    expect(results.filter((r) => r.outcome !== 'passed').map(describeRow)).toEqual([]);
    expect(results).toHaveLength(expectedRows(nodes));
    expect(junitCounts(run)).toEqual({ tests: expectedRows(nodes), failures: 0, errors: 0, testcases: expectedRows(nodes) });
    expect(run.stdout).toMatch(/PASS: all \d+ checks passed/);
    // At exit: no Service of the run is left, and nothing of it runs: each pod still listed is
    // deleted and stopped on its node (its kubelet reports a terminal phase only once it stopped
    // the pod's containers and sandbox). The kubelets then remove those pods, and the namespace
    // controller the namespace: objectsLeft waits for that, bounded.
    const id = runIdOf(run);
    expect(kubectl('get', 'services', '-n', `netconform-${id}`, '-o', 'name').trim()).toBe('');
    const pods = kubectl('get', 'pods', '-n', `netconform-${id}`, '-o', 'jsonpath={range .items[*]}{.metadata.name} {.metadata.deletionTimestamp} {.status.phase}{"\\n"}{end}')
      .split('\n')
      .filter(Boolean);
    expect(pods.filter((p) => !/^\S+ \S+ (Succeeded|Failed)$/.test(p))).toEqual([]);
    expect(run.stderr).toMatch(new RegExp(`cleaned up in [0-9.]+ s: namespace netconform-${id} deleted, no Service left in it and every pod in it stopped on its node`));
    expect(objectsLeft(id)).toEqual([]);
  });

  test('--pods-per-node 4: four probe pods per node, every ordered pod pair reached, nothing left behind', async () => {
    const run = await startCli(['run', '--kubeconfig', kubeconfig(), '--pods-per-node', '4', '--only', '^pod-to-pod ']);
    expect(run.code, run.stderr).toBe(0);
    const nodes = kubectl('get', 'nodes', '-o', 'name').split('\n').filter(Boolean).length;
    const results = resultsOf(run).results;
    const podRows = results.filter((r) => r.from.kind === 'pod');
    const pods = new Set(podRows.map((r) => r.from.pod));
    expect(pods.size).toBe(4 * nodes);
    expect(new Set(podRows.map((r) => `${r.from.pod}>${r.to.pod}`)).size).toBe(4 * nodes * (4 * nodes - 1));
    expect(results.filter((r) => r.outcome !== 'passed').map(describeRow)).toEqual([]);
    expect(objectsLeft(runIdOf(run))).toEqual([]);
  });

  // cut-route W1 W2 is the detection test's (npm test's same step: every path, exactly the rows
  // its case names fail, the diagnosis named) and the HTML report test's (the page marks exactly
  // those cells); a third run of it here cost half a minute for the same verdict (issue 21).

  test(`kube-proxy-down ${W2}: exactly the Service rows from ${W2} fail`, async () => {
    fault('kube-proxy-down', W2);
    const run = await startCli(['run', '--kubeconfig', kubeconfig(), ...CORE]);
    expect(run.code, run.stderr).toBe(1);
    const results = resultsOf(run).results;
    const mustFail = (r: CheckResult) => r.suite === 'pod-to-service' && r.from.node === W2 && r.to.kind === 'service';
    const wrong = results.filter((r) => (mustFail(r) ? r.outcome !== 'failed' : r.outcome !== 'passed'));
    expect(wrong.map(describeRow)).toEqual([]);
    // two pods + the host × (tcp, udp, tcp full, udp full), and the two pods → kubernetes VIP
    expect(results.filter(mustFail).length).toBe(3 * 4 + 2);
    expect(objectsLeft(runIdOf(run))).toEqual([]);
  });

  test(`a node whose probes cannot be scheduled gets setup-failure testcases naming the taint, not a hang`, async () => {
    kubectl('taint', 'node', W2, 'netconform-e2e=1:NoSchedule');
    try {
      const run = await startCli(['run', '--kubeconfig', kubeconfig(), '--short', ...CORE]);
      expect(run.code, run.stderr).toBe(1);
      const results = resultsOf(run).results;
      const setup = results.filter((r) => r.properties?.phase === 'setup');
      expect(setup.length).toBeGreaterThan(0);
      for (const r of setup) {
        expect(r.outcome).toBe('error');
        expect(r.reason).toMatch(new RegExp(`Unschedulable.*node ${W2} has taints netconform-e2e=1:NoSchedule`));
      }
      expect(results.filter((r) => r.properties?.phase !== 'setup' && r.outcome !== 'passed').map(describeRow)).toEqual([]);
      expect(junitCounts(run).errors).toBe(setup.length);
    } finally {
      kubectl('taint', 'node', W2, 'netconform-e2e-');
    }
  });

  test('a cordoned node is skipped with the reason and the rest passes', async () => {
    kubectl('cordon', W2);
    try {
      const run = await startCli(['run', '--kubeconfig', kubeconfig(), '--short', ...CORE]);
      expect(run.code, run.stderr).toBe(0);
      const results = resultsOf(run).results;
      const skipped = results.filter((r) => r.outcome === 'skipped');
      expect(skipped.map((r) => r.reason)).toEqual([`node ${W2} is cordoned (spec.unschedulable=true)`, `node ${W2} is cordoned (spec.unschedulable=true)`]);
      expect(results.some((r) => r.outcome === 'passed' && (r.from.node === W2 || r.to.node === W2))).toBe(false);
    } finally {
      kubectl('uncordon', W2);
    }
  });

  test('Ctrl-C during the checks: exit 130, everything the run created is deleted', async () => {
    let sent = false;
    const run = await startCli(['run', '--kubeconfig', kubeconfig(), ...CORE], {
      onStderr: (text, child) => {
        if (!sent && /checks: \d+\/\d+ done/.test(text)) {
          sent = true;
          child.kill('SIGINT');
        }
      },
    });
    expect(sent).toBe(true);
    expect(run.code, run.stderr).toBe(130);
    expect(run.stderr).toMatch(/SIGINT: stopping and cleaning up namespace netconform-/);
    expect(objectsLeft(runIdOf(run))).toEqual([]);
  });

  test('Ctrl-C while the probes are being deployed also leaves nothing', async () => {
    let sent = false;
    const run = await startCli(['run', '--kubeconfig', kubeconfig(), ...CORE], {
      onStderr: (text, child) => {
        if (!sent && /creating \d+ probe pods/.test(text)) {
          sent = true;
          child.kill('SIGINT');
        }
      },
    });
    expect(run.code, run.stderr).toBe(130);
    expect(objectsLeft(runIdOf(run))).toEqual([]);
  });

  test('an existing non-empty --namespace is refused (exit 3) and left untouched', async () => {
    const run = await startCli(['run', '--kubeconfig', kubeconfig(), '--namespace', 'default']);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/namespace default exists and is not empty \(0 pods, 1 services\)/);
    expect(kubectl('get', 'service', 'kubernetes', '-n', 'default', '-o', 'name').trim()).toBe('service/kubernetes');
  });

  test('an existing empty --namespace is used, emptied of our probes afterwards, and kept', async () => {
    const ns = 'netconform-e2e-existing';
    kubectl('create', 'namespace', ns);
    try {
      const run = await startCli(['run', '--kubeconfig', kubeconfig(), '--namespace', ns, '--only', 'pod-to-pod lab-worker-1/probe-a → lab-worker-2/probe-b']);
      expect(run.code, run.stderr).toBe(0);
      expect(resultsOf(run).results.map((r) => r.name)).toHaveLength(4);
      expect(kubectl('get', 'namespace', ns, '-o', 'name').trim()).toBe(`namespace/${ns}`);
      expect(kubectl('get', 'pods,services', '-n', ns, '-o', 'name').trim()).toBe('');
    } finally {
      kubectl('delete', 'namespace', ns, '--wait=false');
    }
  });

  test('--keep leaves the run in place; cleanup -n removes it', async () => {
    const run = await startCli(['run', '--kubeconfig', kubeconfig(), '--keep', '--only', 'pod-to-pod lab-worker-1/probe-a → lab-worker-2/probe-b']);
    expect(run.code, run.stderr).toBe(0);
    const id = runIdOf(run);
    expect(objectsLeft(id)).toContain(`namespace/netconform-${id}`);
    const cleanup = await startCli(['cleanup', '--kubeconfig', kubeconfig(), '-n', `netconform-${id}`]);
    expect(cleanup.code, cleanup.stderr).toBe(0);
    // --keep released the run's heartbeat Lease: cleanup removes the kept run at once.
    expect(cleanup.stdout).toMatch(new RegExp(`removed 1 ended run \\(${id}\\): 1 namespaces \\(netconform-${id}\\)`));
    expect(objectsLeft(id)).toEqual([]);
  });

  test('list prints every row a run would check, without deploying', async () => {
    const run = await startCli(['list', '--kubeconfig', kubeconfig(), ...CORE]);
    expect(run.code).toBe(0);
    const nodes = kubectl('get', 'nodes', '-o', 'name').split('\n').filter(Boolean).length;
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(expectedRows(nodes));
    expect(lines).toContain('pod-to-pod\tlab-worker-1/probe-a → lab-worker-2/probe-b 8080/tcp');
    expect(run.stderr).not.toMatch(/created/);
  });

  test('list and a real run produce the same titles in every suite, NodePorts included', async () => {
    // NodePorts are picked from the free ones: earlier runs' Services (a namespace still being
    // deleted) must be gone, or list and run see different free ports.
    await untilNoRunLeft();
    const list = await startCli(['list', '--kubeconfig', kubeconfig()]);
    expect(list.code, list.stderr).toBe(0);
    const listed = list.stdout.trim().split('\n').sort();
    const run = await startCli(['run', '--kubeconfig', kubeconfig()]);
    expect(run.code, run.stderr).toBe(0);
    const ran = resultsOf(run)
      .results.map((r) => `${r.suite}\t${r.name}`)
      .sort();
    expect(new Set(ran.map((t) => t.split('\t')[0]))).toEqual(
      new Set(
        suiteFiles()
          .map((f) => f.name)
          .filter((name) => !OPT_IN_SUITES.includes(name)),
      ),
    );
    expect(ran).toEqual(listed);
    expect(listed.some((t) => /^nodeport\trunner → \S+ [\d.]+:3\d{4}\/tcp/.test(t))).toBe(true);
  });

  test('an --only that matches nothing fails in under 2 seconds, before anything is created', async () => {
    const started = performance.now();
    const run = await startCli(['run', '--kubeconfig', kubeconfig(), '--only', 'no-such-check-anywhere']);
    const elapsed = performance.now() - started;
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(/selected no checks/);
    expect(run.stderr).not.toMatch(/created/);
    expect(elapsed).toBeLessThan(2_000);
  });
});
