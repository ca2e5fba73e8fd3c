// One row of a truth table in one command: the source probe tries every target, port and protocol
// of its row at once (a bash loop inside the probe, each cell a background job) and prints one
// line per cell, "<index> <code>". Carried by the probe's exec stream (probes/stream.ts) like
// every check's command, so a whole table costs one command per source pod, not one per cell.
// The tools are the image's: TCP `nc -z` (a bare handshake); UDP bash itself (a datagram on
// /dev/udp, porter's padded answer read back with `read -N 64 -t`, which must be the target's own
// name; no client process, where socat's start was most of a table's CPU; socat on bash < 5.2,
// whose `read -N` may take a datagram a byte at a time); DNS over UDP dig. Codes:
//   A  allowed: connected / answered by the intended pod
//   R  refused: RST or ICMP port unreachable (kube-router's REJECT looks like this)
//   T  timed out: no answer (a DROP)
//   U  unreachable / prohibited (ICMP unreachable, EPERM from a local firewall)
//   W  answered by someone else (not the target's name): no verdict
//   E  the tool gave no verdict
// Pure: the command line and its parser; unit-tested by running the command here against
// loopback servers.
import { q } from '../probes/client.ts';

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
/** Cells in one command: the output of a command is cut at 700 bytes (probes/stream.ts), ~7 bytes a cell. */
export const MAX_CELLS = 90;

const KIND_CODE: Record<TargetKind, string> = { tcp: 't', udp: 'u', 'dns-udp': 'd' };

/** The bash function each cell runs: the tool, then its output read as a code. */
function cellFunction(timeoutS: number): string {
  const t = String(timeoutS);
  // UDP: a partial answer that times out is still an answer (it reads as another pod's, never as dropped).
  const udpBash = `o=$({ exec 3<>"/dev/udp/$3/$4" && printf x >&3 && IFS= read -r -t ${t} -N 64 a <&3; printf %s "$a"; } 2>&1)`;
  const udpSocat = `h=$3; [ $6 = 6 ] && h="[$3]"; o=$(printf x | socat -T ${t} -t ${t} - "UDP$6:$h:$4,readbytes=64" 2>&1)`;
  const tools =
    `case $2 in t) o=$(nc -z -v -w ${t} "$3" "$4" 2>&1);; ` +
    `u) if ((BASH_VERSINFO[0] * 100 + BASH_VERSINFO[1] >= 502)); then ${udpBash}; else ${udpSocat}; fi;; ` +
    `d) o=$(dig +time=${t} +tries=1 +notcp -p "$4" @"$3" kubernetes.default.svc.cluster.local A 2>&1);; esac`;
  const read =
    'case "$o" in *[Rr]efused*) k=R;; *nreachable*|*"No route"*|*"not permitted"*|*"ermission denied"*) k=U;; *"timed out"*|*"no servers"*) k=T;; ' +
    '*) if [ $2 = u ]; then if [ -z "$o" ]; then k=T; elif [ "${o%% *}" = "$5" ]; then k=A; else k=W; fi; elif [ $r = 0 ]; then k=A; fi;; esac';
  return `c(){ local o r a h k=E; ${tools}; r=$?; ${read}; printf "%s %s\\n" "$1" "$k"; }`;
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
