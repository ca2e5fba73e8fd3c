// The prober's side of a truth table: cells → one batch command per source pod (netpol/probe.ts),
// run through the source probe's exec stream, read back as an observed table. Sources run side by
// side; a source's row is one command (split only past MAX_CELLS). A cell whose tool gave no
// verdict (a wrong answer, an unreadable output, a failed exec) is kept out of the table and listed,
// never guessed.
import { cellKey, type TruthTable } from './truth-table.ts';
import { batchCommand, CELL_TIMEOUT_S, MAX_CELLS, parseBatch, verdictOf, type CellCode, type ProbeTarget } from './probe.ts';
import type { Family, PolicyProtocol, World } from './types.ts';
import { podKey } from './types.ts';
import { cidrFamily } from './ip-block.ts';

/** What runs a command in a pod: ProbeStreams (one per namespace) in the suite, a local stand-in in tests. */
export interface Prober {
  run(namespace: string, pod: string, command: string, options: { timeoutMs: number }): Promise<{ exitCode: number; output: string; ms: number } | { failed: string }>;
}

export interface CellRef {
  from: string;
  to: string;
  port: number;
  protocol: PolicyProtocol;
}

export interface Observation {
  table: TruthTable;
  /** Every probed cell's code (cellKey → code); 'E' for a cell whose command failed. */
  codes: Map<string, CellCode>;
  /** Cells without a verdict, and failed commands, as text. */
  problems: string[];
}

/** The port DNS is served on: those cells are DNS queries (UDP) or a bare handshake (TCP). */
const DNS_PORT = 53;

/** Where and how a cell is probed: the target's address in the connection's family, its kind, the name it answers with. */
export function targetOf(world: World, cell: CellRef, options: { family?: Family; answerName: (namespace: string, pod: string) => string }): ProbeTarget | string {
  const to = world.pods.find((p) => podKey(p) === cell.to);
  const from = world.pods.find((p) => podKey(p) === cell.from);
  if (!to || !from) return `${cell.from} → ${cell.to}: no such pod in the world`;
  const family = options.family ?? (from.ips[0] ? cidrFamily(from.ips[0]) : 'ipv4');
  const host = to.ips.find((ip) => cidrFamily(ip) === family);
  if (!host) return `${cell.to} has no ${family} address`;
  if (cell.protocol === 'TCP') return { host, port: cell.port, kind: 'tcp' };
  if (cell.protocol !== 'UDP') return `${cell.protocol} is not probed`;
  if (cell.port === DNS_PORT && !to.namedPorts['serve-80-tcp']) return { host, port: cell.port, kind: 'dns-udp' };
  return { host, port: cell.port, kind: 'udp', expect: options.answerName(to.namespace, to.name) };
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Probe `cells` once: one command per source pod (and chunk), all sources at once. */
export async function observe(
  prober: Prober,
  world: World,
  cells: readonly CellRef[],
  options: { family?: Family; answerName: (namespace: string, pod: string) => string; timeoutS?: number },
): Promise<Observation> {
  const codes = new Map<string, CellCode>();
  const problems: string[] = [];
  const bySource = new Map<string, { cell: CellRef; target: ProbeTarget }[]>();
  for (const cell of cells) {
    const target = targetOf(world, cell, options);
    if (typeof target === 'string') {
      codes.set(cellKey(cell), 'E');
      problems.push(target);
      continue;
    }
    bySource.set(cell.from, [...(bySource.get(cell.from) ?? []), { cell, target }]);
  }
  const timeoutS = options.timeoutS ?? CELL_TIMEOUT_S;
  await Promise.all(
    [...bySource].flatMap(([from, row]) =>
      chunks(row, MAX_CELLS).map(async (chunk) => {
        const slash = from.indexOf('/');
        const out = await prober.run(
          from.slice(0, slash),
          from.slice(slash + 1),
          batchCommand(
            chunk.map((c) => c.target),
            { timeoutS },
          ),
          { timeoutMs: timeoutS * 3_000 + 15_000 },
        );
        if ('failed' in out) {
          for (const { cell } of chunk) codes.set(cellKey(cell), 'E');
          problems.push(`${from}: ${out.failed}`);
          return;
        }
        const read = parseBatch(out.output, chunk.length);
        chunk.forEach(({ cell }, i) => codes.set(cellKey(cell), read[i]!));
      }),
    ),
  );
  const table: TruthTable = { ...(options.family ? { family: options.family } : {}), cells: [] };
  for (const cell of cells) {
    const code = codes.get(cellKey(cell)) ?? 'E';
    const allowed = verdictOf(code);
    if (allowed === undefined) problems.push(`${cell.from} → ${cell.to} ${cell.port}/${cell.protocol}: ${code === 'W' ? 'answered by another pod' : 'no verdict'}`);
    else table.cells.push({ from: cell.from, to: cell.to, port: cell.port, protocol: cell.protocol, allowed });
  }
  return { table, codes, problems };
}

/** Do the observed cells say what `expected` says, for every cell of `expected`? */
export function matches(expected: readonly (CellRef & { allowed: boolean })[], observed: Observation): boolean {
  const seen = new Map(observed.table.cells.map((c) => [cellKey(c), c.allowed]));
  return expected.every((c) => seen.get(cellKey(c)) === c.allowed);
}
