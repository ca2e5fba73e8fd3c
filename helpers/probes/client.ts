// The client side of a check, run inside the source probe with the image's own tools (one bash
// command line each, carried by the probe's exec stream: probes/stream.ts), and the reading of
// what they printed as wire events for the one classifier (check/classify.ts):
//   TCP, an answer expected:   bash itself, a GET on /dev/tcp with a watchdog for the deadline
//                              (probes/http-client.ts); curl for a full-size POST whose answer
//                              is checksummed, then nc -z when curl could not connect
//   TCP, a bare connect:       nc -z -v (OpenBSD netcat)
//   UDP, an answer expected:   bash itself, a connected /dev/udp socket and read -N (bash >= 5.2);
//                              socat where the answer may come from another address, or on an
//                              older bash (readbytes: it ends at the answer)
//   UDP, a bare connect:       agnhost connect --protocol udp
//   a name target:             dig first (probes/lookup.ts), then the above to the address
// Timings come from the probe (each try's wall time there; curl's time_total), not
// from the API round trip. Pure: builders and parsers, unit-tested with the tools' real output.
import { bracketed } from '../ip.ts';
import { payloadOf } from '../check/classify.ts';
import { connectCommand, eventOfConnect, eventOfNc, ncCommand, UNREACHABLE_TEXT } from '../check/drivers/connect.ts';

import type { AnswerCheck, IpFamily, Protocol, WireEvent } from '../check/types.ts';
import { ANSWER_BYTES, FULL_BYTES, FULL_REQUEST_BYTE, fullBody, posixCksum } from './answers.ts';
import { httpTries, httpTry, SLEEPER } from './http-client.ts';
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
   * Requests in one command (samples, a Service's spread): a small TCP request is one curl with
   * this many URLs (a new connection each: `Connection: close`), a small UDP one a bash loop of
   * socat. Full-size and bare-connect requests make one.
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

/** curl's exit codes as words (it also prints them, but a message per try would crowd the result out). */
const CURL_EXIT: Record<number, string> = {
  6: 'could not resolve the host',
  7: 'could not connect',
  28: 'timed out',
  52: 'empty reply from the server',
  55: 'failed sending data',
  56: 'failed receiving data (connection reset)',
};

/** Single-quote for bash. */
export function q(text: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

const KNC = 'KNC';

/** One bash line that makes the request of `ask` (an IP target) and prints what the parser reads. */
export function askCommand(ask: Ask): string {
  const t = ask.timeoutS ?? TRY_S;
  const host = ask.host;
  const nc = ncCommand({ host, port: ask.port }, t).map(q).join(' ');
  if (ask.protocol === 'tcp' && (ask.answer.kind === 'connect' || ask.answer.kind === 'nxdomain')) return nc;
  if (ask.protocol === 'udp' && (ask.answer.kind === 'connect' || ask.answer.kind === 'nxdomain')) return connectCommand({ host, port: ask.port, protocol: 'udp' }, t).map(q).join(' ');
  const full = ask.answer.kind === 'echo';
  const make = (bytes: number) => `head -c ${bytes} /dev/zero | tr '\\0' ${FULL_REQUEST_BYTE}`;
  if (ask.protocol === 'tcp') {
    const url = `http://${bracketed(host)}:${ask.port}${ask.path ?? '/'}`;
    if (full) {
      const timing = `${KNC} %{http_code} %{time_connect} %{time_total}`;
      const curl = `curl -sS -g -m ${t} --connect-timeout ${t}`;
      // (curl's -w turns the two characters \n into a newline: the command stays one line.)
      // curl's "could not connect" (7) does not say why in every version: nc asks the kernel once more.
      return `${make(FULL_BYTES.tcp)} | ${curl} --data-binary @- -w ${q(`%{stderr}\\n${timing}\\n`)} ${q(url)} | cksum; r=$?; [ $r = 7 ] && ${nc}; exit $r`;
    }
    // Every try a GET of bash itself on its own connection (a Service picks anew), printed as its
    // body and a KNCH line (probes/http-client.ts); no process started per try.
    const one = httpTry({ host, port: ask.port, path: ask.path ?? '/' }, t);
    const tries = triesOf(ask);
    if (!ask.concurrent || tries === 1) return `${SLEEPER}; for i in {1..${tries}}; do ${one}; printf '%s\\n' "$o"; done`;
    // At once: each try in a background subshell that prints its lines as ONE line (AT_ONCE):
    // bash writes its output a line at a time, so the lines of tries ending together would interleave.
    return `${SLEEPER}; ${atOnce(`${one}; ${AT_ONCE_PRINT}`, { tries, concurrent: ask.concurrent })}`;
  }
  const udp = `${ask.family === 'ipv6' ? 'UDP6' : 'UDP4'}${ask.anySource ? '-DATAGRAM' : ''}:${bracketed(host)}:${ask.port}`;
  const bytes = full ? FULL_BYTES.udp : ANSWER_BYTES;
  const socat = `socat -T ${t} -t ${t} - ${q(`${udp},readbytes=${bytes}`)}`;
  const request = ask.answer.kind === 'clientip' ? 'clientip' : 'hostname';
  if (full) return `${make(FULL_BYTES.udp)} | ${socat} | cksum`;
  // Every try one datagram and its answer, timed in the probe, each followed by its own line
  // (tries at once: the two as one AT_ONCE line). The client is bash itself where it can be (a
  // connected socket on /dev/udp, porter's padded answer read back whole with `read -N`, which
  // bash >= 5.2 does a datagram at a time): no process started per try, where a socat start was
  // most of a UDP row's CPU. A timeout prints nothing and exits 0, as socat's -T does; an error
  // (ICMP port unreachable, no route) exits non-zero with bash's message. An answer from another
  // address (anySource) needs socat's unconnected socket, and an older bash gets socat too.
  const socatExchange = `a=$(printf %s ${request} | ${socat} 2>&1)`;
  const bashExchange = `a=$({ exec 3<>/dev/udp/${host}/${ask.port} && printf %s ${request} >&3 && { IFS= read -r -t ${t} -N ${ANSWER_BYTES} a <&3; r=$?; ((r > 128)) && r=0; printf %s "$a"; exit $r; }; } 2>&1)`;
  const client = ask.anySource ? socatExchange : `if ((BASH_VERSINFO[0] * 100 + BASH_VERSINFO[1] >= 502)); then ${bashExchange}; else ${socatExchange}; fi`;
  const exchange = `s=\${EPOCHREALTIME/./}; ${client}; r=$?`;
  const tries = triesOf(ask);
  if (!ask.concurrent || tries === 1) return `for i in {1..${tries}}; do ${exchange}; printf '%s\\n${KNC}U %s %s\\n' "$a" "$r" "$((\${EPOCHREALTIME/./} - s))"; done`;
  const one = `${exchange}; o="$a"$'\\n'"${KNC}U $r $((\${EPOCHREALTIME/./} - s))"; ${AT_ONCE_PRINT}`;
  return atOnce(one, { tries, concurrent: ask.concurrent });
}

/**
 * `tries` runs of the one-try command `one` at once, each in a background subshell, and a wait
 * for them all; 'after-first' runs the first alone before the others start (session affinity:
 * the rest must find the backend the first one recorded).
 */
function atOnce(one: string, { tries, concurrent }: { tries: number; concurrent: NonNullable<Ask['concurrent']> }): string {
  const first = concurrent === 'after-first' ? `{ ${one}; }; ` : '';
  return `${first}for i in {1..${concurrent === 'after-first' ? tries - 1 : tries}}; do { ${one}; } & done; wait`;
}

/**
 * A try made at once with others prints its lines as one line, "KNCT <lines, escaped: \\ \n>":
 * bash flushes its output at each newline, so several lines of one try could otherwise have
 * another try's lines between them (seen on the lab: two answers read as one).
 */
const AT_ONCE_PRINT = `o=\${o//\\\\/\\\\\\\\}; printf '${KNC}T %s\\n' "\${o//$'\\n'/\\\\n}"`;

/** The tries' output as made one after another: each AT_ONCE line unescaped back into its lines (other output unchanged). */
export function atOnceLines(text: string): string {
  if (!/^KNCT /m.test(text)) return text;
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${KNC}T `))
    .map((l) => l.slice(KNC.length + 2).replace(/\\(\\|n)/g, (_, c: string) => (c === 'n' ? '\n' : '\\')))
    .join('\n');
}

/** curl's exit codes that mean the connection was made and then broke (empty reply, reset, send/recv failure). */
const CURL_RESET = new Set([52, 55, 56]);

/** The event of a full-size answer's checksum line: the fixed body intact, or what came instead. */
function fullAnswer(line: string | undefined, protocol: Protocol): WireEvent {
  const expected = posixCksum(fullBody(protocol));
  if (line === expected) return { kind: 'answer', text: payloadOf(FULL_BYTES[protocol]) };
  const length = Number(line?.split(' ')[1] ?? 0);
  return length === 0 ? { kind: 'timeout', text: `no answer within ${TRY_S} s` } : { kind: 'answer', text: `(${length} bytes that are not the ${FULL_BYTES[protocol]}-byte answer)` };
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
    const event = ask.protocol === 'tcp' ? eventOfNc({ exitCode: out.exitCode, stderr: text }) : eventOfConnect({ exitCode: out.exitCode, stderr: text }, 'udp');
    return [{ event, ...(event.kind === 'connected' || event.kind === 'refused' ? { ms: out.ms } : {}) }];
  }
  const full = ask.answer.kind === 'echo';
  if (full) return [fullEvent(ask, out)];
  const tries = ask.protocol === 'tcp' ? httpTries(atOnceLines(text), ask.timeoutS ?? TRY_S) : socatTries(ask, text);
  // A command that printed no per-try line at all did not run to its end (killed, no curl or socat).
  return tries.length
    ? tries
    : [{ event: { kind: 'empty', text: `no result from the probe's ${ask.protocol === 'tcp' ? 'HTTP' : 'UDP'} client (exit ${out.exitCode}): ${text.trim().slice(0, 200) || '(no output)'}` } }];
}

/** The first try's event (single-request callers). */
export function eventOfAsk(ask: Ask, out: CommandOut): TryEvent {
  return eventsOfAsk(ask, out)[0]!;
}

/** A curl try that got no answer → its event: exit 7 by nc's line (the kernel's reason), 28 a timeout, a reset, or no verdict. */
function curlFailure(ask: Ask, curlExit: number, line: string, ncLine: string | undefined): WireEvent {
  if (curlExit === 7) {
    const reason = ncLine ? eventOfNc({ exitCode: 1, stderr: ncLine }) : undefined;
    return reason && (reason.kind === 'refused' || reason.kind === 'timeout' || reason.kind === 'unreachable')
      ? reason
      : { kind: 'empty', text: `curl could not connect and nc then could (${line}): no verdict` };
  }
  if (curlExit === 28) return { kind: 'timeout', text: `no answer within ${ask.timeoutS ?? TRY_S} s (${line})` };
  if (CURL_RESET.has(curlExit)) return { kind: 'reset', text: line };
  if (UNREACHABLE_TEXT.test(line)) return { kind: 'unreachable', text: line };
  return { kind: 'empty', text: `no network verdict from curl: ${line}` };
}

/** socat's tries: each the answer or socat's own error line, then "KNCU <exit code> <µs>". */
function socatTries(ask: Ask, printed: string): TryEvent[] {
  const out: TryEvent[] = [];
  const text = atOnceLines(printed);
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
  const error = /socat\[\d+\] E (.*)$/m.exec(printed)?.[1] ?? (exit !== 0 ? (printed.trim().split('\n').at(-1) ?? '') : '');
  if (error) {
    if (/connection refused/i.test(error)) return { event: { kind: 'refused', text: 'ICMP port unreachable: the host is reached, nothing listens on the port' } };
    if (UNREACHABLE_TEXT.test(error)) return { event: { kind: 'unreachable', text: `rejected by a firewall or the network (${error.split(': ').at(-1)})` } };
    return { event: { kind: 'empty', text: `no network verdict from the probe's UDP client (exit ${exit}): ${error.slice(0, 200)}` } };
  }
  const answer = printed.trim();
  if (exit === 0 && answer === '') return { event: { kind: 'timeout', text: `no UDP answer within ${ask.timeoutS ?? TRY_S} s` } };
  if (exit === 0) return { event: { kind: 'answer', text: answer }, ms };
  return { event: { kind: 'empty', text: `no network verdict from the probe's UDP client (exit ${exit}): (no output)` } };
}

/** A full-size request (one try): the checksum of the answer, or why there was none. */
function fullEvent(ask: Ask, out: CommandOut): TryEvent {
  const text = out.output;
  const cksum = /^(\d+ \d+)$/m.exec(text)?.[1];
  if (ask.protocol === 'udp') {
    const error = /socat\[\d+\] E (.*)$/m.exec(text)?.[1];
    if (error) return socatTry(ask, text, 1, 0);
    const event = fullAnswer(cksum, 'udp');
    return { event, ...(event.kind === 'answer' ? { ms: out.ms } : {}) };
  }
  const timing = new RegExp(`${KNC} (\\d{3}) ([\\d.]+) ([\\d.]+)`).exec(text);
  const ms = timing ? Math.round(Number(timing[3]) * 100_000) / 100 : undefined;
  if (out.exitCode === 0 && timing && timing[1] !== '000') return { event: fullAnswer(cksum, 'tcp'), ...(ms !== undefined ? { ms } : {}) };
  const curlLine = /curl: \(\d+\)[^\n]*/.exec(text)?.[0] || `curl: (${out.exitCode}) ${CURL_EXIT[out.exitCode] ?? text.trim().slice(0, 200)}`;
  return { event: curlFailure(ask, out.exitCode, curlLine, /^nc: .*$/m.exec(text)?.[0]) };
}
