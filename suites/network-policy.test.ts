// network-policy: the rows of suites/network-policy.ts, each a vitest test — run one after another
// (the cases share one fleet and one cluster-wide enforcer), each by the case runner
// (helpers/netpol/runner.ts) instead of the per-row check runner: a row is a whole truth table.
// The canary runs once, before the first case. Not the three-line file of the other paths
// because of that; the results still land on task.meta for the collector like every row's.
import { afterAll, describe, test } from 'vitest';
import { NO_CHECKS_TITLE, rowsOf } from '../helpers/check/select.ts';
import type { StaticCheck } from '../helpers/check/types.ts';
import { ControlClient } from '../helpers/http.ts';
import { caseRowResult } from '../helpers/netpol/row.ts';
import { flushPending } from '../helpers/netpol/runner.ts';
import { kubeApi, openSession, streamsProber, type NetpolPlan, type NetpolSession } from '../helpers/netpol/session.ts';
import { controlCredentials, suitePlan } from './check-rows.ts';
import suite from './network-policy.ts';

const plan = await suitePlan(suite.name);
const rows = rowsOf(suite, plan.topology, plan.selection) as StaticCheck[];
const netpol = plan.topology.plans[suite.name] as NetpolPlan;

interface Open {
  session: NetpolSession;
  control: ControlClient;
  kube: { requests: number };
  close(): void;
  opened(): number;
}
let opened: Promise<Open> | undefined;

/** The worker's clients for this file: the API server (exec streams) and the kube seam (the cases' writes). */
function open(): Promise<Open> {
  return (opened ??= (async () => {
    const control = new ControlClient(await controlCredentials(plan), { concurrency: plan.concurrency });
    const { Kube, loadKubeConfig } = await import('../helpers/kube/index.ts');
    const kube = new Kube(loadKubeConfig(plan.kube), { requestTimeoutMs: 15_000 });
    const prober = streamsProber(control);
    const session = openSession(netpol, { api: kubeApi(kube, netpol), prober, ...(netpol.enforceTimeoutMs !== undefined ? { enforceTimeoutMs: netpol.enforceTimeoutMs } : {}) });
    return { session, control, kube, close: () => prober.close(), opened: () => prober.opened() };
  })());
}

describe(suite.name, () => {
  if (rows.length === 0) {
    test.skip(NO_CHECKS_TITLE, () => undefined);
    return;
  }
  // This file's API requests and exec streams on the suite's meta, for the run's counters (as countApiRequests does).
  // vitest requires a destructuring pattern as a hook's first (fixtures) argument.
  afterAll(async ({}, file) => {
    const o = await opened?.catch(() => undefined);
    if (!o) return;
    // The last case's teardown (the fleet's namespaces go at the run's teardown anyway).
    await flushPending(o.session.ctx).catch(() => undefined);
    file.meta.apiRequests = o.control.requests + o.kube.requests;
    file.meta.execStreams = o.opened();
    o.close();
    await o.control.close();
  });
  // One after another: the cases share the fleet.
  for (const row of rows) {
    test(row.title, async ({ task, skip }) => {
      const result = await caseRowResult(row, netpol, async () => (await open()).session);
      task.meta.result = result;
      if (result.outcome === 'skipped') skip(result.reason);
      if (result.outcome === 'error') throw new Error(result.reason ?? result.detail);
      if (result.outcome === 'failed') throw new Error(result.detail);
    });
  }
});
