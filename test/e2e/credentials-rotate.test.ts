// Credentials that stop working mid-run (issue 20): the run's kubeconfig user is an exec
// credential plugin (a script this test writes) that mints, each time it runs, a ServiceAccount
// token bound to a Secret (`kubectl create token --bound-object-kind Secret`), with the token's
// own expiry as the ExecCredential's expirationTimestamp (so the client library keeps it and runs
// the plugin again only when asked to). The ServiceAccount has only the shipped ClusterRole
// (manifests/rbac.yaml). Once the run's probes exist, the test makes a second Secret, points
// the plugin at it and deletes the first: the API server then rejects the first token (a bound
// token dies with its object — within the API server's 10 s cache of accepted tokens). The run
// must read its credentials again — the plugin runs anew, minting against the second Secret — and
// finish with no control error, exit 0, nothing left, and no token in its output.
// The run is made long enough, without a sleep: `--lb-timeout 30s` on this lab (no LoadBalancer
// implementation) has its setup wait 30 s from the LoadBalancer Service's creation for an address
// that never comes (both loadbalancer rows are then skipped), so the first token is dead well
// before the setup ends: its reads of the Service, the heartbeat, the hand-over to the checks and
// the cleanup all need the reload. (A token that dies during the checks themselves — the suite
// workers asking the CLI's thread — is covered by test/unit/kube/credential-renewal.test.ts; the
// lab's checks take ~3 s, less than that cache.)
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { describeRow, kubeconfig, kubectl, objectsLeft, repoRoot, requireLab, resultsOf, startCli } from './cli-helpers.ts';

// No LoadBalancer implementation: the 30 s wait for an address that never comes is what makes the run long.
const up = requireLab({ lb: 'none' });
const SA = 'netconform-e2e-rotate';
const FIRST = `${SA}-first`;
const SECOND = `${SA}-second`;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netconform-rotate-'));
const runsFile = path.join(dir, 'runs');
const bindFile = path.join(dir, 'bind-to');

/**
 * The plugin: mint a token for the ServiceAccount bound to the Secret named in bind-to (with the
 * admin kubeconfig), note the Secret in `runs` (never the token), print the ExecCredential.
 */
const PLUGIN = `import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
const [admin, runs, bindTo] = process.argv.slice(2);
const secret = fs.readFileSync(bindTo, 'utf8').trim();
const token = execFileSync('kubectl', ['--kubeconfig', admin, 'create', 'token', ${JSON.stringify(SA)}, '-n', 'default', '--duration', '10m', '--bound-object-kind', 'Secret', '--bound-object-name', secret], { encoding: 'utf8' }).trim();
const exp = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')).exp;
fs.appendFileSync(runs, secret + '\\n');
process.stdout.write(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token, expirationTimestamp: new Date(exp * 1000).toISOString() } }));
`;

/** A kubeconfig for the lab's API server whose user is the plugin. */
function pluginKubeconfig(): string {
  const server = kubectl('config', 'view', '--raw', '--minify', '-o', 'jsonpath={.clusters[0].cluster.server}');
  const ca = kubectl('config', 'view', '--raw', '--minify', '-o', 'jsonpath={.clusters[0].cluster.certificate-authority-data}');
  const plugin = path.join(dir, 'mint-token.mjs');
  fs.writeFileSync(plugin, PLUGIN);
  const exec = { apiVersion: 'client.authentication.k8s.io/v1', interactiveMode: 'Never', command: process.execPath, args: [plugin, kubeconfig(), runsFile, bindFile] };
  const file = path.join(dir, 'rotating.kubeconfig');
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'lab', cluster: { server, 'certificate-authority-data': ca } }],
    users: [{ name: 'rotating', user: { exec } }],
    contexts: [{ name: 'rotating', context: { cluster: 'lab', user: 'rotating' } }],
    'current-context': 'rotating',
  };
  fs.writeFileSync(file, JSON.stringify(config), { mode: 0o600 });
  return file;
}

const execFileAsync = promisify(execFile);
/** kubectl without blocking this process (the CLI's output keeps flowing while the test polls). */
async function kubectlAsync(admin: string, ...args: string[]): Promise<string> {
  return (await execFileAsync('kubectl', ['--kubeconfig', admin, ...args], { encoding: 'utf8', timeout: 60_000 })).stdout;
}

/** Poll `condition` until it gives a value; fail naming `what` after `timeoutMs`, or at once when the run ended first. */
async function until<T>(what: string, condition: () => Promise<T | undefined>, o: { timeoutMs: number; ended: () => boolean }): Promise<T> {
  const deadline = Date.now() + o.timeoutMs;
  for (;;) {
    const value = await condition();
    if (value !== undefined) return value;
    if (o.ended()) throw new Error(`the run ended before ${what}`);
    if (Date.now() > deadline) throw new Error(`timed out after ${o.timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250)); // poll interval of a condition wait
  }
}

describe.skipIf(!up)('credentials that stop working mid-run', () => {
  beforeAll(() => {
    kubectl('apply', '-f', path.join(repoRoot, 'manifests', 'rbac.yaml'));
    kubectl('delete', 'clusterrolebinding', SA, '--ignore-not-found');
    kubectl('delete', 'serviceaccount', SA, '-n', 'default', '--ignore-not-found');
    kubectl('delete', 'secret', FIRST, SECOND, '-n', 'default', '--ignore-not-found');
    kubectl('create', 'serviceaccount', SA, '-n', 'default');
    kubectl('create', 'clusterrolebinding', SA, '--clusterrole=kube-netconform', `--serviceaccount=default:${SA}`);
    kubectl('create', 'secret', 'generic', FIRST, '-n', 'default');
    fs.writeFileSync(bindFile, FIRST);
  });
  afterAll(() => {
    kubectl('delete', 'clusterrolebinding', SA, '--ignore-not-found');
    kubectl('delete', 'serviceaccount', SA, '-n', 'default', '--ignore-not-found');
    kubectl('delete', 'secret', FIRST, SECOND, '-n', 'default', '--ignore-not-found');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the first token is revoked once the probes exist: the plugin runs again, the run passes with no control error and leaves nothing', async () => {
    const kc = pluginKubeconfig();
    const admin = kubeconfig();
    let stderr = '';
    let ended = false;
    const cli = startCli(['run', '--kubeconfig', kc, '--lb-timeout', '30s'], { onStderr: (text) => (stderr = text) }).finally(() => (ended = true));
    const waiting = { timeoutMs: 180_000, ended: () => ended };
    // The run's namespace, then its probes in it.
    const runId = await until('the run to create its namespace', async () => /namespace netconform-([0-9a-f]{6}) created/.exec(stderr)?.[1], waiting);
    await until(
      `the probes in namespace netconform-${runId}`,
      async () => (await kubectlAsync(admin, 'get', 'pods', '-n', `netconform-${runId}`, '-l', `netconform.io/run-id=${runId}`, '-o', 'name')).trim() || undefined,
      waiting,
    );
    // Rotate: the plugin mints against the second Secret from now on; the first token dies with the first Secret.
    await kubectlAsync(admin, 'create', 'secret', 'generic', SECOND, '-n', 'default');
    fs.writeFileSync(bindFile, SECOND);
    await kubectlAsync(admin, 'delete', 'secret', FIRST, '-n', 'default', '--wait=true');
    const revokedBeforeChecks = !stderr.includes('running the checks');
    const result = await cli;
    // Mid-run: the first token was revoked before the checks began (the setup waits 30 s for the
    // LoadBalancer address), so everything after needed the fresh credentials.
    expect(revokedBeforeChecks, 'the first Secret was deleted only after the run began its checks').toBe(true);

    const out = `${result.stderr}\n${result.stdout}`;
    const { results: rows, counters } = resultsOf(result);
    const bad = rows.filter((r) => r.outcome === 'error' || r.outcome === 'failed').map(describeRow);
    expect({ code: result.code, bad }, out.slice(-4000)).toEqual({ code: 0, bad: [] });
    // The plugin ran first for the first Secret, and again after the rotation (a reload, not a
    // run per request: the tokens carry their expiry, so the client library keeps them).
    const minted = fs.readFileSync(runsFile, 'utf8').split('\n').filter(Boolean);
    expect(minted[0]).toBe(FIRST);
    expect(minted.length, `plugin runs: ${minted.join(', ')}`).toBeGreaterThanOrEqual(2);
    expect(minted, `plugin runs: ${minted.join(', ')}`).toContain(SECOND);
    // Said in results.json: the credentials were read again (once per rejected token, not per request).
    expect(counters?.['credentials.reloads'], JSON.stringify(counters)).toBeGreaterThanOrEqual(1);
    // The user saw nothing of it: no rejected credentials, no failed heartbeat.
    expect(out).not.toMatch(/Unauthorized|rejected the credentials|heartbeat Lease/);
    expect(objectsLeft(runId)).toEqual([]);
    expect(kubectl('get', 'leases', '--all-namespaces', '-l', `netconform.io/run-id=${runId}`, '-o', 'name').trim()).toBe('');
    // No token in what the run printed or wrote (a ServiceAccount token is a JWT: "eyJ…").
    const reports = fs.readdirSync(result.reportDir).map((f) => fs.readFileSync(path.join(result.reportDir, f), 'utf8'));
    for (const text of [out, ...reports]) expect(text).not.toMatch(/eyJ[\w-]{10,}\.eyJ/);
  });
});
