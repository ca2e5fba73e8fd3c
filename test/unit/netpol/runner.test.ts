// The case runner against a model-driven cluster stand-in (fake-cluster.ts): the writes a case
// makes, the canary, enforcement latency, teardown back to the base world, and what a failure
// says when the enforcer is wrong (the wrong cells, the grids, the policy YAML).
import { describe, expect, test } from 'vitest';
import { caseWorld } from '../../../helpers/netpol/case-world.ts';
import { generateCases } from '../../../helpers/netpol/cases.ts';
import { runCanary } from '../../../helpers/netpol/canary.ts';
import { caseResult, labeller } from '../../../helpers/netpol/report.ts';
import { pollDeadline, RECHECK_CELL_TIMEOUT_S, TABLE_CELL_TIMEOUT_S } from '../../../helpers/netpol/probe.ts';
import { flushPending, runCase, writeGroups, type CaseContext } from '../../../helpers/netpol/runner.ts';
import { caseOptions, fakeCluster, NS } from './fake-cluster.ts';

const options = caseOptions();
const base = caseWorld(options);
const cases = generateCases(options);
const byId = (id: string) => cases.find((c) => c.id === id)!;
const row = (id: string) => ({ suite: 'network-policy', title: id, properties: { case: id } });

function context(cluster: ReturnType<typeof fakeCluster>, more: Partial<CaseContext> = {}): CaseContext {
  return {
    api: cluster.api,
    prober: cluster.prober,
    options,
    base,
    answerName: (namespace, pod) => `${Object.entries(NS).find(([, n]) => n === namespace)?.[0]}/${pod}`,
    enforceTimeoutMs: 2_000,
    pollMs: 1,
    ...more,
  };
}

describe('a case against an enforcer that follows the spec', () => {
  test('every core case passes; a case leaves its teardown to the next one, and the world is the base again at the end', async () => {
    const cluster = fakeCluster(base);
    const ctx = context(cluster);
    for (const c of cases.filter((k) => k.core)) {
      const run = await runCase(ctx, c);
      const result = caseResult(row(c.id), c, run, labeller(NS));
      expect(result.outcome, `${c.id}\n${result.detail}`).toBe('passed');
      expect(ctx.pending?.actions, c.id).toEqual(c.id === 'ingress/changes/new-pod-in-peer' ? expect.any(Array) : c.teardown);
    }
    await flushPending(ctx);
    expect(cluster.world.policies).toEqual([]);
    expect(cluster.world.pods.map((p) => p.labels)).toEqual(base.pods.map((p) => p.labels));
  });

  test('one transition between cases: the next case polls the cells where the last world and its first table differ', async () => {
    const cluster = fakeCluster(base);
    const ctx = context(cluster);
    await runCase(ctx, byId('ingress/default-deny/namespace-x'));
    // The same deny again: nothing to flip, no wait; the teardown's delete comes before the new create.
    const again = await runCase(ctx, byId('ingress/default-deny/namespace-x'));
    expect(again.steps[0]!.changed).toBe(0);
    expect(cluster.writes).toEqual([`apply ${NS.x}/deny-ingress`, `delete ${NS.x}/deny-ingress`, `apply ${NS.x}/deny-ingress`]);
    // From a deny on all of x to a deny on x/a only: the cells into x/b and x/c open again.
    const narrower = await runCase(ctx, byId('ingress/default-deny/pod-x-a'));
    expect(narrower.steps[0]!.changed).toBe(2 * 8 * 4);
  });

  test('the whole full set passes too (134 cases minus the DNS ones this world has none of)', async () => {
    const cluster = fakeCluster(base);
    const ctx = context(cluster);
    const failed: string[] = [];
    for (const c of cases) {
      const result = caseResult(row(c.id), c, await runCase(ctx, c), labeller(NS));
      if (result.outcome !== 'passed') failed.push(`${c.id}: ${result.detail.slice(0, 300)}`);
    }
    expect(failed).toEqual([]);
    expect(cases.length).toBeGreaterThanOrEqual(100);
  }, 60_000);

  test('a case writes its policies, waits for the changed cells, probes the table with 9 commands, then deletes them', async () => {
    const cluster = fakeCluster(base);
    const c = byId('both/default-deny/namespace-x');
    const ctx = context(cluster);
    const run = await runCase(ctx, c);
    await flushPending(ctx);
    expect(cluster.writes).toEqual([`apply ${NS.x}/deny-both`, `delete ${NS.x}/deny-both`]);
    expect(run.steps).toHaveLength(1);
    expect(run.steps[0]!.expected.cells).toHaveLength(9 * 9 * 4);
    expect(run.steps[0]!.caughtUpMs).toBeGreaterThanOrEqual(0);
    const result = caseResult(row(c.id), c, run, labeller(NS));
    expect(result.properties).toMatchObject({ case: c.id, family: 'default-deny', steps: '1', cells: '324', 'wrong.cells': '0' });
    expect(result.properties!['enforcement.ms']).toMatch(/^\d+$/);
  });

  test('an added pod gets its real address, is probed from and to, and is deleted afterwards', async () => {
    const cluster = fakeCluster(base);
    const c = byId('ingress/changes/new-pod-in-peer');
    const ctx = context(cluster);
    const run = await runCase(ctx, c);
    await flushPending(ctx);
    expect(cluster.writes).toContain(`add ${NS.z}/d 10.244.3.1`);
    expect(cluster.writes).toContain(`delete pod ${NS.z}/d`);
    expect(run.steps.at(-1)!.expected.cells).toHaveLength(10 * 10 * 4);
    expect(caseResult(row(c.id), c, run, labeller(NS)).outcome).toBe('passed');
  });

  test('a lagging enforcer: the step waits until the changed cells show (the latency), and the case still passes', async () => {
    const cluster = fakeCluster(base, { lagProbes: 3 });
    const c = byId('ingress/default-deny/namespace-x');
    const run = await runCase(context(cluster), c);
    expect(run.steps[0]!.caughtUpMs).toBeDefined();
    expect(caseResult(row(c.id), c, run, labeller(NS)).outcome).toBe('passed');
  });
});

describe("where a step's time goes, and its writes", () => {
  test("writes on different objects go at once, one object's in order; the teardown with the next case's first step", async () => {
    const cluster = fakeCluster(base);
    let inFlight = 0;
    let most = 0;
    const slow =
      <A extends unknown[]>(f: (...a: A) => Promise<void>) =>
      async (...a: A) => {
        most = Math.max(most, ++inFlight);
        await new Promise((resolve) => setTimeout(resolve, 5));
        await f(...a);
        inFlight--;
      };
    const api = { ...cluster.api, applyPolicy: slow(cluster.api.applyPolicy), deletePolicy: slow(cluster.api.deletePolicy) };
    const ctx = context(cluster, { api });
    const c = byId('ingress/default-deny/every-namespace');
    expect(caseResult(row(c.id), c, await runCase(ctx, c), labeller(NS)).outcome).toBe('passed');
    expect(most).toBe(3);
    // The next case's first write goes with the three deletes of this one's teardown.
    most = 0;
    const next = byId('egress/default-deny/pod-x-a');
    expect(caseResult(row(next.id), next, await runCase(ctx, next), labeller(NS)).outcome).toBe('passed');
    expect(most).toBe(4);
    expect(cluster.writes.slice(3, 7).sort()).toEqual([`apply ${NS.x}/deny-egress-a`, `delete ${NS.x}/deny-ingress`, `delete ${NS.y}/deny-ingress`, `delete ${NS.z}/deny-ingress`]);
    most = 0;
    await flushPending(ctx);
    expect(most).toBe(1);
    expect(cluster.world.policies).toEqual([]);
    const label = (pod: string) => ({ kind: 'label-pod' as const, namespace: NS.x, pod, labels: {} });
    const apply = (name: string) => ({ kind: 'apply' as const, policy: { ...c.steps[0]!.actions.find((a) => a.kind === 'apply')!.policy, metadata: { namespace: NS.x, name } } });
    expect(writeGroups([apply('p'), label('a'), { kind: 'delete-policy', namespace: NS.x, name: 'p' }, label('b'), label('a')])).toEqual([[0, 2], [1, 4], [3]]);
  });

  test('each step says how long its writes, its poll (and rounds), its table and its re-probe took; the row sums them', async () => {
    const cluster = fakeCluster(base, { lagProbes: 2 });
    const c = byId('ingress/changes/update-narrow');
    const run = await runCase(context(cluster), c);
    for (const step of run.steps) {
      expect(step.timing, step.description).toMatchObject({ writesMs: expect.any(Number), pollMs: expect.any(Number), tableMs: expect.any(Number), retryMs: expect.any(Number) });
      expect(step.timing!.pollRounds, step.description).toBeGreaterThanOrEqual(step.changed > 0 ? 1 : 0);
    }
    const props = caseResult(row(c.id), c, run, labeller(NS)).properties!;
    for (const k of ['time.writes.ms', 'time.poll.ms', 'poll.rounds', 'time.table.ms', 'time.retry.ms', 'cells.timedOut']) expect(props[k], k).toMatch(/^\d+$/);
    expect(Number(props['poll.rounds'])).toBe(run.steps.reduce((n, s) => n + s.timing!.pollRounds, 0));
    // Poll rounds with the short deadline (they only time the table), the tables with theirs.
    expect(new Set(cluster.deadlines)).toEqual(new Set(['0.25', String(TABLE_CELL_TIMEOUT_S)]));
    expect([1, 8, 9, 30].map(pollDeadline)).toEqual([0.25, 0.25, 1, 1]);
    expect(cluster.deadlines.filter((d) => d === String(TABLE_CELL_TIMEOUT_S))).toHaveLength(run.steps.length * 9);
  });

  test("answers slower than the table's deadline: the second look, with the longer deadline, finds them; late, not wrong", async () => {
    expect(TABLE_CELL_TIMEOUT_S).toBeLessThan(RECHECK_CELL_TIMEOUT_S);
    const cluster = fakeCluster(base, { answerS: 1 });
    const c = byId('ingress/default-deny/pod-x-a');
    const run = await runCase(context(cluster), c);
    const result = caseResult(row(c.id), c, run, labeller(NS));
    expect(result.outcome, result.detail).toBe('passed');
    // Every allowed cell timed out in the table and answered in the second look.
    const allowed = run.steps[0]!.expected.cells.filter((cell) => cell.allowed).length;
    expect(run.steps[0]!.late).toBe(allowed);
    expect(result.properties!['late.cells']).toBe(String(allowed));
    expect(cluster.deadlines).toContain(String(RECHECK_CELL_TIMEOUT_S));
  });
});

describe('a case against a wrong enforcer', () => {
  test('egress ignored: the failure lists every wrong cell with expected and observed, the grids and the policy YAML', async () => {
    const cluster = fakeCluster(base, { enforce: 'ingress-only' });
    const c = byId('egress/default-deny/pod-x-a');
    const run = await runCase(context(cluster), c);
    const result = caseResult(row(c.id), c, run, labeller(NS));
    expect(result.outcome).toBe('failed');
    // x/a to the 8 other pods on 4 ports each: denied by the policy, allowed by this enforcer.
    expect(result.properties!['wrong.cells']).toBe('32');
    expect(result.properties!['enforcement.timedOut']).toBe('true');
    expect(result.detail).toContain('egress/default-deny/pod-x-a: a egress deny on pod=a in x isolates x/a only');
    expect(result.detail).toContain('step 1 of 1 "deny x/a": 32 wrong of 324 cells; the enforcer did NOT show its 32 changed cells within the bound');
    expect(result.detail).toMatch(
      / {2}x\/a → y\/b 81\/UDP: expected denied, observed allowed \(connected\) — model: denied: egress from nc-1-x\/a to nc-1-y\/b 81\/UDP: isolated by policies nc-1-x\/deny-egress-a; no rule allows/,
    );
    expect(result.detail).toContain('expected:\n80/TCP');
    expect(result.detail).toContain('32 wrong of 324');
    expect(result.detail).toContain(
      `policies:\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: deny-egress-a\n  namespace: ${NS.x}\nspec:\n  podSelector:\n    matchLabels:\n      pod: a\n  policyTypes:\n    - Egress`,
    );
  });
});

describe('a case kube-router is read to get wrong', () => {
  test('ingress/port-name/unknown-name-from-b: the model admits nothing into x/a, not even from x/b', () => {
    const c = byId('ingress/port-name/unknown-name-from-b');
    const into = c.steps[0]!.expected.cells.filter((cell) => cell.to === `${NS.x}/a` && cell.from !== cell.to);
    expect(into.filter((cell) => cell.allowed)).toEqual([]);
    expect(c.changed.map((cell) => `${cell.from} ${cell.port}/${cell.protocol}`)).toContain(`${NS.x}/b 80/TCP`);
  });
});

describe('the canary', () => {
  test('an enforcing cluster: enforced, with the time it took; the canary policy is deleted again', async () => {
    const cluster = fakeCluster(base);
    const result = await runCanary(context(cluster));
    expect(result).toMatchObject({ enforced: true });
    expect(cluster.writes).toEqual([`apply ${NS.x}/netconform-canary`, `delete ${NS.x}/netconform-canary`]);
    expect(cluster.world.policies).toEqual([]);
  });

  test('no enforcer: not enforced, with the reason rows are skipped with', async () => {
    const result = await runCanary(context(fakeCluster(base, { enforce: 'none' })), { timeoutMs: 50 });
    expect(result).toEqual({
      enforced: false,
      detail: `NetworkPolicy is not enforced on this cluster: a default-deny ingress policy on x/a (${NS.x}/netconform-canary) did not stop x/b → x/a 80/TCP within 0.05 s (no NetworkPolicy implementation running?)`,
    });
  });
});
