// reports/report.html: the view for a cluster too big to read as a table. One self-contained
// file — inline CSS and a little inline JS, a Content-Security-Policy that forbids every fetch —
// so it opens from a CI artifact, a mail attachment or file:// alike. Per path a node×node
// heatmap (cells coloured pass / fail / could not check), the probable causes on top, the
// failing rows grouped by cell (hover a cell for its counts, click it for its rows; without JS
// the same rows are listed below the maps), phase times. Pure: RunResults in, a string out.

import type { CheckResult, RunResults } from '../check/types.ts';
import {
  buildMatrix,
  cellState,
  countOutcomes,
  describeEndpoint,
  destinationLabel,
  endpointLabel,
  expectedVsObserved,
  formatMs,
  groupBySuite,
  isPairRow,
  matrixGroups,
  verdictLine,
  type CellState,
  type Matrix,
  type MatrixCell,
} from './matrix.ts';
import { CSS, SCRIPT } from './html-assets.ts';

/** One heatmap cell as the shade hook sees it: the counts and every row behind them. */
export interface HeatCell {
  suite: string;
  from: string;
  to: string;
  counts: MatrixCell;
  state: CellState;
  rows: readonly CheckResult[];
}

export interface HtmlOptions {
  /** Matrices up to this many columns print "✓ 4/4" in each cell; wider ones are plain squares (default 16). */
  maxTextColumns?: number;
  /** Failing rows listed in the page before "… and N more" (default 2000; every row is in junit.xml). */
  maxListedRows?: number;
  /** Failing rows listed per cell (default 50). */
  maxRowsPerCell?: number;
  /**
   * Colour hook: a CSS colour for a cell, or undefined for its outcome colour. Once rows carry
   * loss and latency figures, a shade by loss or p99 plugs in here without touching the layout.
   */
  cellShade?: (cell: HeatCell) => string | undefined;
}

const STATE_LABEL: Record<CellState, string> = {
  pass: 'all passed',
  fail: 'some failed',
  error: 'could not be checked',
  skipped: 'skipped',
  none: 'no check',
};

export function renderHtml(run: RunResults, opts: HtmlOptions = {}): string {
  const verdict = verdictLine(run);
  const suites = groupBySuite(run.results);
  const problems = run.results.filter((r) => r.outcome === 'failed' || r.outcome === 'error');
  const maps = [...matrixGroups(run.results, [...suites.keys()])].map(([suite, results]) => heatmap(suite, results, opts));
  const body = [
    `<header class="verdict ${verdict.state.toLowerCase()}"><h1>kube-netconform: ${esc(verdict.text)}</h1>`,
    `<p>${runLine(run)}</p></header>`,
    causes(run),
    countsTable(suites, maps),
    '<section id="matrices"><h2>Who reaches whom</h2>',
    legend(),
    ...maps.map((m) => m.html),
    '</section>',
    failingRows(problems, maps, opts),
    otherRows(run.results),
    skipped(run.results),
    phases(run),
    '<aside id="panel" hidden><button type="button" id="panel-close" aria-label="close">×</button><div id="panel-body"></div></aside>',
    '<div id="tip" hidden></div>',
  ];
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    // Nothing may be fetched: a report that phones home (or breaks offline) is not self-contained.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>kube-netconform ${esc(verdict.state)}: ${esc(run.runId)}</title>`,
    `<style>${CSS}</style></head>`,
    `<body data-verdict="${verdict.state}">`,
    ...body.filter(Boolean),
    `<script>${SCRIPT}</script>`,
    '</body></html>',
    '',
  ].join('\n');
}

function runLine(run: RunResults): string {
  const parts = [`run <code>${esc(run.runId)}</code> against <code>${esc(run.cluster.server)}</code>`];
  if (run.cluster.context) parts.push(`context <code>${esc(run.cluster.context)}</code>`);
  if (run.cluster.kubernetesVersion) parts.push(`Kubernetes ${esc(run.cluster.kubernetesVersion)}`);
  if (run.cluster.cni?.length) parts.push(`CNI ${esc(run.cluster.cni.join(', '))}`);
  parts.push(`${esc(run.startedAt)} → ${esc(run.finishedAt)}`);
  return parts.join(' · ');
}

function causes(run: RunResults): string {
  if (run.diagnosis.length === 0) return '';
  return `<section id="causes"><h2>Probable causes</h2><ul>${run.diagnosis.map((c) => `<li>${esc(c)}</li>`).join('')}</ul></section>`;
}

function countsTable(suites: Map<string, CheckResult[]>, maps: readonly RenderedMap[]): string {
  const rows = [...suites].map(([suite, results]) => {
    const c = countOutcomes(results);
    // A path's link goes to its map: its only one, or its first family's on a dual-stack run.
    const map = maps.find((m) => m.html && (m.suite === suite || m.suite.startsWith(`${suite} (`)));
    const name = map ? `<a href="#map-${slug(map.suite)}">${esc(suite)}</a>` : esc(suite);
    return `<tr><th scope="row">${name}</th><td>${c.passed}</td><td class="${c.failed ? 'bad' : ''}">${c.failed}</td><td class="${c.error ? 'warn' : ''}">${c.error}</td><td>${c.skipped}</td><td>${c.total}</td></tr>`;
  });
  return `<section id="counts"><table class="counts"><thead><tr><th>path</th><th>passed</th><th>failed</th><th>could not check</th><th>skipped</th><th>total</th></tr></thead><tbody>${rows.join('')}</tbody></table></section>`;
}

function legend(): string {
  const item = (state: CellState) => `<span><i class="${state}"></i>${STATE_LABEL[state]}</span>`;
  return `<p class="legend">Rows are sources, columns destinations; hover a cell for its counts, click it for its rows. ${(['pass', 'fail', 'error', 'skipped', 'none'] as const).map(item).join(' ')}</p>`;
}

interface RenderedMap {
  suite: string;
  html: string;
  /** Cells with failing or unchecked rows, in row-major order, with their DOM id. */
  badCells: Array<{ id: string; from: string; to: string; rows: CheckResult[] }>;
}

function heatmap(suite: string, results: CheckResult[], opts: HtmlOptions): RenderedMap {
  const m = buildMatrix(results);
  const byCell = rowsByCell(results, m);
  const text = m.columns.length <= (opts.maxTextColumns ?? 16);
  const badCells: RenderedMap['badCells'] = [];
  if (m.rows.length === 0) return { suite, html: '', badCells };
  const head = `<thead><tr><th class="corner">from \\ to</th>${m.columns.map((c) => `<th scope="col" data-node="${esc(c)}"><span>${esc(c)}</span></th>`).join('')}</tr></thead>`;
  const body = m.rows.map((row, ri) => {
    const cells = m.columns.map((column, ci) => {
      const counts = m.cell(row, column);
      const state = cellState(counts);
      if (!counts) return '<td class="none"></td>';
      const rows = byCell.get(`${ri},${ci}`) ?? [];
      const shade = opts.cellShade?.({ suite, from: row, to: column, counts, state, rows });
      const id = `cell-${slug(suite)}-${ri}-${ci}`;
      const bad = state === 'fail' || state === 'error';
      if (bad) badCells.push({ id, from: row, to: column, rows: rows.filter((r) => r.outcome === 'failed' || r.outcome === 'error') });
      const attrs = [`class="${state}"`, `data-n="${counts.passed}/${counts.checked}"`];
      if (bad)
        attrs.push(
          `data-cell="${id}"`,
          'tabindex="0"',
          `title="${esc(`${row} → ${column}: ${counts.failed} failed, ${counts.error} could not be checked, ${counts.passed}/${counts.checked} passed`)}"`,
        );
      if (shade) attrs.push(`style="background:${esc(shade)}"`);
      return `<td ${attrs.join(' ')}>${text ? cellMark(counts, state) : ''}</td>`;
    });
    return `<tr><th scope="row" data-node="${esc(row)}">${esc(row)}</th>${cells.join('')}</tr>`;
  });
  const cellCount = m.rows.reduce((n, row) => n + m.columns.filter((c) => m.cell(row, c)).length, 0);
  const c = countOutcomes(results);
  const caption =
    `${esc(suite)} — ${m.rows.length} source${m.rows.length === 1 ? '' : 's'} × ${m.columns.length} destination${m.columns.length === 1 ? '' : 's'}; ` +
    `${badCells.length} of ${cellCount} cells not passing; ${c.failed} of ${c.total} checks failed${c.error ? `, ${c.error} could not be checked` : ''}`;
  const html =
    `<figure class="heatmap" id="map-${slug(suite)}" data-suite="${esc(suite)}"><figcaption>${caption}</figcaption>` +
    `<div class="scroll"><table class="heat ${text ? 'text' : 'compact'}" data-suite="${esc(suite)}">${head}<tbody>${body.join('')}</tbody></table></div></figure>`;
  return { suite, html, badCells };
}

/** Rows per matrix cell, keyed "rowIndex,columnIndex", labelled as buildMatrix labels them. */
function rowsByCell(results: readonly CheckResult[], m: Matrix): Map<string, CheckResult[]> {
  const rowIndex = new Map(m.rows.map((r, i) => [r, i]));
  const columnIndex = new Map(m.columns.map((c, i) => [c, i]));
  const out = new Map<string, CheckResult[]>();
  for (const r of results) {
    if (!isPairRow(r)) continue;
    const ri = rowIndex.get(endpointLabel(r.from));
    const ci = columnIndex.get(destinationLabel(r));
    if (ri === undefined || ci === undefined) continue;
    const key = `${ri},${ci}`;
    const list = out.get(key) ?? [];
    list.push(r);
    out.set(key, list);
  }
  return out;
}

function cellMark(counts: MatrixCell, state: CellState): string {
  if (state === 'skipped') return 'skip';
  const mark = state === 'pass' ? '✓' : state === 'fail' ? '✗' : '⚠';
  return `${mark} ${counts.passed}/${counts.checked}`;
}

function failingRows(problems: CheckResult[], maps: RenderedMap[], opts: HtmlOptions): string {
  if (problems.length === 0) return '';
  const maxListed = opts.maxListedRows ?? 2000;
  const perCell = opts.maxRowsPerCell ?? 50;
  let listed = 0;
  const groups: string[] = [];
  const inCells = new Set<CheckResult>();
  for (const map of maps) {
    for (const cell of map.badCells) {
      for (const r of cell.rows) inCells.add(r);
      const shown = cell.rows.slice(0, Math.max(0, Math.min(perCell, maxListed - listed)));
      listed += shown.length;
      const more = cell.rows.length - shown.length;
      groups.push(
        `<details class="cell-rows" id="${cell.id}" data-suite="${esc(map.suite)}" data-from="${esc(cell.from)}" data-to="${esc(cell.to)}">` +
          `<summary><b>${esc(cell.from)} → ${esc(cell.to)}</b> (${esc(map.suite)}): ${cell.rows.length} not passing</summary>` +
          `<ul>${shown.map(problemItem).join('')}${more > 0 ? `<li class="more">… and ${more} more in junit.xml / results.json</li>` : ''}</ul></details>`,
      );
    }
  }
  // Rows outside any cell (no node pair, e.g. the Service-CIDR overlap check) are listed too.
  const loose = problems.filter((r) => !inCells.has(r));
  if (loose.length)
    groups.push(`<details class="cell-rows" open><summary><b>not between two nodes</b>: ${loose.length}</summary><ul>${loose.slice(0, perCell).map(problemItem).join('')}</ul></details>`);
  return `<section id="failing"><h2>Failing checks (${problems.length})</h2>${groups.join('\n')}</section>`;
}

function problemItem(r: CheckResult): string {
  const what = r.outcome === 'failed' ? expectedVsObserved(r) : `could not check: ${r.reason ?? (r.kind === 'network' ? r.observed : r.status)}`;
  const lines = [`<b class="${r.outcome === 'failed' ? 'bad' : 'warn'}">${r.outcome === 'failed' ? '✗' : '⚠'}</b> <code>${esc(r.name)}</code> — ${esc(what)}`];
  if (r.kind === 'network') {
    lines.push(
      `<div class="sub">from ${esc(describeEndpoint(r.from))} to ${esc(describeEndpoint(r.to))} port ${r.port}/${r.protocol}${r.payload ? `, payload ${r.payload}` : ''}; ${r.attempts} attempt${r.attempts === 1 ? '' : 's'}, ${esc(formatMs(r.latencyMs))}</div>`,
    );
    if (r.reproduce) lines.push(`<div class="sub">reproduce: <code>${esc(r.reproduce)}</code></div>`);
  }
  if (r.detail) lines.push(`<div class="sub">${esc(r.detail)}</div>`);
  for (const cause of r.diagnosis ?? []) lines.push(`<div class="sub cause">probable cause: ${esc(cause)}</div>`);
  return `<li>${lines.join('')}</li>`;
}

function otherRows(results: readonly CheckResult[]): string {
  const loose = results.filter((r) => !isPairRow(r) && r.outcome === 'passed');
  if (loose.length === 0) return '';
  return `<section id="other"><h2>Cluster-wide checks</h2><ul>${loose.map((r) => `<li><b class="ok">✓</b> <code>${esc(r.name)}</code> (${esc(r.suite)})</li>`).join('')}</ul></section>`;
}

function skipped(results: readonly CheckResult[]): string {
  const byReason = new Map<string, number>();
  for (const r of results) if (r.outcome === 'skipped') byReason.set(r.reason ?? 'no reason given', (byReason.get(r.reason ?? 'no reason given') ?? 0) + 1);
  if (byReason.size === 0) return '';
  return `<section id="skipped"><h2>Skipped</h2><ul>${[...byReason].map(([reason, n]) => `<li>${n} × ${esc(reason)}</li>`).join('')}</ul></section>`;
}

function phases(run: RunResults): string {
  const entries = Object.entries(run.phases);
  if (entries.length === 0) return '';
  const longest = Math.max(...entries.map(([, ms]) => ms), 1);
  const rows = entries.map(
    ([phase, ms]) => `<tr><th scope="row">${esc(phase)}</th><td>${esc(formatMs(ms))}</td><td class="bar"><span style="width:${Math.max(0.5, (100 * ms) / longest).toFixed(1)}%"></span></td></tr>`,
  );
  const counters = Object.entries(run.counters ?? {})
    .map(([k, v]) => `<li>${esc(k)}: ${v}</li>`)
    .join('');
  return `<section id="phases"><h2>Phase times</h2><table class="phases"><tbody>${rows.join('')}</tbody></table>${counters ? `<ul class="counters">${counters}</ul>` : ''}</section>`;
}

function slug(text: string): string {
  return text.replace(/[^a-zA-Z0-9-]+/g, '-');
}

/** Text and attribute values: the five characters HTML gives a meaning. */
export function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}
