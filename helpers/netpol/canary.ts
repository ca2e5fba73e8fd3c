// Is NetworkPolicy enforced here at all? Detected, never assumed: a default-deny ingress policy on
// x/a, and a cell the base world allows (x/b → x/a 80/TCP) polled until it is denied (bounded).
// First the cell must be allowed with no policy (else the fleet's own network is broken, which is
// not a policy verdict); after, the policy goes and the cell must come back.
import { policy, selector } from './case-world.ts';
import type { CaseContext } from './runner.ts';
import { observe, type CellRef } from './observe.ts';
import { podKey } from './types.ts';

export const CANARY_POLICY = 'netconform-canary';
/** How long the canary's deny may take to show before the cluster counts as not enforcing. */
export const CANARY_TIMEOUT_MS = 30_000;

export type CanaryResult =
  | { enforced: true; ms: number; detail: string }
  | { enforced: false; detail: string }
  /** The fleet could not even reach itself with no policy: no verdict on enforcement. */
  | { enforced: undefined; detail: string };

export async function runCanary(ctx: CaseContext, options: { timeoutMs?: number } = {}): Promise<CanaryResult> {
  const x = ctx.options.namespaces.x;
  const a = ctx.base.pods.find((p) => p.namespace === x && p.name === 'a');
  const b = ctx.base.pods.find((p) => p.namespace === x && p.name === 'b');
  if (!a || !b) return { enforced: undefined, detail: `the canary needs pods ${x}/a and ${x}/b` };
  const cell: CellRef = { from: podKey(b), to: podKey(a), port: 80, protocol: 'TCP' };
  const text = `x/b → x/a 80/TCP`;
  const opts = { answerName: ctx.answerName };
  const before = await observe(ctx.prober, ctx.base, [cell], opts);
  if (before.table.cells[0]?.allowed !== true)
    return {
      enforced: undefined,
      detail: `with no NetworkPolicy, ${text} is not allowed (${before.problems.join('; ') || 'denied'}): the fleet's pod network is broken, so enforcement cannot be judged`,
    };
  const deny = policy(x, CANARY_POLICY, { podSelector: selector({ pod: 'a' }), policyTypes: ['Ingress'] });
  const bound = options.timeoutMs ?? CANARY_TIMEOUT_MS;
  const started = performance.now();
  await ctx.api.applyPolicy(deny, { exists: false });
  try {
    const ms = await pollUntilDenied(ctx, cell, bound);
    if (ms === undefined)
      return {
        enforced: false,
        detail: `NetworkPolicy is not enforced on this cluster: a default-deny ingress policy on x/a (${x}/${CANARY_POLICY}) did not stop ${text} within ${bound / 1000} s (no NetworkPolicy implementation running?)`,
      };
    return { enforced: true, ms, detail: `a default-deny ingress policy on x/a stopped ${text} after ${(ms / 1000).toFixed(1)} s` };
  } finally {
    await ctx.api.deletePolicy(x, CANARY_POLICY).catch(() => undefined);
    // Back to open before the first case (bounded; a case that starts early shows it as a wrong cell).
    await waitAllowed(ctx, cell, Math.max(bound, performance.now() - started));
  }
}

async function pollUntilDenied(ctx: CaseContext, cell: CellRef, bound: number): Promise<number | undefined> {
  const started = performance.now();
  for (;;) {
    const seen = await observe(ctx.prober, ctx.base, [cell], { answerName: ctx.answerName });
    if (seen.table.cells[0]?.allowed === false) return Math.round(performance.now() - started);
    if (performance.now() - started >= bound) return undefined;
    await new Promise((resolve) => setTimeout(resolve, ctx.pollMs ?? 100));
  }
}

async function waitAllowed(ctx: CaseContext, cell: CellRef, bound: number): Promise<void> {
  const started = performance.now();
  while (performance.now() - started < bound) {
    const seen = await observe(ctx.prober, ctx.base, [cell], { answerName: ctx.answerName });
    if (seen.table.cells[0]?.allowed === true) return;
    await new Promise((resolve) => setTimeout(resolve, ctx.pollMs ?? 100));
  }
}
