// A careful guest (issue 20): a run deploys only what its selected rows need. `run --only
// '^pod-to-pod '` in a namespace the test made creates the probe pods (and the run's heartbeat
// Lease) and nothing else — no
// Service of any kind, no nodeport backend, no listener — seen two ways: every object the
// namespace's watch saw being added while the run went, and every object carrying the run's
// label afterwards (--keep). Its rows pass; `cleanup -n` removes what was kept.
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, test } from 'vitest';
import { describeRow, kubeconfig, kubectl, labKubectl, requireLab, resultsOf, startCli } from './cli-helpers.ts';

const up = requireLab();
/** The kinds a run could create in its namespace; each is watched. */
/** The one object besides the probes a run holds: its heartbeat Lease (named after the run). */
const heartbeat = (runId: string) => `lease.coordination.k8s.io/netconform-run-${runId}`;
const KINDS = ['pods', 'services', 'configmaps', 'secrets', 'serviceaccounts', 'networkpolicies.networking.k8s.io', 'leases.coordination.k8s.io', 'endpointslices.discovery.k8s.io'];

interface Watch {
  child: ChildProcess;
  added: Set<string>;
  listed: Promise<void>;
}

/** `kubectl get <kind> --watch`: the names it prints; `listed` resolves once its watch request was answered. */
function watch(kind: string, namespace: string): Watch {
  const child = spawn(labKubectl(), ['--kubeconfig', kubeconfig(), 'get', kind, '-n', namespace, '--watch', '-o', 'name', '-v=6'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const added = new Set<string>();
  let out = '';
  let onListed: () => void = () => undefined;
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    for (const line of out.split('\n').slice(0, -1)) added.add(line.trim());
    out = out.slice(out.lastIndexOf('\n') + 1);
  });
  const listed = new Promise<void>((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => reject(new Error(`timed out after 30 s waiting for kubectl's watch of ${kind} in ${namespace} to list (stderr: ${err})`)), 30_000);
    onListed = () => {
      clearTimeout(timer);
      resolve();
    };
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      // -v=6 logs each request: the watch is established once its GET ?watch=true answered.
      if (/watch=true" status="200/.test(err)) onListed();
    });
  });
  return { child, added, listed };
}

describe.skipIf(!up)("deploy only what the selected rows need: --only '^pod-to-pod '", () => {
  const namespace = `knc-e2e-only-${process.pid}`;
  const watches: Watch[] = [];
  afterAll(() => {
    for (const w of watches) w.child.kill();
    if (up) kubectl('delete', 'namespace', namespace, '--ignore-not-found', '--wait=false');
  });

  test('creates exactly the probes and its heartbeat Lease (by watch and by label), its rows pass, cleanup -n removes them', async () => {
    kubectl('create', 'namespace', namespace);
    kubectl('label', 'namespace', namespace, 'pod-security.kubernetes.io/enforce=privileged');
    // What the namespace holds before the run (the controllers' kube-root-ca.crt, the default ServiceAccount).
    const before = new Set(kubectl('get', KINDS.join(','), '-n', namespace, '-o', 'name').split('\n').filter(Boolean));
    for (const kind of KINDS) watches.push(watch(kind, namespace));
    await Promise.all(watches.map((w) => w.listed));
    const started = performance.now();
    const run = await startCli(['run', '--kubeconfig', kubeconfig(), '-n', namespace, '--only', '^pod-to-pod ', '--keep']);
    const seconds = (performance.now() - started) / 1000;
    const runId = /run id ([0-9a-f]{6})/.exec(run.stderr)?.[1];
    expect(runId, run.stderr.slice(-3000)).toBeDefined();
    const results = resultsOf(run).results;
    expect({ code: run.code, bad: results.filter((r) => r.outcome !== 'passed').map(describeRow) }, run.stderr.slice(-3000)).toEqual({ code: 0, bad: [] });
    expect(new Set(results.map((r) => r.suite))).toEqual(new Set(['pod-to-pod']));

    const nodes = kubectl('get', 'nodes', '-o', 'jsonpath={.items[*].metadata.name}').split(' ').filter(Boolean);
    const probes = nodes.flatMap((n) => [`pod/probe-a-${n}`, `pod/probe-b-${n}`, `pod/hostnet-${n}`]).sort();
    const runObjects = (text: string) => text.split('\n').filter(Boolean).sort();
    const byLabel = runObjects(kubectl('get', KINDS.join(','), '-n', namespace, '-l', `netconform.io/run-id=${runId}`, '-o', 'name'));
    expect(byLabel).toEqual([...probes, heartbeat(runId!)].sort());
    // The watch saw everything that was added in the namespace while the run went (endpoint slices
    // are the control plane's, for Services: none).
    const seen = [...new Set(watches.flatMap((w) => [...w.added]))].filter((name) => !before.has(name)).sort();
    expect(seen).toEqual([...probes, heartbeat(runId!)].sort());
    console.log(`--only '^pod-to-pod ': ${results.length} rows passed in ${seconds.toFixed(1)} s; created ${seen.length} objects: ${seen.join(', ')}`);

    const cleaned = await startCli(['cleanup', '--kubeconfig', kubeconfig(), '-n', namespace]);
    expect(cleaned.code, cleaned.stderr).toBe(0);
    expect(runObjects(kubectl('get', KINDS.join(','), '-n', namespace, '-l', `netconform.io/run-id=${runId}`, '-o', 'name'))).toEqual([]);
  });
});

describe.skipIf(!up)('a selection that needs no host probe starts none', () => {
  test("--only 'pod-to-pod .*/probe-a → ': the pod-network probes and the Lease only, every row passes", async () => {
    const run = await startCli(['run', '--kubeconfig', kubeconfig(), '--only', '^pod-to-pod .*/probe-a → ', '--keep']);
    const runId = /run id ([0-9a-f]{6})/.exec(run.stderr)?.[1];
    expect(runId, run.stderr.slice(-3000)).toBeDefined();
    try {
      expect(run.stderr).toMatch(/no selected row needs a host-network probe: none is started/);
      const made = kubectl('get', 'pods,services,leases', '-n', `netconform-${runId}`, '-o', 'name').split('\n').filter(Boolean);
      expect(made.filter((n) => n.startsWith('pod/hostnet-') || n.startsWith('service/'))).toEqual([]);
      expect(made.filter((n) => n.startsWith('pod/probe-')).length).toBeGreaterThan(0);
      const results = resultsOf(run).results;
      expect({ code: run.code, bad: results.filter((r) => r.outcome !== 'passed').map(describeRow) }).toEqual({ code: 0, bad: [] });
    } finally {
      const cleaned = await startCli(['cleanup', '--kubeconfig', kubeconfig(), '-n', `netconform-${runId}`]);
      expect(cleaned.code, cleaned.stderr).toBe(0);
    }
  });
});

describe.skipIf(!requireLab({ lb: 'none' }))('no LoadBalancer implementation: no LoadBalancer Service', () => {
  test("--only '^loadbalancer ' on a cluster without one: nothing but the probes and the Lease, both rows skipped naming --lb-timeout", async () => {
    const run = await startCli(['run', '--kubeconfig', kubeconfig(), '--only', '^loadbalancer ', '--keep']);
    const runId = /run id ([0-9a-f]{6})/.exec(run.stderr)?.[1];
    expect(runId, run.stderr.slice(-3000)).toBeDefined();
    try {
      const services = kubectl('get', 'services', '-A', '-l', `netconform.io/run-id=${runId}`, '-o', 'name');
      expect(services.trim()).toBe('');
      const rows = resultsOf(run).results.filter((r) => r.suite === 'loadbalancer');
      expect(rows.map((r) => [r.outcome, r.reason?.includes('--lb-timeout')])).toEqual([
        ['skipped', true],
        ['skipped', true],
      ]);
      expect(run.code, run.stderr.slice(-2000)).toBe(0);
    } finally {
      const cleaned = await startCli(['cleanup', '--kubeconfig', kubeconfig(), '-n', `netconform-${runId}`]);
      expect(cleaned.code, cleaned.stderr).toBe(0);
    }
  });
});
