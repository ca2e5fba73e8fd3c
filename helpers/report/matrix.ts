// Shared arithmetic for the human views (summary.md and the terminal): outcome counts, the
// node×node matrix per suite, and the one-line verdict. Both views render the same numbers,
// so they are computed once here.

import { isNetwork, type CheckResult, type NetworkResult, type Outcome, type RunResults } from '../check/types.ts';

/** The run's paths in report order (from the suite modules); names not listed sort after, in order seen. */
export function suiteOrder(run: Pick<RunResults, 'suites'>): string[] {
  return (run.suites ?? []).map((s) => s.name);
}

export type OutcomeCounts = Record<Outcome, number> & { total: number };

export function countOutcomes(results: readonly CheckResult[]): OutcomeCounts {
  const counts: OutcomeCounts = { passed: 0, failed: 0, error: 0, skipped: 0, total: 0 };
  for (const r of results) {
    counts[r.outcome] += 1;
    counts.total += 1;
  }
  return counts;
}

/** Results grouped by suite, suites in `order`, each group in the order the engine produced it. */
export function groupBySuite(results: readonly CheckResult[], order: readonly string[] = []): Map<string, CheckResult[]> {
  const groups = new Map<string, CheckResult[]>();
  for (const suite of order) groups.set(suite, []);
  for (const r of results) {
    const group = groups.get(r.suite) ?? [];
    group.push(r);
    groups.set(r.suite, group);
  }
  for (const [suite, group] of groups) if (group.length === 0) groups.delete(suite);
  return groups;
}

const FAMILY_NAME: Record<string, string> = { ipv4: 'IPv4', ipv6: 'IPv6' };

/** A row's IP family: a network row's own, a static row's `ipFamily` property (none: family-neutral). */
function familyOfResult(r: CheckResult): string | undefined {
  return r.kind === 'network' ? r.family : r.properties?.['ipFamily'];
}

/**
 * The matrices to draw: one per suite, and on a run with more than one IP family one per suite
 * and family ("pod-to-pod (IPv6)"), so a family that fails alone shows as its own red map.
 * Family-neutral static rows (a probe never ready) are drawn in every family's map.
 */
export function matrixGroups(results: readonly CheckResult[], order: readonly string[] = []): Map<string, CheckResult[]> {
  const bySuite = groupBySuite(results, order);
  const families = [...new Set(results.filter(isNetwork).map((r) => r.family))].sort();
  if (families.length < 2) return bySuite;
  const groups = new Map<string, CheckResult[]>();
  for (const [suite, group] of bySuite) {
    for (const family of families) {
      const mine = group.filter((r) => (familyOfResult(r) ?? family) === family);
      if (mine.some((r) => r.kind === 'network')) groups.set(`${suite} (${FAMILY_NAME[family] ?? family})`, mine);
    }
    if (![...groups.keys()].some((k) => k.startsWith(`${suite} (`))) groups.set(suite, group);
  }
  return groups;
}

/**
 * The label of a matrix row or column. The NodePort suite's source is the runner itself
 * (not a node), and a Service VIP has no node; both get a fixed label so the matrix stays
 * readable instead of growing an empty-named row.
 */
export function endpointLabel(end: NetworkResult['from']): string {
  if (end.kind === 'runner') return 'runner';
  if (end.kind === 'service' && !end.node) return 'service';
  return end.node || end.ip;
}

/**
 * A DNS row's column: the name it resolved, as a person says it — the run's namespace and the
 * cluster domain left out (they are the same for every row of a run), the kind of lookup kept,
 * so a search-path failure (short name) stands apart from an FQDN one. From the row's own
 * `dns.what` and `dns.name` (suites/dns.ts); undefined for any other row.
 */
export function dnsColumnLabel(r: NetworkResult): string | undefined {
  const what = r.properties?.['dns.what'];
  const name = r.properties?.['dns.name'];
  if (!what || !name) return undefined;
  const first = name.split('.')[0]!;
  const service = r.to.service ?? first;
  switch (what) {
    case 'kubernetes':
      return name.split('.').slice(0, 2).join('.'); // kubernetes.default
    case 'short':
      return `${service} (short name)`;
    case 'fqdn':
      return `${service} (FQDN)`;
    case 'headless':
      return `${service} (headless)`;
    case 'nxdomain':
      return `${first} (NXDOMAIN)`; // the name that must not exist, not the DNS Service asked
    default:
      return name;
  }
}

/**
 * A matrix column: a node, the runner, or — for a Service VIP, which has no node — what was
 * reached by name: the Service ("service/kubernetes"), so two VIPs stay apart and a headless
 * Service (no VIP) still has a name; a DNS row, the name it resolved.
 */
export function destinationLabel(r: NetworkResult): string {
  const dns = dnsColumnLabel(r);
  if (dns) return dns;
  if (r.to.kind === 'service' && !r.to.node) return `service/${r.to.service ?? r.properties?.['service'] ?? r.to.ip}`;
  return endpointLabel(r.to);
}

export interface MatrixCell {
  passed: number;
  failed: number;
  error: number;
  skipped: number;
  /** Rows that produced a verdict or an error: skipped rows are not counted. */
  checked: number;
}

export interface Matrix {
  rows: string[];
  columns: string[];
  /** cell(row, column) → counts, or undefined when no check ran between the two. */
  cell(row: string, column: string): MatrixCell | undefined;
}

/**
 * Rows that are not traffic between two ends (the Service-CIDR overlap check, a skip with no
 * node) are listed in the reports but not drawn: the matrix is about who reaches whom.
 */
export function isPairRow(r: CheckResult): r is NetworkResult {
  return r.kind === 'network' && r.from.kind !== 'service' && endpointLabel(r.from) !== '' && endpointLabel(r.to) !== '';
}

/** Where a row is drawn: source → destination; a static row about one node (its probe never ready) on that node's own cell. */
function cellOf(r: CheckResult): [string, string] | undefined {
  if (r.kind === 'static') return r.node ? [r.node, r.node] : undefined;
  return isPairRow(r) ? [endpointLabel(r.from), destinationLabel(r)] : undefined;
}

export function buildMatrix(results: readonly CheckResult[]): Matrix {
  const cells = new Map<string, MatrixCell>();
  const rows = new Set<string>();
  const columns = new Set<string>();
  for (const r of results) {
    const at = cellOf(r);
    if (!at) continue;
    const [row, column] = at;
    rows.add(row);
    columns.add(column);
    const key = `${row}\u0000${column}`;
    const cell = cells.get(key) ?? { passed: 0, failed: 0, error: 0, skipped: 0, checked: 0 };
    cell[r.outcome] += 1;
    if (r.outcome !== 'skipped') cell.checked += 1;
    cells.set(key, cell);
  }
  const byName = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });
  return {
    rows: [...rows].sort(byName),
    columns: [...columns].sort(byName),
    cell: (row, column) => cells.get(`${row}\u0000${column}`),
  };
}

export type CellState = 'pass' | 'fail' | 'error' | 'skipped' | 'none';

/** Failures outrank errors: a ✗ cell is a network problem, ⚠ is "could not check". */
export function cellState(cell: MatrixCell | undefined): CellState {
  if (!cell) return 'none';
  if (cell.failed > 0) return 'fail';
  if (cell.error > 0) return 'error';
  if (cell.checked === 0) return 'skipped';
  return 'pass';
}

/** Cell text shared by both views: "✓ 8/8", "✗ 6/8", "⚠ 0/8", "skip", "·". */
export function cellText(cell: MatrixCell | undefined): string {
  const state = cellState(cell);
  if (!cell || state === 'none') return '·';
  if (state === 'skipped') return 'skip';
  const mark = state === 'pass' ? '✓' : state === 'fail' ? '✗' : '⚠';
  return `${mark} ${cell.passed}/${cell.checked}`;
}

export function nodeCount(run: RunResults): number {
  const nodes = new Set<string>();
  for (const r of run.results) {
    if (r.kind === 'static') {
      if (r.node) nodes.add(r.node);
      continue;
    }
    for (const end of [r.from, r.to]) if (end.node && end.kind !== 'runner' && end.kind !== 'service') nodes.add(end.node);
  }
  return nodes.size;
}

/**
 * One line a reader can stop at. FAIL when any check failed; ERROR when nothing failed but
 * something could not be checked (a run with unchecked rows is not a pass); PASS otherwise.
 */
export function verdictLine(run: RunResults): { state: 'PASS' | 'FAIL' | 'ERROR'; text: string } {
  const c = countOutcomes(run.results);
  const nodes = nodeCount(run);
  const extras = [c.error > 0 ? `${c.error} could not be checked` : '', c.skipped > 0 ? `${c.skipped} skipped` : ''].filter(Boolean);
  const tail = extras.length > 0 ? ` (${extras.join(', ')})` : '';
  const on = `on ${nodes} node${nodes === 1 ? '' : 's'}`;
  if (c.failed > 0) {
    return { state: 'FAIL', text: `FAIL: ${c.failed} of ${c.total} checks failed ${on}${tail}` };
  }
  if (c.error > 0) {
    return { state: 'ERROR', text: `ERROR: no check failed, but ${c.error} of ${c.total} could not be checked ${on}${c.skipped > 0 ? ` (${c.skipped} skipped)` : ''}` };
  }
  if (c.total === 0) return { state: 'ERROR', text: 'ERROR: no checks ran' };
  return { state: 'PASS', text: `PASS: all ${c.passed} checks passed ${on}${tail}` };
}

/** "1.2 s" / "850 ms": phase times are read by people, not parsed. */
export function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}

/** "expected REACHABLE, observed FILTERED": the sentence every view starts a failure with. */
export function expectedVsObserved(r: CheckResult): string {
  if (r.kind === 'static') return r.status === 'fact' ? `expected to hold, ${r.outcome === 'passed' ? 'holds' : 'does not hold'}` : `${r.status === 'skipped' ? 'skipped' : 'not run'}`;
  return `expected ${r.expect}, observed ${r.observed}`;
}

/** "worker-1/probe-a (10.244.1.5)" — who sent or received, as precisely as the record allows. */
export function describeEndpoint(end: NetworkResult['from']): string {
  if (end.kind === 'runner') return `runner (${end.ip})`;
  const who = end.pod ? `${end.node}/${end.pod}` : end.node ? `${end.node} (${end.kind})` : end.kind;
  return `${who} ${end.ip}`.trim();
}

/**
 * Big clusters: a 100-column grid is unreadable in a terminal or a PR, so both views fall back
 * to one line per source: "✗ 2 of 99 destinations: worker-7, worker-9" or "✓ all 99 destinations".
 */
export function sourceSummary(m: Matrix, row: string, opts: { maxNames?: number } = {}): { ok: boolean; text: string } {
  const maxNames = opts.maxNames ?? 8;
  const present = m.columns.filter((c) => m.cell(row, c));
  const bad = present.filter((c) => ['fail', 'error'].includes(cellState(m.cell(row, c))));
  if (bad.length === 0) return { ok: true, text: `✓ all ${present.length} destinations` };
  const names = bad.length > maxNames ? `${bad.slice(0, maxNames).join(', ')}, …` : bad.join(', ');
  return { ok: false, text: `✗ ${bad.length} of ${present.length} destinations: ${names}` };
}
