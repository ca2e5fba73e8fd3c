// A case's run as the row's result: passed when every step's table is the model's, failed with
// the wrong cells (from, to, port, protocol, expected, observed and why the model says so), both
// tables as grids and the policies as YAML; an error when cells gave no verdict. Pure.
import type { StaticResult } from '../check/types.ts';
import type { NetpolCase } from './cases.ts';
import { evidenceProperties, unenforcedEvidence } from './evidence.ts';
import { CODE_TEXT } from './probe.ts';
import type { CaseRun, StepRun } from './runner.ts';
import { cellKey, printComparison, type WrongCell } from './truth-table.ts';
import type { NetworkPolicy } from './types.ts';
import { yaml } from '../lazy-deps.ts';

/** Wrong cells listed in a failure before "… and N more". */
const LISTED = 40;

export interface RowInfo {
  suite: string;
  title: string;
  properties?: Record<string, string>;
}

/** "netconform-1a2b3c-x/a" → "x/a": the run's namespaces by their ids. */
export function labeller(namespaces: Record<string, string>): (key: string) => string {
  const ids = Object.entries(namespaces);
  return (key) => {
    const slash = key.indexOf('/');
    const id = ids.find(([, name]) => name === key.slice(0, slash))?.[0];
    return id ? `${id}/${key.slice(slash + 1)}` : key;
  };
}

export function wrongCellText(w: WrongCell, step: StepRun, label: (k: string) => string): string {
  const code = step.observed.codes.get(cellKey(w));
  const observed = w.observed === 'missing' ? 'no verdict' : w.observed ? 'allowed' : 'denied';
  return `${label(w.from)} → ${label(w.to)} ${w.port}/${w.protocol}: expected ${w.expected ? 'allowed' : 'denied'}, observed ${observed}${code ? ` (${CODE_TEXT[code]})` : ''}${w.reason ? ` — model: ${w.reason}` : ''}`;
}

export function policiesYaml(policies: readonly NetworkPolicy[]): string {
  return policies.length ? policies.map((p) => yaml().stringify(p).trimEnd()).join('\n---\n') : '(no NetworkPolicy)';
}

function stepHeading(step: StepRun, i: number, of: number): string {
  const caught =
    step.changed === 0
      ? 'the step flips no cell'
      : step.caughtUpMs !== undefined
        ? `the enforcer showed its ${step.changed} changed cells after ${(step.caughtUpMs / 1000).toFixed(1)} s`
        : `the enforcer did NOT show its ${step.changed} changed cells within the bound`;
  return `step ${i + 1} of ${of} "${step.description}": ${step.wrong.length} wrong of ${step.expected.cells.length} cells; ${caught}`;
}

export function failureText(c: NetpolCase, run: CaseRun, label: (k: string) => string): string {
  const lines = [`${c.id}: ${c.description}`];
  const bad = run.steps.filter((s) => s.wrong.length > 0);
  for (const step of bad) {
    const i = run.steps.indexOf(step);
    lines.push(stepHeading(step, i, run.steps.length));
    lines.push(...step.wrong.slice(0, LISTED).map((w) => `  ${wrongCellText(w, step, label)}`));
    if (step.wrong.length > LISTED) lines.push(`  … and ${step.wrong.length - LISTED} more`);
  }
  const last = bad.at(-1) ?? run.steps.at(-1);
  if (last) {
    lines.push('', printComparison(last.expected, last.observed.table, { label }));
    lines.push('', 'policies:', policiesYaml(last.policies));
  }
  return lines.join('\n');
}

/** Where the case's time went, summed over its steps (ms), and how many probed cells waited out the client's timeout. */
export function timingProperties(run: CaseRun): Record<string, string> {
  const timed = run.steps.flatMap((s) => (s.timing ? [s.timing] : []));
  if (!timed.length) return {};
  const sum = (k: keyof NonNullable<StepRun['timing']>) => String(timed.reduce((n, t) => n + t[k], 0));
  const timedOut = run.steps.reduce((n, s) => n + [...s.observed.codes.values()].filter((code) => code === 'T').length, 0);
  return {
    'time.writes.ms': sum('writesMs'),
    'time.poll.ms': sum('pollMs'),
    'poll.rounds': sum('pollRounds'),
    'time.table.ms': sum('tableMs'),
    'time.retry.ms': sum('retryMs'),
    'cells.timedOut': String(timedOut),
  };
}

export function caseProperties(c: NetpolCase, run: CaseRun): Record<string, string> {
  const caught = run.steps.map((s) => s.caughtUpMs);
  const known = caught.filter((ms): ms is number => ms !== undefined);
  return {
    case: c.id,
    family: c.family,
    touches: c.touches.join(','),
    steps: String(run.steps.length),
    cells: String(run.steps.reduce((n, s) => n + s.expected.cells.length, 0)),
    // The enforcement latency: the slowest step's, from its last write until its changed cells showed.
    ...(known.length ? { 'enforcement.ms': String(Math.max(...known)) } : {}),
    ...(caught.some((ms, i) => ms === undefined && run.steps[i]!.changed > 0) ? { 'enforcement.timedOut': 'true' } : {}),
    'wrong.cells': String(run.steps.reduce((n, s) => n + s.wrong.length, 0)),
    ...(run.steps.some((s) => s.late) ? { 'late.cells': String(run.steps.reduce((n, s) => n + s.late, 0)) } : {}),
    ...(c.ipFamily ? { ipFamily: c.ipFamily } : {}),
    ...timingProperties(run),
    // Which nodes' pods' policies held, and whether "not enforced on one node" explains the case.
    ...evidenceProperties(unenforcedEvidence(run.steps)),
  };
}

export function caseResult(row: RowInfo, c: NetpolCase, run: CaseRun, label: (k: string) => string): StaticResult {
  const properties = { ...row.properties, ...caseProperties(c, run) };
  const base = { kind: 'static' as const, suite: row.suite, name: row.title, status: 'fact' as const, properties };
  const wrong = run.steps.reduce((n, s) => n + s.wrong.length, 0);
  if (wrong > 0) return { ...base, outcome: 'failed', detail: failureText(c, run, label) };
  const noVerdict = run.steps.flatMap((s) => s.observed.problems);
  if (noVerdict.length) {
    const reason = `${noVerdict.length} cell(s) gave no verdict: ${noVerdict.slice(0, 5).join('; ')}`;
    return { ...base, outcome: 'error', detail: reason, reason };
  }
  const latency = properties['enforcement.ms'] ? `; enforced after ${(Number(properties['enforcement.ms']) / 1000).toFixed(1)} s` : '';
  return { ...base, outcome: 'passed', detail: `${properties.cells} cells as the model says in ${run.steps.length} step(s)${latency}` };
}
