// The client side of a check, run inside the source probe (one bash command line each, carried by
// the probe's exec stream: probes/stream.ts), and the reading of what they printed as wire events
// for the one classifier (check/classify.ts). The clients are bash itself where they can be (no
// process started per try):
//   TCP, an answer expected:   a GET on /dev/tcp in a process substitution, its reader's
//                              read -t the deadline (probes/http-client.ts)
//   UDP, an answer expected:   a connected /dev/udp socket and read -N (bash >= 5.2:
//                              probes/udp-client.ts); socat where the answer may come from another
//                              address, or on an older bash (readbytes: it ends at the answer)
//   full-size (echo):          a POST on /dev/tcp, a datagram on /dev/udp (socat as above), the
//                              answer compared with the fixed body in bash (probes/full-client.ts)
//   a bare connect:            the handshake on /dev/tcp, or a datagram on /dev/udp and any
//                              answer, as agnhost connect does (probes/connect-client.ts)
//   a name target:             dig first (probes/lookup.ts), then the above to the address
// Timings come from the probe (each try's wall time there), not from the API round trip. Pure:
// builders and parsers, unit-tested with the tools' real output.
import { bracketed } from '../ip.ts';
import type { AnswerCheck, IpFamily, Protocol, WireEvent } from '../check/types.ts';
import { ANSWER_BYTES } from './answers.ts';
import { bareConnectCommand, eventOfBareConnect } from './connect-client.ts';
import { fullCommand, fullEvent } from './full-client.ts';
import { HTTP_MARK, HTTP_TRY_LINES, httpSequential, httpTries, httpTryPrinted } from './http-client.ts';
import { onBash52, udpErrorEvent, udpTry } from './udp-client.ts';
import { q } from './quote.ts';
import type { CommandOut } from './stream.ts';

/** Per-try deadline of the clients in the probe (connect and answer). */
export const TRY_S = 5;

export interface Ask {
  host: string;
  port: number;
  protocol: Protocol;
  family: IpFamily;
  answer: AnswerCheck;
  /**
   * The target is a node's host network: its UDP server answers from whatever address its route
   * to the client picks (the bridge's on the same node, an overlay device's across nodes), so the
   * answer is taken from any address (socat's unconnected UDP-DATAGRAM; no ICMP refusal is seen).
   */
  anySource?: boolean;
  /** HTTP path (the runner's own server answers by path: /hostname, /clientip). */
  path?: string;
  timeoutS?: number;
  /**
   * Requests in one command (samples, a Service's spread): a small TCP or UDP request is a bash loop
   * of this many tries (a new connection or socket each: a Service picks anew). Full-size and bare-connect requests make one.
   */
  tries?: number;
  /**
   * The tries of one command at once instead of one after another: 'all' (a Service's spread:
   * each try a new connection, their order means nothing) or 'after-first' (session affinity:
   * the first connection records the client's backend, the rest must find it). Where a path drops
   * traffic, tries at once cost one timeout instead of one per try.
   */
  concurrent?: 'all' | 'after-first';
}

/** Tries in one command at most: its result, every try's line, stays within the stream's record size. */
export const TRIES_PER_COMMAND = 6;

/** How many requests askCommand makes for `ask` (full-size and bare connects: one; at most TRIES_PER_COMMAND). */
export function triesOf(ask: Ask): number {
  return ask.answer.kind === 'echo' || ask.answer.kind === 'connect' || ask.answer.kind === 'nxdomain' ? 1 : Math.min(TRIES_PER_COMMAND, Math.max(1, ask.tries ?? 1));
}

const KNC = 'KNC';

/** One bash line that makes the request of `ask` (an IP target) and prints what the parser reads. */
export function askCommand(ask: Ask): string {
  const t = ask.timeoutS ?? TRY_S;
  const host = ask.host;
  if (ask.answer.kind === 'connect' || ask.answer.kind === 'nxdomain') return bareConnectCommand({ host, port: ask.port, protocol: ask.protocol }, t);
  if (ask.answer.kind === 'echo')
    return fullCommand(ask.protocol, { host, port: ask.port, family: ask.family, ...(ask.path ? { path: ask.path } : {}), ...(ask.anySource ? { anySource: true } : {}) }, t);
  const tries = triesOf(ask);
  if (ask.protocol === 'tcp') {
    // Every try a GET of bash itself on its own connection (a Service picks anew), printed as its
    // last line and a KNCH line (probes/http-client.ts); no process started, and one fork per
    // command when the tries go one after another.
    const target = { host, port: ask.port, path: ask.path ?? '/' };
    if (!ask.concurrent || tries === 1) return httpSequential(target, tries, t);
    const one = httpTryPrinted(target);
    const atOnce = (n: number) => triesAtOnce(one, { tries: n, timeoutS: t, print: HTTP_TRY_LINES, timedOut: `'\\n${HTTP_MARK} 000 28 ${Math.round(t * 1e6)} \\n'` });
    return ask.concurrent === 'after-first' ? `${httpSequential(target, 1, t)}; ${atOnce(tries - 1)}` : atOnce(tries);
  }
  const udp = `${ask.family === 'ipv6' ? 'UDP6' : 'UDP4'}${ask.anySource ? '-DATAGRAM' : ''}:${bracketed(host)}:${ask.port}`;
  const socat = `socat -T ${t} -t ${t} - ${q(`${udp},readbytes=${ANSWER_BYTES}`)}`;
  const request = ask.answer.kind === 'clientip' ? 'clientip' : 'hostname';
  // Every try one datagram and its answer, timed in the probe, then its own KNCU line. The client
  // is bash itself where it can be (a connected socket on /dev/udp, porter's padded answer read
  // back whole: probes/udp-client.ts): no process started, and no fork either, read's -t being
  // the deadline (a UDP socket's connect does not wait), where a socat start was most of a UDP
  // row's CPU. A timeout prints nothing and exits 0, as socat's -T does; an error (ICMP port
  // unreachable, no route) exits non-zero after bash's line. An answer from another address
  // (anySource) needs socat's unconnected socket, and an older bash gets socat too.
  const socatTry = `a=$(printf %s ${request} | ${socat} 2>&1); r=$?`;
  const bashTry = `a=; { ${udpTry({ host, port: ask.port, send: request, bytes: ANSWER_BYTES, timeoutS: t })}; } 2>&1; r=$?; ((r > 128)) && r=0`;
  const client = ask.anySource ? socatTry : onBash52(bashTry, socatTry);
  const one = `s=\${EPOCHREALTIME/./}; ${client}; printf '%s\\n${KNC}U %s %s\\n' "$a" "$r" "$((\${EPOCHREALTIME/./} - s))"`;
  if (!ask.concurrent || tries === 1) return `for i in {1..${tries}}; do ${one}; done`;
  const atOnce = (n: number) => triesAtOnce(one, { tries: n, timeoutS: t, print: 'printf %s "$o"', timedOut: `'\\n${KNC}U 0 ${Math.round(t * 1e6)}\\n'` });
  return ask.concurrent === 'after-first' ? `{ ${one}; }; ${atOnce(tries - 1)}` : atOnce(tries);
}

/**
 * `tries` runs of the one-try statements `one` at once, each in a process substitution of its own
 * (one fork a try), read one after another against ONE deadline from their start: where a path
 * drops the traffic they cost one deadline, not one each. A try read whole is printed by `print`
 * (from $o); one not done by the deadline is killed and prints `timedOut` (a printf format).
 * One process reads and prints them all, so the tries' lines never interleave. A try's own
 * stderr is /dev/null (what a try reports, it prints on its stdout): a try ended by the reader
 * while it writes says "write error: Broken pipe" on it, and on the command's stderr that line
 * would land in another try's output (seen once in 829 unit tests under load: a silent UDP
 * server "answered").
 */
function triesAtOnce(one: string, x: { tries: number; timeoutS: number; print: string; timedOut: string }): string {
  return (
    `s0=\${EPOCHREALTIME/./}; fs=(); ps=(); for ((i = 0; i < ${x.tries}; i++)); do exec {f}< <(trap '' PIPE; { ${one}; } 2>/dev/null); fs+=($f); ps+=($!); done; ` +
    `for i in \${!fs[@]}; do f=\${fs[i]}; ((d = ${Math.round(x.timeoutS * 1e6)} - \${EPOCHREALTIME/./} + s0)); ((d < 1000)) && d=1000; d=00000$d; o=; ` +
    `IFS= read -r -d '' -t \${d:0:-6}.\${d: -6} o <&$f; k=$?; kill \${ps[i]} 2>/dev/null; exec {f}<&-; if ((k > 128)); then printf ${x.timedOut}; else ${x.print}; fi; done`
  );
}

export interface TryEvent {
  event: WireEvent;
  /** The probe's own time of an answered try, in milliseconds. */
  ms?: number;
}

/** What the command of askCommand printed → one event per try, each with the probe's time of it when it answered. */
export function eventsOfAsk(ask: Ask, out: CommandOut): TryEvent[] {
  const text = out.output;
  if (ask.answer.kind === 'connect' || ask.answer.kind === 'nxdomain') {
    const event = eventOfBareConnect(ask.protocol, out);
    return [{ event, ...(event.kind === 'connected' || event.kind === 'refused' ? { ms: out.ms } : {}) }];
  }
  if (ask.answer.kind === 'echo') return [fullEvent(ask.protocol, out, ask.timeoutS ?? TRY_S)];
  const tries = ask.protocol === 'tcp' ? httpTries(text, ask.timeoutS ?? TRY_S) : socatTries(ask, text);
  // A command that printed no per-try line at all did not run to its end (killed, no bash or socat).
  return tries.length
    ? tries
    : [{ event: { kind: 'empty', text: `no result from the probe's ${ask.protocol === 'tcp' ? 'HTTP' : 'UDP'} client (exit ${out.exitCode}): ${text.trim().slice(0, 200) || '(no output)'}` } }];
}

/** The first try's event (single-request callers). */
export function eventOfAsk(ask: Ask, out: CommandOut): TryEvent {
  return eventsOfAsk(ask, out)[0]!;
}

/** socat's tries: each the answer or socat's own error line, then "KNCU <exit code> <µs>". */
function socatTries(ask: Ask, printed: string): TryEvent[] {
  const out: TryEvent[] = [];
  const text = printed;
  for (const m of text.matchAll(new RegExp(`([\\s\\S]*?)\\n${KNC}U (\\d+) (\\d+)(?:\\n|$)`, 'g'))) {
    const [, printed = '', exit = '0', us = '0'] = m;
    out.push(socatTry(ask, printed.replace(/^\n/, ''), Number(exit), Number(us) / 1000));
  }
  return out;
}

/**
 * One UDP request: the answer, or the client's error — socat's own line ("E read(5, …): Connection
 * refused") or, from bash's client (a non-zero exit), bash's last line ("…: read error: 0:
 * Connection refused").
 */
function socatTry(ask: Ask, printed: string, exit: number, ms: number): TryEvent {
  const error = udpErrorEvent(printed, exit);
  if (error) return { event: error };
  const answer = printed.trim();
  if (exit === 0 && answer === '') return { event: { kind: 'timeout', text: `no UDP answer within ${ask.timeoutS ?? TRY_S} s` } };
  if (exit === 0) return { event: { kind: 'answer', text: answer }, ms };
  return { event: { kind: 'empty', text: `no network verdict from the probe's UDP client (exit ${exit}): (no output)` } };
}
