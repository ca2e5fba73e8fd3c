// Truth tables: the model's verdict for every probe of a set (each source × each destination ×
// each port/protocol), a compact grid to print (rows = from, columns = to, `.` allowed, `X`
// denied, one grid per port/protocol, as upstream's netpol e2e prints them), and the two diffs a
// runner needs: expected vs observed (the wrong cells) and one step vs the next (the cells a
// change should flip, which are the ones worth polling while the enforcer catches up).
import { evaluate, resolve, type ModelOptions } from './model.ts';
import { endpointKey, type Endpoint, type Family, type PolicyProtocol, type World } from './types.ts';

export interface PortProtocol {
  port: number;
  protocol: PolicyProtocol;
}

export interface ProbeSet {
  from: Endpoint[];
  to: Endpoint[];
  ports: PortProtocol[];
}

export interface Cell {
  from: string;
  to: string;
  port: number;
  protocol: PolicyProtocol;
  allowed: boolean;
  /** Why (the model's reason); absent in an observed table. */
  reason?: string;
  /**
   * A denied cell of the model's table: the nodes where a denying side's pod runs (the
   * destination's for an ingress denial, the source's for an egress one), where an enforcer
   * must act to deny it. The evidence of "not enforced for pods on node N" (netpol/evidence.ts).
   */
  enforcedAt?: string[];
  /** A denied cell whose two ends run on different nodes (or one end is not a pod of a known node). */
  crossNode?: boolean;
}

export interface TruthTable {
  /** The connections' IP family; undefined: each pair's primary family. */
  family?: Family;
  cells: Cell[];
}

export function cellKey(cell: { from: string; to: string; port: number; protocol: PolicyProtocol }): string {
  return `${cell.from}→${cell.to}:${cell.port}/${cell.protocol}`;
}

/** The model's table for the probe sets (a cell probed by two sets appears once). */
export function expectedTable(world: World, probes: ProbeSet | readonly ProbeSet[], opts: { family?: Family; model?: ModelOptions } = {}): TruthTable {
  const cells = new Map<string, Cell>();
  for (const set of Array.isArray(probes) ? probes : [probes as ProbeSet]) {
    for (const from of set.from) {
      for (const to of set.to) {
        for (const { port, protocol } of set.ports) {
          const verdict = evaluate(world, { from, to, port, protocol, ...(opts.family ? { family: opts.family } : {}) }, opts.model);
          const cell: Cell = { from: endpointKey(from), to: endpointKey(to), port, protocol, allowed: verdict.allowed, reason: verdict.reason };
          if (!verdict.allowed) {
            // The ends' nodes as the model resolved them (a pod's node; an address's, if it is a node's).
            const ends = [resolve(world, from).node, resolve(world, to).node];
            const at = [!verdict.egress.allowed ? ends[0] : undefined, !verdict.ingress.allowed ? ends[1] : undefined];
            cell.enforcedAt = [...new Set(at.filter((n): n is string => !!n))].sort();
            cell.crossNode = !ends[0] || !ends[1] || ends[0] !== ends[1];
          }
          cells.set(cellKey(cell), cell);
        }
      }
    }
  }
  return { ...(opts.family ? { family: opts.family } : {}), cells: [...cells.values()] };
}

export interface WrongCell {
  from: string;
  to: string;
  port: number;
  protocol: PolicyProtocol;
  expected: boolean;
  /** 'missing' when the observed table has no such cell (not probed). */
  observed: boolean | 'missing';
  reason?: string;
}

/** The cells where the observation is not the expectation, in the expected table's order. */
export function wrongCells(expected: TruthTable, observed: TruthTable): WrongCell[] {
  const seen = new Map(observed.cells.map((c) => [cellKey(c), c.allowed]));
  return expected.cells.flatMap((c) => {
    const o = seen.get(cellKey(c)) ?? 'missing';
    if (o === c.allowed) return [];
    return [{ from: c.from, to: c.to, port: c.port, protocol: c.protocol, expected: c.allowed, observed: o, ...(c.reason ? { reason: c.reason } : {}) }];
  });
}

export interface CellChange {
  from: string;
  to: string;
  port: number;
  protocol: PolicyProtocol;
  /** undefined: the cell did not exist before (a pod that was just added). */
  before: boolean | undefined;
  after: boolean;
}

/** The cells of `after` whose verdict differs from `before` (or that are new). */
export function changedCells(before: TruthTable, after: TruthTable): CellChange[] {
  const previous = new Map(before.cells.map((c) => [cellKey(c), c.allowed]));
  return after.cells.flatMap((c) => {
    const was = previous.get(cellKey(c));
    return was === c.allowed ? [] : [{ from: c.from, to: c.to, port: c.port, protocol: c.protocol, before: was, after: c.allowed }];
  });
}

export interface GridOptions {
  /** How a from/to key is printed (e.g. strip the run's namespace prefix); default as is. */
  label?: (key: string) => string;
}

/**
 * One grid per port/protocol, rows = from, columns = to. A cell missing from the table prints as
 * blank (not probed), so an observed table of a partial run still lines up with the expected one.
 *
 *   80/TCP  x/a x/b x/c
 *   x/a     .   X   .
 */
export function printTable(table: TruthTable, opts: GridOptions = {}): string {
  const label = opts.label ?? ((k: string) => k);
  const groups = new Map<string, Cell[]>();
  for (const c of table.cells) {
    const key = `${c.port}/${c.protocol}`;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  const grids: string[] = [];
  for (const [heading, cells] of groups) {
    const froms = unique(cells.map((c) => c.from));
    const tos = unique(cells.map((c) => c.to));
    const byKey = new Map(cells.map((c) => [`${c.from}|${c.to}`, c.allowed]));
    const rows = [[heading + (table.family ? ` ${table.family}` : ''), ...tos.map(label)], ...froms.map((f) => [label(f), ...tos.map((t) => mark(byKey.get(`${f}|${t}`)))])];
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    grids.push(
      rows
        .map((r) =>
          r
            .map((v, i) => v.padEnd(widths[i]!))
            .join(' ')
            .trimEnd(),
        )
        .join('\n'),
    );
  }
  return grids.join('\n\n');
}

/** Expected and observed side by side, wrong cells marked: what a failed case prints. */
export function printComparison(expected: TruthTable, observed: TruthTable, opts: GridOptions = {}): string {
  const wrong = wrongCells(expected, observed);
  const lines = [`expected:\n${printTable(expected, opts)}`, `observed:\n${printTable(observed, opts)}`];
  const label = opts.label ?? ((k: string) => k);
  lines.push(
    `${wrong.length} wrong of ${expected.cells.length}` +
      wrong.map((w) => `\n  ${label(w.from)} → ${label(w.to)} ${w.port}/${w.protocol}: expected ${word(w.expected)}, observed ${w.observed === 'missing' ? 'not probed' : word(w.observed)}`).join(''),
  );
  return lines.join('\n\n');
}

function mark(allowed: boolean | undefined): string {
  return allowed === undefined ? ' ' : allowed ? '.' : 'X';
}

function word(allowed: boolean): string {
  return allowed ? 'allowed' : 'denied';
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
