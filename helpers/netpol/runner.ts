// Running a generated case against the cluster: each step's actions through the API (policies
// created, updated, deleted; pods and namespaces relabelled; a pod added), then the cells the step
// flips polled until the enforcer shows them (bounded: the time is the step's enforcement
// latency), then the whole table probed once and compared with the model's. A case's teardown
// brings the base world back, made together with the next case's first step (one wait per
// transition, not two). A canary decides first whether the cluster enforces NetworkPolicy at all.
import { baseTable, caseSteps, type CaseOptions, type StepSpec } from './case-world.ts';
import type { NetpolCase } from './cases.ts';
import { matches, observe, type CellRef, type Observation, type Prober } from './observe.ts';
import { pollDeadline, RECHECK_CELL_TIMEOUT_S, TABLE_CELL_TIMEOUT_S } from './probe.ts';
import { changedCells, wrongCells, type CellChange, type TruthTable, type WrongCell } from './truth-table.ts';
import type { NetworkPolicy, Pod, World } from './types.ts';
import { applyActions, type Action, type LabelPatch } from './world.ts';

/** The API writes a case makes (the kube seam in the suite; a fake in tests). */
export interface NetpolApi {
  applyPolicy(policy: NetworkPolicy, options: { exists: boolean }): Promise<void>;
  deletePolicy(namespace: string, name: string): Promise<void>;
  labelPod(namespace: string, pod: string, labels: LabelPatch): Promise<void>;
  labelNamespace(namespace: string, labels: LabelPatch): Promise<void>;
  /** Create the pod, wait until it is ready: its addresses and node. */
  addPod(pod: Pod): Promise<{ ips: string[]; node: string }>;
  deletePod(namespace: string, pod: string): Promise<void>;
}

export interface CaseContext {
  api: NetpolApi;
  prober: Prober;
  options: CaseOptions;
  /** The base world (the fleet's pods with their addresses, the DNS pods, no policies). */
  base: World;
  answerName: (namespace: string, pod: string) => string;
  /** How long a step's changed cells may take to show (ms). */
  enforceTimeoutMs: number;
  pollMs?: number;
  /**
   * The last case's teardown, not yet made, and the world it left: the next case makes it before
   * its own first step and polls one transition (the cells where that world and its first table
   * differ) instead of two. Undefined: the cluster is in the base world.
   */
  pending?: { actions: Action[]; world: World };
}

/** Where a step's time went (ms): its writes (the first step's include the last case's teardown), the poll until its changed cells showed (and its rounds), the whole table, the re-probe of wrong cells. */
export interface StepTiming {
  writesMs: number;
  pollMs: number;
  pollRounds: number;
  tableMs: number;
  retryMs: number;
}

export interface StepRun {
  description: string;
  timing?: StepTiming;
  /** ms from the step's last write until every changed cell showed; undefined when it did not within the bound. */
  caughtUpMs?: number;
  changed: number;
  expected: TruthTable;
  observed: Observation;
  wrong: WrongCell[];
  /** Cells wrong on the first probe of the table and right on the second (late, not wrong). */
  late: number;
  policies: NetworkPolicy[];
}

export interface CaseRun {
  steps: StepRun[];
}

const cellsOf = (changes: readonly CellChange[]) => changes.map((c) => ({ from: c.from, to: c.to, port: c.port, protocol: c.protocol, allowed: c.after }));

/** Poll `cells` until every one shows its expected verdict, or the bound: the ms it took (undefined: not within the bound) and the rounds probed. */
export async function pollUntil(ctx: CaseContext, world: World, cells: readonly (CellRef & { allowed: boolean })[], family?: TruthTable['family']): Promise<{ ms?: number; rounds: number }> {
  const started = performance.now();
  if (cells.length === 0) return { ms: 0, rounds: 0 };
  for (let rounds = 1; ; rounds++) {
    const seen = await observe(ctx.prober, world, cells, { ...(family ? { family } : {}), answerName: ctx.answerName, timeoutS: pollDeadline(rounds) });
    if (matches(cells, seen)) return { ms: Math.round(performance.now() - started), rounds };
    if (performance.now() - started >= ctx.enforceTimeoutMs) return { rounds };
    await new Promise((resolve) => setTimeout(resolve, ctx.pollMs ?? 100));
  }
}

/** The object an action writes: actions on one object keep their order, actions on different objects go at once. */
function objectOf(action: Action): string {
  switch (action.kind) {
    case 'apply':
      return `policy ${action.policy.metadata.namespace}/${action.policy.metadata.name}`;
    case 'delete-policy':
      return `policy ${action.namespace}/${action.name}`;
    case 'label-namespace':
      return `namespace ${action.namespace}`;
    case 'add-pod':
      return `pod ${action.pod.namespace}/${action.pod.name}`;
    case 'label-pod':
    case 'delete-pod':
      return `pod ${action.namespace}/${action.pod}`;
  }
}

/** Indexes of `actions` grouped by the object they write, each group in the actions' order. */
export function writeGroups(actions: readonly Action[]): number[][] {
  const groups = new Map<string, number[]>();
  actions.forEach((a, i) => groups.set(objectOf(a), [...(groups.get(objectOf(a)) ?? []), i]));
  return [...groups.values()];
}

/** Run `one` over `actions`: one object's actions in order, different objects' side by side (only the world after all of them is probed). */
async function writeAll(actions: readonly Action[], one: (i: number) => Promise<void>): Promise<void> {
  const results = await Promise.allSettled(
    writeGroups(actions).map(async (group) => {
      for (const i of group) await one(i);
    }),
  );
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/** Perform one action against the API; an added pod comes back with its real addresses. */
async function perform(ctx: CaseContext, world: World, action: Action): Promise<Action> {
  switch (action.kind) {
    case 'apply': {
      const m = action.policy.metadata;
      await ctx.api.applyPolicy(action.policy, { exists: world.policies.some((p) => p.metadata.namespace === m.namespace && p.metadata.name === m.name) });
      return action;
    }
    case 'delete-policy':
      await ctx.api.deletePolicy(action.namespace, action.name);
      return action;
    case 'label-pod':
      await ctx.api.labelPod(action.namespace, action.pod, action.labels);
      return action;
    case 'label-namespace':
      await ctx.api.labelNamespace(action.namespace, action.labels);
      return action;
    case 'add-pod': {
      const real = await ctx.api.addPod(action.pod);
      return { kind: 'add-pod', pod: { ...action.pod, ips: real.ips, node: real.node } };
    }
    case 'delete-pod':
      await ctx.api.deletePod(action.namespace, action.pod);
      return action;
  }
}

function extraOf(c: Pick<NetpolCase, 'dns' | 'ipFamily'>) {
  return { ...(c.dns ? { dns: true } : {}), ...(c.ipFamily ? { family: c.ipFamily } : {}) };
}

export async function runCase(ctx: CaseContext, c: NetpolCase): Promise<CaseRun> {
  const extra = extraOf(c);
  const specs: StepSpec[] = c.steps.map((s) => ({ description: s.description, actions: [...s.actions] }));
  let steps = c.steps;
  let world = ctx.base;
  const runs: StepRun[] = [];
  let teardown: Action[] = c.teardown;
  // The previous case's teardown with this case's first step: the cluster goes from its last world
  // straight to it, both sets of writes at once (an object both write: the teardown's first), so an
  // enforcer that reads its caches when it syncs sees them in one sync rather than two.
  const prior = ctx.pending;
  ctx.pending = undefined;
  let writesFrom = performance.now();
  try {
    for (const [i, spec] of specs.entries()) {
      let added = false;
      const before = i === 0 && prior ? prior.actions : [];
      await writeAll([...before, ...spec.actions], async (k) => {
        // A teardown write that fails is left (a delete of something never made is a no-op).
        if (k < before.length) return void (await perform(ctx, prior!.world, before[k]!).catch(() => undefined));
        const j = k - before.length;
        const action = spec.actions[j]!;
        const done = await perform(ctx, applyActions(world, spec.actions.slice(0, j)), action);
        if (done !== action) ((spec.actions[j] = done), (added = true));
      });
      if (added) {
        // The model again, with the added pod's real address: its cells and every later table.
        const recomputed = caseSteps(ctx.base, specs, ctx.options, extra);
        steps = recomputed.steps;
        teardown = recomputed.teardown;
      }
      world = applyActions(world, spec.actions);
      const step = steps[i]!;
      // What to poll: the cells this step flips, from where the cluster really was (the previous case's last world for the first step).
      const changed = i === 0 && prior ? changedCells(baseTable(prior.world, ctx.options, extra), step.expected) : step.changed;
      const writesMs = Math.round(performance.now() - writesFrom);
      const poll = await pollUntil(ctx, world, cellsOf(changed), c.ipFamily);
      const probed = performance.now();
      const run = await probeStep(ctx, world, step.description, step.expected, { ...(poll.ms !== undefined ? { caughtUpMs: poll.ms } : {}), changed: changed.length, family: c.ipFamily });
      run.timing = { writesMs, pollMs: Math.round(probed - writesFrom) - writesMs, pollRounds: poll.rounds, tableMs: run.timing?.tableMs ?? 0, retryMs: run.timing?.retryMs ?? 0 };
      runs.push(run);
      writesFrom = performance.now();
    }
  } finally {
    // Also after a failed write: what the case made goes with the next case's first step (or at the end).
    ctx.pending = { actions: teardown, world };
  }
  return { steps: runs };
}

/** Make a pending teardown now (a delete of something never made is a no-op): the end of the cases. */
export async function flushPending(ctx: CaseContext): Promise<void> {
  const prior = ctx.pending;
  ctx.pending = undefined;
  if (prior) await undo(ctx, prior);
}

async function undo(ctx: CaseContext, pending: { actions: Action[]; world: World }): Promise<void> {
  await writeAll(pending.actions, (i) =>
    perform(ctx, pending.world, pending.actions[i]!).then(
      () => undefined,
      () => undefined,
    ),
  );
}

/** The whole table once; the cells it got wrong once more (a late enforcer is not a wrong one, but it is counted). */
async function probeStep(ctx: CaseContext, world: World, description: string, expected: TruthTable, info: { caughtUpMs?: number; changed: number; family?: TruthTable['family'] }): Promise<StepRun> {
  const opts = { ...(info.family ? { family: info.family } : {}), answerName: ctx.answerName };
  const started = performance.now();
  let observed = await observe(ctx.prober, world, expected.cells, { ...opts, timeoutS: TABLE_CELL_TIMEOUT_S });
  const tableMs = Math.round(performance.now() - started);
  let wrong = wrongCells(expected, observed.table);
  let late = 0;
  if (wrong.length > 0) {
    const again = await observe(ctx.prober, world, wrong, { ...opts, timeoutS: RECHECK_CELL_TIMEOUT_S });
    const fixed = new Map(again.table.cells.map((cell) => [`${cell.from}|${cell.to}|${cell.port}|${cell.protocol}`, cell.allowed]));
    const merged = observed.table.cells.filter((cell) => !fixed.has(`${cell.from}|${cell.to}|${cell.port}|${cell.protocol}`));
    const table = { ...observed.table, cells: [...merged, ...again.table.cells] };
    const before = wrong.length;
    observed = { table, codes: new Map([...observed.codes, ...again.codes]), problems: again.problems };
    wrong = wrongCells(expected, table);
    late = before - wrong.length;
  }
  const timing = { writesMs: 0, pollMs: 0, pollRounds: 0, tableMs, retryMs: Math.round(performance.now() - started) - tableMs };
  return { description, timing, ...(info.caughtUpMs !== undefined ? { caughtUpMs: info.caughtUpMs } : {}), changed: info.changed, expected, observed, wrong, late, policies: world.policies };
}
