// The terminal view printed at the end of a run: per-suite matrix, the failing rows in
// short, the probable causes, and the verdict as the very last line (what a person sees
// when the scrollback ends). Colour only when stdout is a TTY and NO_COLOR is unset, so
// CI logs and pipes stay plain text (the decision and util.styleText: helpers/tty.ts).

import { colorEnabled, factsOf, painter, type Paint, type Style } from '../tty.ts';
import type { CheckResult, RunResults } from '../check/types.ts';
import { buildMatrix, cellState, cellText, expectedVsObserved, matrixGroups, suiteOrder, sourceSummary, verdictLine, type CellState } from './matrix.ts';
import { isSetupRow, setupGroups } from './summary-md.ts';

export interface TerminalOptions {
  /** Default: stdout is a TTY and NO_COLOR is not set. */
  color?: boolean;
  /** Wider than this, a suite is shown as one line per source instead of a grid (default 12). */
  maxColumns?: number;
  /** Failing rows printed before "… and N more" (default 20). */
  maxListedRows?: number;
}

export function renderTerminal(run: RunResults, opts: TerminalOptions = {}): string {
  const paint: Paint = painter(opts.color ?? colorEnabled(factsOf(process.stdout)));
  const maxColumns = opts.maxColumns ?? 12;
  const maxListedRows = opts.maxListedRows ?? 20;
  const out: string[] = [];

  for (const [suite, results] of matrixGroups(run.results, suiteOrder(run))) {
    const m = buildMatrix(results);
    if (m.rows.length === 0) continue; // only cluster-wide rows (e.g. the CIDR check): listed below
    out.push(paint(suite, 'bold'));
    out.push(...(m.columns.length <= maxColumns ? grid(m, paint) : perSourceLines(m, paint)), '');
  }

  // Probes that never became ready: one line per distinct reason with its pods and nodes.
  for (const g of setupGroups(run.results.filter(isSetupRow))) out.push(`${paint('⚠ setup:', 'yellow')} ${g.text}`);
  const problems = run.results.filter((r) => (r.outcome === 'failed' || r.outcome === 'error') && !isSetupRow(r));
  for (const r of problems.slice(0, maxListedRows)) out.push(problemLine(r, paint));
  if (problems.length > maxListedRows) out.push(paint(`… and ${problems.length - maxListedRows} more (see the JUnit file)`, 'dim'));
  // The first failure's command, to see it by hand (every row's is in summary.md and the JUnit file).
  const first = problems.find((r) => r.kind === 'network' && r.reproduce);
  if (first?.kind === 'network') out.push(`${paint('reproduce the first (needs the probes: --keep):', 'dim')} ${first.reproduce}`);
  if (problems.length > 0) out.push('');

  for (const cause of run.diagnosis) out.push(`${paint('probable cause:', 'yellow')} ${cause}`);
  if (run.diagnosis.length > 0) out.push('');

  const verdict = verdictLine(run);
  out.push(paint(verdict.text, verdict.state === 'PASS' ? 'green' : verdict.state === 'FAIL' ? 'red' : 'yellow'));
  return out.join('\n');
}

const STATE_STYLE: Record<CellState, Style> = { pass: 'green', fail: 'red', error: 'yellow', skipped: 'dim', none: 'dim' };

function grid(m: ReturnType<typeof buildMatrix>, paint: Paint): string[] {
  const header = 'from \\ to';
  const firstWidth = Math.max(header.length, ...m.rows.map((r) => r.length));
  const widths = m.columns.map((c) => Math.max(c.length, ...m.rows.map((r) => cellText(m.cell(r, c)).length)));
  const lines = [[header.padEnd(firstWidth), ...m.columns.map((c, i) => c.padEnd(widths[i] ?? 0))].join('  ').trimEnd()];
  for (const row of m.rows) {
    // Pad before painting: colour codes have no width but do have length.
    const cells = m.columns.map((c, i) => {
      const cell = m.cell(row, c);
      return paint(cellText(cell).padEnd(widths[i] ?? 0), STATE_STYLE[cellState(cell)]);
    });
    lines.push([row.padEnd(firstWidth), ...cells].join('  ').trimEnd());
  }
  return lines;
}

function perSourceLines(m: ReturnType<typeof buildMatrix>, paint: Paint): string[] {
  return m.rows.map((row) => {
    const summary = sourceSummary(m, row);
    return `${row} → ${paint(summary.text, summary.ok ? 'green' : 'red')}`;
  });
}

function problemLine(r: CheckResult, paint: Paint): string {
  const mark = r.outcome === 'failed' ? paint('✗', 'red') : paint('⚠', 'yellow');
  const what = r.outcome === 'failed' ? expectedVsObserved(r) : `could not check: ${r.reason ?? (r.kind === 'network' ? r.observed : r.status)}`;
  return `${mark} ${r.name}: ${what}${r.detail ? ` — ${r.detail}` : ''}`;
}
