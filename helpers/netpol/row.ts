// One network-policy row → its result: the canary's verdict first (not enforced: skipped with the
// reason, or failed under --require-network-policy; no verdict: an error), then the case itself.
import { staticResult } from '../check/run.ts';
import type { CheckResult, StaticCheck } from '../check/types.ts';
import { messageOf } from '../errors.ts';
import { caseResult, labeller } from './report.ts';
import { runCase } from './runner.ts';
import type { NetpolPlan, NetpolSession } from './session.ts';

export async function caseRowResult(row: StaticCheck, plan: Pick<NetpolPlan, 'require' | 'namespaces'>, session: () => Promise<NetpolSession>): Promise<CheckResult> {
  if (row.status !== 'fact') return staticResult(row);
  const s = await session();
  const canary = await s.canary();
  const base = { kind: 'static' as const, suite: row.suite, name: row.title, properties: { ...row.properties, canary: canary.detail } };
  if (canary.enforced === undefined) return { ...base, status: 'not-run', outcome: 'error', detail: canary.detail, reason: canary.detail };
  if (!canary.enforced) {
    if (plan.require) return { ...base, status: 'fact', outcome: 'failed', detail: `${canary.detail} (--require-network-policy)` };
    return { ...base, status: 'skipped', outcome: 'skipped', detail: canary.detail, reason: canary.detail };
  }
  const c = s.cases.get(String(row.properties?.case));
  if (!c) return { ...base, status: 'not-run', outcome: 'error', detail: `no generated case ${row.title}`, reason: `no generated case ${row.title}` };
  try {
    const result = caseResult(row, c, await runCase(s.ctx, c), labeller(plan.namespaces));
    return { ...result, properties: { ...result.properties, canary: canary.detail, 'canary.ms': String(canary.ms) } };
  } catch (err) {
    const reason = `the case could not be run: ${messageOf(err)}`;
    return { ...base, status: 'not-run', outcome: 'error', detail: reason, reason };
  }
}
