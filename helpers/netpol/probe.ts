// One row of a truth table in one command: the source probe tries every target, port and protocol
// of its row at once (a bash loop inside the probe, each cell a background job) and prints one
// line per cell, "<index> <code>". Carried by the probe's exec stream (probes/stream.ts) like
// every check's command, so a whole table costs one command per source pod, not one per cell.
// The clients are bash itself (bash >= 5.2), no process started per cell (nc's and socat's starts
// were most of a table's CPU): TCP a connect on /dev/tcp in a process substitution, its first line
// awaited with `read -t` (then the substitution is killed: a dropped SYN leaves nothing behind);
// UDP a datagram on /dev/udp, porter's padded answer read back with `read -N 64 -t`, which must be
// the target's own name. So a cell's deadline may be a fraction of a second. On an older bash
// (whose `read -N` may take a datagram a byte at a time) the image's `nc -z` and socat, with the
// deadline rounded up to whole seconds; DNS over UDP is always dig (whole seconds). Codes:
//   A  allowed: connected / answered by the intended pod
//   R  refused: RST or ICMP port unreachable (kube-router's REJECT looks like this)
//   T  timed out: no answer (a DROP)
//   U  unreachable / prohibited (ICMP unreachable, EPERM from a local firewall)
//   W  answered by someone else (not the target's name): no verdict
//   E  the tool gave no verdict
// Pure: the command line and its parser; unit-tested by running the command here against
// loopback servers.
import { q } from '../probes/quote.ts';
import { tcpConnectTry } from '../probes/connect-client.ts';
import { onBash52, udpExchange } from '../probes/udp-client.ts';

export type CellCode = 'A' | 'R' | 'T' | 'U' | 'W' | 'E';
export type TargetKind = 'tcp' | 'udp' | 'dns-udp';

export interface ProbeTarget {
  host: string;
  port: number;
  kind: TargetKind;
  /** UDP: the name the target answers with ("x/a"). */
  expect?: string;
}

/** Per-cell client deadline (connect or answer), in seconds: a REJECT answers in milliseconds, a DROP costs this. */
export const CELL_TIMEOUT_S = 1;
/**
 * The deadline of a step's whole table (runner.ts). Most of a table's time is its denied cells
 * waiting out the deadline: a DROP, or a REJECT whose ICMP error the kernel rate-limits (6 at
 * once, then 1 a second per destination). A cell the table finds wrong is probed once more with
 * RECHECK_CELL_TIMEOUT_S, so an answer slower than this deadline is late, never wrong.
 */
export const TABLE_CELL_TIMEOUT_S = 0.5;
/** The deadline of a table's second look at the cells it found wrong. */
export const RECHECK_CELL_TIMEOUT_S = 2;
/**
 * The deadline of a poll round's cells (runner.ts: until the enforcer shows a step's changes). A
 * poll round only decides when the table is probed, never a verdict: the table's cells get
 * CELL_TIMEOUT_S, and a cell the table finds wrong is probed again. A round that waits on a cell
 * still dropped (or whose REJECT's ICMP the kernel rate-limited) costs its deadline, so the
 * rounds' deadline is the enforcement latency's resolution: short for the first rounds, then the
 * table's, so a cluster whose answers take longer than the short one still catches up (bash's
 * clients; nc, socat and dig round it up to 1 s).
 */
export const POLL_CELL_TIMEOUT_S = 0.25;
/** Rounds with the short deadline; later rounds give each cell CELL_TIMEOUT_S. */
export const POLL_SHORT_ROUNDS = 8;

export function pollDeadline(round: number): number {
  return round <= POLL_SHORT_ROUNDS ? POLL_CELL_TIMEOUT_S : CELL_TIMEOUT_S;
}
/** Cells in one command: the output of a command is cut at 700 bytes (probes/stream.ts), ~7 bytes a cell. */
export const MAX_CELLS = 90;

const KIND_CODE: Record<TargetKind, string> = { tcp: 't', udp: 'u', 'dns-udp': 'd' };

/** The bash function each cell runs: the client, then its output read as a code. */
function cellFunction(timeoutS: number): string {
  const t = String(timeoutS);
  const whole = String(Math.max(1, Math.ceil(timeoutS)));
  // TCP: "ok" once connected, else the connect's error; nothing within the deadline is a timeout.
  const tcpBash = `${tcpConnectTry('$3', '$4', t)}; ((r > 128)) && o='timed out'; [ "$o" = ok ]`;
  // UDP: a partial answer that times out is still an answer (it reads as another pod's, never as dropped).
  const udpBash = udpExchange({ host: '$3', port: '$4', send: 'x', bytes: 64, timeoutS: t, into: 'o' });
  const tcpNc = `o=$(nc -z -v -w ${whole} "$3" "$4" 2>&1)`;
  const udpSocat = `h=$3; [ $6 = 6 ] && h="[$3]"; o=$(printf x | socat -T ${whole} -t ${whole} - "UDP$6:$h:$4,readbytes=64" 2>&1)`;
  const tools =
    `case $2 in t) ${onBash52(tcpBash, tcpNc)};; u) ${onBash52(udpBash, udpSocat)};; ` + `d) o=$(dig +time=${whole} +tries=1 +notcp -p "$4" @"$3" kubernetes.default.svc.cluster.local A 2>&1);; esac`;
  const read =
    'case "$o" in *[Rr]efused*) k=R;; *nreachable*|*"No route"*|*"not permitted"*|*"ermission denied"*) k=U;; *"timed out"*|*"no servers"*) k=T;; ' +
    '*) if [ $2 = u ]; then if [ -z "$o" ]; then k=T; elif [ "${o%% *}" = "$5" ]; then k=A; else k=W; fi; elif [ $r = 0 ]; then k=A; fi;; esac';
  return `c(){ local o r a h f k=E; ${tools}; r=$?; ${read}; printf "%s %s\\n" "$1" "$k"; }`;
}

/**
 * One bash line: every target tried at once, one "<index> <code>" line each. A tuple's fields are
 * split by the shell (no here-string: bash may write those to a temporary file, and the probe's
 * root filesystem is read-only).
 */
export function batchCommand(targets: readonly ProbeTarget[], options: { timeoutS?: number } = {}): string {
  if (targets.length > MAX_CELLS) throw new RangeError(`${targets.length} cells in one probe command; at most ${MAX_CELLS}`);
  const tuples = targets.map((t, i) => {
    const v6 = t.host.includes(':');
    return [i, KIND_CODE[t.kind], t.host, t.port, t.expect ?? '-', v6 ? '6' : '4'].join(',');
  });
  for (const tuple of tuples) if (!/^[A-Za-z0-9_./:,-]+$/.test(tuple)) throw new Error(`a probe target with characters the command cannot carry: ${tuple}`);
  return `${cellFunction(options.timeoutS ?? CELL_TIMEOUT_S)}; for x in ${tuples.map(q).join(' ')}; do c \${x//,/ } & done; wait`;
}

/** The command's output → a code per target, in order; a cell with no line is E (no verdict). */
export function parseBatch(output: string, count: number): CellCode[] {
  const codes: CellCode[] = Array.from({ length: count }, () => 'E');
  for (const m of output.matchAll(/^(\d+) ([ARTUWE])$/gm)) {
    const i = Number(m[1]);
    if (i < count) codes[i] = m[2] as CellCode;
  }
  return codes;
}

/** A code as a policy verdict: allowed, denied, or no verdict. */
export function verdictOf(code: CellCode): boolean | undefined {
  return code === 'A' ? true : code === 'R' || code === 'T' || code === 'U' ? false : undefined;
}

export const CODE_TEXT: Record<CellCode, string> = {
  A: 'connected',
  R: 'refused (RST or ICMP port unreachable)',
  T: 'no answer in time (dropped)',
  U: 'unreachable or prohibited',
  W: 'answered by another pod',
  E: 'no verdict from the tool',
};
