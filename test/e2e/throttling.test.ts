// API server throttling (issue 11), against the lab's real API server: API Priority and Fairness
// configured to throttle the run's own user. A FlowSchema sends every request of one service
// account to a priority level with the smallest share and no queue (`limitResponse: Reject`), so
// the API server itself answers 429 whenever that user has more requests in flight than its few
// seats. The run must ride it out: every check passes, the phase line and results.json say how much
// the run was slowed down, and nothing is left behind. (The run's own credentials are a service
// account's: system:masters, which the lab's admin kubeconfig is in, is exempt from APF.)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { describeRow, kubectl, requireLab, objectsLeft, repoRoot, resultsOf, runIdOf, startCli } from './cli-helpers.ts';

const up = requireLab();
const SA = 'netconform-throttled';
const NAME = 'netconform-e2e-throttle';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netconform-throttle-'));

const apf = `apiVersion: flowcontrol.apiserver.k8s.io/v1
kind: PriorityLevelConfiguration
metadata: {name: ${NAME}}
spec:
  type: Limited
  limited:
    nominalConcurrencyShares: 1
    lendablePercent: 0
    limitResponse: {type: Reject}
---
apiVersion: flowcontrol.apiserver.k8s.io/v1
kind: FlowSchema
metadata: {name: ${NAME}}
spec:
  priorityLevelConfiguration: {name: ${NAME}}
  matchingPrecedence: 100
  distinguisherMethod: {type: ByUser}
  rules:
    - subjects: [{kind: ServiceAccount, serviceAccount: {name: ${SA}, namespace: default}}]
      resourceRules: [{verbs: ['*'], apiGroups: ['*'], resources: ['*'], clusterScope: true, namespaces: ['*']}]
      nonResourceRules: [{verbs: ['*'], nonResourceURLs: ['*']}]
`;

function tokenKubeconfig(token: string): string {
  const server = kubectl('config', 'view', '--raw', '--minify', '-o', 'jsonpath={.clusters[0].cluster.server}');
  const ca = kubectl('config', 'view', '--raw', '--minify', '-o', 'jsonpath={.clusters[0].cluster.certificate-authority-data}');
  const file = path.join(dir, 'throttled.kubeconfig');
  fs.writeFileSync(
    file,
    `apiVersion: v1
kind: Config
clusters: [{name: lab, cluster: {server: "${server}", certificate-authority-data: "${ca}"}}]
users: [{name: throttled, user: {token: "${token}"}}]
contexts: [{name: throttled, context: {cluster: lab, user: throttled}}]
current-context: throttled
`,
    { mode: 0o600 },
  );
  return file;
}

/** Wait until the API server has taken the FlowSchema in (its status condition says it found the priority level). */
async function untilFlowSchemaActive(timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const dangling = kubectl('get', 'flowschema', NAME, '-o', 'jsonpath={.status.conditions[?(@.type=="Dangling")].status}').trim();
    if (dangling === 'False') return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for FlowSchema ${NAME} to be active (Dangling=${dangling || 'unset'})`);
    await new Promise((resolve) => setTimeout(resolve, 250)); // poll interval of a condition wait
  }
}

describe.skipIf(!up)('API server throttling (API Priority and Fairness on the lab)', () => {
  beforeAll(async () => {
    kubectl('apply', '-f', path.join(repoRoot, 'manifests', 'rbac.yaml'));
    kubectl('create', 'serviceaccount', SA, '-n', 'default');
    kubectl('create', 'clusterrolebinding', SA, '--clusterrole=kube-netconform', `--serviceaccount=default:${SA}`);
    const file = path.join(dir, 'apf.yaml');
    fs.writeFileSync(file, apf);
    kubectl('apply', '-f', file);
    await untilFlowSchemaActive();
  });
  afterAll(() => {
    kubectl('delete', 'flowschema', NAME, '--ignore-not-found');
    kubectl('delete', 'prioritylevelconfiguration', NAME, '--ignore-not-found');
    kubectl('delete', 'clusterrolebinding', SA, '--ignore-not-found');
    kubectl('delete', 'serviceaccount', SA, '-n', 'default', '--ignore-not-found');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a full run throttled by the API server (429 from APF) passes with 0 false failures, says it was throttled, leaves nothing', async () => {
    const kc = tokenKubeconfig(kubectl('create', 'token', SA, '-n', 'default', '--duration', '15m').trim());
    const run = await startCli(['run', '--kubeconfig', kc]);
    const results = resultsOf(run);
    const bad = results.results.filter((r) => r.outcome === 'failed' || r.outcome === 'error').map(describeRow);
    expect({ code: run.code, bad }, run.stderr.slice(-3000)).toEqual({ code: 0, bad: [] });
    const counters = results.counters ?? {};
    expect(counters['apiThrottled.retries'], 'the API server throttled the run (APF answered 429) and the client waited it out').toBeGreaterThan(0);
    expect(counters['apiThrottled.gaveUp'] ?? 0).toBe(0);
    expect(run.stdout).toMatch(/throttled by the API server: \d+ retr(y|ies), \d+\.\d s waited/);
    expect(objectsLeft(runIdOf(run))).toEqual([]);
  });
});
