// Running under the shipped least-privilege ClusterRole (manifests/rbac.yaml), and the errors
// for a user without it (403) and for bad credentials (401). Skipped when the lab is not up.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { kubectl, requireLab, objectsLeft, repoRoot, runIdOf, startCli } from './cli-helpers.ts';

const up = requireLab();
const SA = 'netconform-e2e';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netconform-rbac-'));

/** A kubeconfig for the lab's API server with a bearer token. */
function tokenKubeconfig(name: string, token: string): string {
  const server = kubectl('config', 'view', '--raw', '--minify', '-o', 'jsonpath={.clusters[0].cluster.server}');
  const ca = kubectl('config', 'view', '--raw', '--minify', '-o', 'jsonpath={.clusters[0].cluster.certificate-authority-data}');
  const file = path.join(dir, name);
  fs.writeFileSync(
    file,
    `apiVersion: v1
kind: Config
clusters: [{name: lab, cluster: {server: "${server}", certificate-authority-data: "${ca}"}}]
users: [{name: ${name}, user: {token: "${token}"}}]
contexts: [{name: ${name}, context: {cluster: lab, user: ${name}}}]
current-context: ${name}
`,
  );
  return file;
}

describe.skipIf(!up)('permissions', () => {
  beforeAll(() => {
    kubectl('apply', '-f', path.join(repoRoot, 'manifests', 'rbac.yaml'));
    kubectl('create', 'serviceaccount', SA, '-n', 'default');
  });
  afterAll(() => {
    kubectl('delete', 'clusterrolebinding', SA, '--ignore-not-found');
    kubectl('delete', 'serviceaccount', SA, '-n', 'default', '--ignore-not-found');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('without the ClusterRole: exit 3, names the verb and resource, points at rbac.yaml, creates nothing', async () => {
    const kc = tokenKubeconfig('unbound', kubectl('create', 'token', SA, '-n', 'default', '--duration', '10m').trim());
    const run = await startCli(['run', '--kubeconfig', kc]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/forbidden: cannot list nodes on https:\/\/\S+ \(context "unbound"\)/);
    expect(run.stderr).toContain('manifests/rbac.yaml');
    expect(run.stderr).not.toMatch(/namespace netconform-\w+ created/);
  });

  test('bad credentials: exit 3, says the credentials were rejected', async () => {
    const run = await startCli(['run', '--kubeconfig', tokenKubeconfig('expired', 'not-a-valid-token')]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/rejected the credentials of context "expired" \(401 Unauthorized\)/);
  });

  test('with only the shipped ClusterRole a full run passes and cleans up', async () => {
    kubectl('create', 'clusterrolebinding', SA, '--clusterrole=kube-netconform', `--serviceaccount=default:${SA}`);
    const kc = tokenKubeconfig('least-privilege', kubectl('create', 'token', SA, '-n', 'default', '--duration', '10m').trim());
    const run = await startCli(['run', '--kubeconfig', kc, '--short', '--only', '^pod-to-(pod|service) ']);
    expect(run.code, run.stderr + run.stdout).toBe(0);
    expect(objectsLeft(runIdOf(run))).toEqual([]);
    // `cleanup` lists and deletes by label across namespaces: the ClusterRole allows it.
    const cleanup = await startCli(['cleanup', '--kubeconfig', kc, '-n', 'netconform-e2e-none']);
    expect(cleanup.code, cleanup.stderr).toBe(0);
  });
});
