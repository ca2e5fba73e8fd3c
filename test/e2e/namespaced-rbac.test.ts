// Namespaced least privilege (issue 20), on the lab: a ServiceAccount bound only to
// manifests/rbac-namespaced.yaml (the Role in a namespace an admin prepared, the read-only
// ClusterRole, list of kube-system's ConfigMaps) runs the full default set in that namespace and
// every row passes (or is skipped for the reasons an admin run skips them), nothing is left;
// `kubectl auth can-i` shows the identity cannot exec, create or delete outside the namespace.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { describeRow, kubectl, requireLab, repoRoot, resultsOf, startCli } from './cli-helpers.ts';

const up = requireLab();
const NS = 'netconform-e2e-namespaced';
const SA = 'runner';
const READ = 'kube-netconform-read';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netconform-namespaced-'));
const as = `--as=system:serviceaccount:${NS}:${SA}`;

function tokenKubeconfig(token: string): string {
  const server = kubectl('config', 'view', '--raw', '--minify', '-o', 'jsonpath={.clusters[0].cluster.server}');
  const ca = kubectl('config', 'view', '--raw', '--minify', '-o', 'jsonpath={.clusters[0].cluster.certificate-authority-data}');
  const file = path.join(dir, 'namespaced.kubeconfig');
  fs.writeFileSync(
    file,
    `apiVersion: v1
kind: Config
clusters: [{name: lab, cluster: {server: "${server}", certificate-authority-data: "${ca}"}}]
users: [{name: ${SA}, user: {token: "${token}"}}]
contexts: [{name: ${SA}, context: {cluster: lab, user: ${SA}, namespace: ${NS}}}]
current-context: ${SA}
`,
    { mode: 0o600 },
  );
  return file;
}

/** `kubectl auth can-i` as the run's identity: 'yes' or 'no' (it exits 1 on no). */
function canI(...args: string[]): string {
  try {
    return kubectl('auth', 'can-i', as, ...args).trim();
  } catch (err) {
    return String((err as { stdout?: string }).stdout ?? '').trim() || 'no';
  }
}

describe.skipIf(!up)('a run under the namespaced Role', () => {
  beforeAll(() => {
    // What an admin does once (the header of manifests/rbac-namespaced.yaml).
    kubectl('create', 'namespace', NS);
    kubectl('label', 'namespace', NS, 'pod-security.kubernetes.io/enforce=privileged');
    kubectl('apply', '-n', NS, '-f', path.join(repoRoot, 'manifests', 'rbac-namespaced.yaml'));
    kubectl('create', 'serviceaccount', SA, '-n', NS);
    kubectl('create', 'rolebinding', 'kube-netconform', '-n', NS, '--role=kube-netconform', `--serviceaccount=${NS}:${SA}`);
    kubectl('create', 'clusterrolebinding', `${READ}-e2e`, `--clusterrole=${READ}`, `--serviceaccount=${NS}:${SA}`);
    kubectl('create', 'role', READ, '-n', 'kube-system', '--verb=list', '--resource=configmaps');
    kubectl('create', 'rolebinding', `${READ}-e2e`, '-n', 'kube-system', `--role=${READ}`, `--serviceaccount=${NS}:${SA}`);
  });
  afterAll(() => {
    kubectl('delete', 'clusterrolebinding', `${READ}-e2e`, '--ignore-not-found');
    kubectl('delete', 'clusterrole', READ, '--ignore-not-found');
    kubectl('delete', 'rolebinding', `${READ}-e2e`, '-n', 'kube-system', '--ignore-not-found');
    kubectl('delete', 'role', READ, '-n', 'kube-system', '--ignore-not-found');
    kubectl('delete', 'namespace', NS, '--ignore-not-found', '--wait=false');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('cannot exec, create or delete outside its namespace', () => {
    expect({
      'exec in its namespace': canI('create', 'pods/exec', '-n', NS),
      'exec in kube-system': canI('create', 'pods/exec', '-n', 'kube-system'),
      'create pods in default': canI('create', 'pods', '-n', 'default'),
      'create services in default': canI('create', 'services', '-n', 'default'),
      'delete pods in kube-system': canI('delete', 'pods', '-n', 'kube-system'),
      'create namespaces': canI('create', 'namespaces'),
      'delete namespaces': canI('delete', 'namespaces'),
      'list nodes': canI('list', 'nodes'),
    }).toEqual({
      'exec in its namespace': 'yes',
      'exec in kube-system': 'no',
      'create pods in default': 'no',
      'create services in default': 'no',
      'delete pods in kube-system': 'no',
      'create namespaces': 'no',
      'delete namespaces': 'no',
      'list nodes': 'yes',
    });
  });

  test('the full default run passes in the namespace and leaves nothing; cleanup -n works with the same rights', async () => {
    const kc = tokenKubeconfig(kubectl('create', 'token', SA, '-n', NS, '--duration', '15m').trim());
    const run = await startCli(['run', '--kubeconfig', kc, '-n', NS]);
    const results = resultsOf(run).results;
    const bad = results.filter((r) => r.outcome === 'failed' || r.outcome === 'error').map(describeRow);
    expect({ code: run.code, bad }, run.stderr.slice(-3000)).toEqual({ code: 0, bad: [] });
    // Every path that runs with a pre-made namespace made rows (network-policy is opt-in).
    expect(new Set(results.map((r) => r.suite))).toEqual(
      new Set(['pod-to-pod', 'pod-to-node', 'pod-to-external', 'pod-to-service', 'hairpin', 'session-affinity', 'dns', 'nodeport', 'loadbalancer', 'ports']),
    );
    expect(kubectl('get', 'pods,services,leases', '-n', NS, '-l', 'netconform.io/run-id', '-o', 'name').trim()).toBe('');
    const cleaned = await startCli(['cleanup', '--kubeconfig', kc, '-n', NS]);
    expect(cleaned.code, cleaned.stderr).toBe(0);
  });
});
