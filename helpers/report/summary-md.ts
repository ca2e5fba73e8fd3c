// reports/summary.md: the view people read in a pull request or in $GITHUB_STEP_SUMMARY.
// Verdict first (one line), then counts, a node×node matrix per path so a broken pair is
// visible at a glance, the failing rows with their detail, the probable causes, and phase
// times. GitHub caps a step summary at 1 MiB, so long failure lists are truncated with a
// pointer to the JUnit file, which always has every row.

import type { CheckResult, NetworkResult, RunResults } from '../check/types.ts';
import { groupProblems } from '../setup-problems.ts';
import { buildMatrix, cellText, countOutcomes, describeEndpoint, endpointLabel, expectedVsObserved, formatMs, groupBySuite, matrixGroups, suiteOrder, sourceSummary, verdictLine } from './matrix.ts';

export interface SummaryOptions {
  /** Failing/error rows listed in full before "… and N more" (default 50). */
  maxListedRows?: number;
  /** Wider than this, a suite's matrix becomes one line per source (default 16). */
  maxColumns?: number;
}

export function renderSummaryMarkdown(run: RunResults, opts: SummaryOptions = {}): string {
  const maxListedRows = opts.maxListedRows ?? 50;
  const verdict = verdictLine(run);
  const icon = verdict.state === 'PASS' ? '✅' : verdict.state === 'FAIL' ? '❌' : '⚠️';
  const out: string[] = [`# kube-netconform: ${icon} ${verdict.text}`, ''];

  out.push(
    `Run \`${run.runId}\` against \`${run.cluster.server}\`` +
      (run.cluster.context ? ` (context \`${run.cluster.context}\`)` : '') +
      (run.cluster.kubernetesVersion ? `, Kubernetes ${run.cluster.kubernetesVersion}` : '') +
      (run.cluster.cni?.length ? `, CNI ${run.cluster.cni.join(', ')}` : '') +
      `, ${run.startedAt} → ${run.finishedAt}.`,
    '',
  );

  const suites = groupBySuite(run.results, suiteOrder(run));
  out.push('| Suite | Passed | Failed | Errors | Skipped | Total |', '|---|---:|---:|---:|---:|---:|');
  for (const [suite, results] of suites) {
    const c = countOutcomes(results);
    out.push(`| ${suite} | ${c.passed} | ${c.failed} | ${c.error} | ${c.skipped} | ${c.total} |`);
  }
  const all = countOutcomes(run.results);
  out.push(`| **all** | **${all.passed}** | **${all.failed}** | **${all.error}** | **${all.skipped}** | **${all.total}** |`, '');

  if (run.diagnosis.length > 0) {
    out.push('## Probable causes', '');
    for (const cause of run.diagnosis) out.push(`- ${escapeInline(cause)}`);
    out.push('');
  }

  out.push('## Matrix', '', 'Rows are sources, columns are destinations; a cell is passed/checked (✓ all passed, ✗ some failed, ⚠ could not be checked, · no check).', '');
  for (const [suite, results] of matrixGroups(run.results, suiteOrder(run))) out.push(...matrixSection(suite, results, opts.maxColumns ?? 16));

  out.push(...lossSection(run.results));

  // Probes that never became ready: one line per distinct reason, naming the pods and nodes.
  const setup = run.results.filter(isSetupRow);
  if (setup.length > 0) {
    out.push('## Setup problems', '');
    for (const g of setupGroups(setup)) out.push(`- ⚠ ${escapeInline(g.text)} (${g.rows} rows)`);
    out.push('');
  }

  const problems = run.results.filter((r) => (r.outcome === 'failed' || r.outcome === 'error') && !isSetupRow(r));
  if (problems.length > 0) {
    out.push('## Failing checks', '');
    for (const r of problems.slice(0, maxListedRows)) out.push(...problemItem(r));
    if (problems.length > maxListedRows) {
      out.push(`- … and ${problems.length - maxListedRows} more: every row is in the JUnit file and results.json.`);
    }
    out.push('');
  }

  const skipped = run.results.filter((r) => r.outcome === 'skipped');
  if (skipped.length > 0) {
    // Skips are grouped by reason: 40 rows skipped because one node is cordoned is one fact.
    out.push('## Skipped', '');
    const byReason = new Map<string, number>();
    for (const r of skipped) byReason.set(r.reason ?? 'no reason given', (byReason.get(r.reason ?? 'no reason given') ?? 0) + 1);
    for (const [reason, n] of byReason) out.push(`- ${n} × ${escapeInline(reason)}`);
    out.push('');
  }

  const phases = Object.entries(run.phases);
  if (phases.length > 0) {
    out.push('## Phase times', '', '| Phase | Time |', '|---|---:|');
    for (const [phase, ms] of phases) out.push(`| ${escapeCell(phase)} | ${formatMs(ms)} |`);
    out.push('');
  }
  return out.join('\n');
}

function matrixSection(suite: string, results: CheckResult[], maxColumns: number): string[] {
  const m = buildMatrix(results);
  if (m.rows.length === 0) return [];
  if (m.columns.length > maxColumns) {
    const lines = [`### ${suite}`, '', '| from | to |', '|---|---|'];
    for (const row of m.rows) lines.push(`| **${escapeCell(row)}** | ${escapeCell(sourceSummary(m, row).text)} |`);
    lines.push('');
    return lines;
  }
  const lines = [`### ${suite}`, '', `| from \\ to | ${m.columns.map(escapeCell).join(' | ')} |`, `|---|${m.columns.map(() => ':-:').join('|')}|`];
  for (const row of m.rows) {
    lines.push(`| **${escapeCell(row)}** | ${m.columns.map((column) => cellText(m.cell(row, column))).join(' | ')} |`);
  }
  lines.push('');
  return lines;
}

function problemItem(r: CheckResult): string[] {
  const mark = r.outcome === 'failed' ? '✗' : '⚠';
  const what = r.outcome === 'failed' ? expectedVsObserved(r) : `could not check: ${r.reason ?? (r.kind === 'network' ? r.observed : r.status)}`;
  const lines = [`- ${mark} **${escapeInline(r.name)}** (${r.suite}) — ${escapeInline(what)}`];
  if (r.kind === 'network')
    lines.push(
      `  - from ${escapeInline(describeEndpoint(r.from))} to ${escapeInline(describeEndpoint(r.to))} port ${r.port}/${r.protocol}` +
        `${r.payload ? `, payload ${r.payload}` : ''}; ${r.attempts} attempt${r.attempts === 1 ? '' : 's'}, ${formatMs(r.latencyMs)}`,
    );
  if (r.detail) lines.push(`  - ${escapeInline(r.detail)}`);
  for (const cause of r.diagnosis ?? []) lines.push(`  - probable cause: ${escapeInline(cause)}`);
  if (r.kind === 'network' && r.reproduce) lines.push(`  - reproduce: \`${r.reproduce.replace(/`/g, "'")}\``);
  return lines;
}

/** A probe that never became ready (helpers/rows.ts unreadyProbeRows). */
export function isSetupRow(r: CheckResult): boolean {
  return r.kind === 'static' && r.properties?.['phase'] === 'setup';
}

/** Setup rows grouped by the probe's problem; a probe's rows in several suites count once per pod. */
export function setupGroups(rows: readonly CheckResult[]): { text: string; rows: number }[] {
  const seen = new Map<string, { name: string; node: string; problem: string }>();
  const count = new Map<string, number>();
  for (const r of rows) {
    const problem = r.properties?.['probe.problem'] ?? r.reason ?? 'unknown reason';
    const pod = r.properties?.['pod'] ?? r.name;
    seen.set(pod, { name: pod, node: r.kind === 'static' ? (r.node ?? '?') : '?', problem });
    count.set(problem, (count.get(problem) ?? 0) + 1);
  }
  return groupProblems([...seen.values()]).map((g) => ({ text: g.text, rows: count.get(g.problem) ?? 0 }));
}

/** Loss and latency per node pair, over every row that measured samples (--samples). */
export function lossSection(results: readonly CheckResult[]): string[] {
  const rows = results.filter((r): r is NetworkResult => r.kind === 'network' && Boolean(r.samples) && r.to.kind !== 'service');
  if (rows.length === 0) return [];
  const cells = new Map<string, { sent: number; lost: number; p50: number[]; p99: number[] }>();
  const sources = new Set<string>();
  const targets = new Set<string>();
  for (const r of rows) {
    const from = endpointLabel(r.from);
    const to = endpointLabel(r.to);
    sources.add(from);
    targets.add(to);
    const c = cells.get(`${from}\u0000${to}`) ?? { sent: 0, lost: 0, p50: [], p99: [] };
    c.sent += r.samples!.sent;
    c.lost += r.samples!.lost;
    if (r.samples!.p50Ms !== undefined) c.p50.push(r.samples!.p50Ms);
    if (r.samples!.p99Ms !== undefined) c.p99.push(r.samples!.p99Ms);
    cells.set(`${from}\u0000${to}`, c);
  }
  const sort = (set: Set<string>) => [...set].sort((a, b) => (a === 'runner' ? -1 : b === 'runner' ? 1 : a.localeCompare(b, 'en', { numeric: true })));
  const columns = sort(targets);
  const lines = [
    '## Loss and latency',
    '',
    "Per pair of ends: samples lost (of sent) · latency p50 / p99 of the answered samples, in ms (median over the pair's checks of each check's p50, highest p99). Pod and host rows are timed by the probe's own client (each try's wall time in the probe), with no API round trip in the figure; runner rows are timed by the runner itself.",
    '',
  ];
  lines.push(`| from \\ to | ${columns.map(escapeCell).join(' | ')} |`, `|---|${columns.map(() => ':-:').join('|')}|`);
  for (const from of sort(sources)) {
    lines.push(
      `| **${escapeCell(from)}** | ${columns
        .map((to) => {
          const c = cells.get(`${from}\u0000${to}`);
          if (!c) return '·';
          const p50 = [...c.p50].sort((a, b) => a - b)[Math.floor((c.p50.length - 1) / 2)];
          const p99 = c.p99.length ? Math.max(...c.p99) : undefined;
          const loss = c.lost > 0 ? `**${Math.round((c.lost / c.sent) * 1000) / 10} %** (${c.lost}/${c.sent})` : `0 % (of ${c.sent})`;
          return `${loss}${p50 !== undefined ? ` · ${p50} / ${p99} ms` : ''}`;
        })
        .join(' | ')} |`,
    );
  }
  lines.push('');
  return lines;
}

/** Table cells: a pipe would split the cell, a newline would end the table. */
function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** List items: keep on one line and stop stray HTML (agnhost errors can contain <…>). */
function escapeInline(text: string): string {
  return text.replace(/\r?\n/g, ' ').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
