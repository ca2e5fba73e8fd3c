// A full-size request (more than one MTU each way: answers.ts FULL_BYTES) made by the probe's bash
// itself, where it was `head -c N /dev/zero | tr | curl or socat | cksum` (4 process starts, ~11
// ms of CPU for TCP, ~7 ms for UDP): the request made by printf's repeats, the answer compared in
// bash with the fixed body the full-size port answers (answers.ts fullBody), one line printed.
//   TCP: in a process substitution, a POST on /dev/tcp and the answer read to the connection's end
//        with `read -N` (bash reads a socket in blocks for it; with -t it would block signals
//        around every byte, ~5x the CPU), then compared; its line awaited with `read -t` (the
//        deadline of the whole request, as curl's -m), then it is killed. One fork, ~2 ms.
//        prints: KNCF <read's status: > 128 the deadline passed> <its line>, the line
//                "<HTTP status or 000> <body bytes> intact|other <µs>" or bash's error line
//   UDP: bash's own /dev/udp (probes/udp-client.ts), read -N 1900 -t; socat where the answer may
//        come from another address, or on a bash older than 5.2. No fork with bash, ~1.7 ms.
//        prints: <bash's or socat's error line>\nKNCF <status> <bytes> intact|other <µs>
// Pure: the builders and the parser, run for real against loopback servers in the unit tests.
import { bracketed } from '../ip.ts';
import { payloadOf } from '../check/classify.ts';
import type { Protocol, WireEvent } from '../check/types.ts';
import { FULL_BYTES, FULL_PATTERN, FULL_REQUEST_BYTE } from './answers.ts';
import { eventOfFailedConnect, reasonOf } from './connect-client.ts';
import { q } from './quote.ts';
import { onBash52, udpErrorEvent, udpTry } from './udp-client.ts';

const MARK = 'KNCF';

/** bash statements that set `into` to `bytes` bytes of `text` repeated (printf's format repeats for each argument: no loop, no pattern substitution, which is slow on a long value). */
function repeated(into: string, text: string, bytes: number): string {
  return `printf -v ${into} ${`'%.0s${text.replace(/\n/g, '\\n')}'`} {1..${Math.ceil(bytes / text.length)}}; ${into}=\${${into}:0:${bytes}}`;
}

/** The request (FULL_REQUEST_BYTE repeated) in $b, the answer it must get (fullBody) in $e. */
function bodies(protocol: Protocol): string {
  const bytes = FULL_BYTES[protocol];
  return `${repeated('b', FULL_REQUEST_BYTE.repeat(64), bytes)}; ${repeated('e', FULL_PATTERN, bytes)}`;
}

/** $a against $e, and the try's line: bytes, intact or not, µs since $s. */
const VERDICT = `[[ $a == "$e" ]] && k=intact || k=other; n=\${#a}; u=$((\${EPOCHREALTIME/./} - s))`;

export interface FullTarget {
  host: string;
  port: number;
  /** HTTP path (TCP). */
  path?: string;
  family: 'ipv4' | 'ipv6';
  /** UDP: the answer may come from another address (socat's unconnected socket). */
  anySource?: boolean;
}

/** One full-size request to target within timeoutS seconds, as one bash line. */
export function fullCommand(protocol: Protocol, target: FullTarget, timeoutS: number): string {
  const bytes = FULL_BYTES[protocol];
  if (protocol === 'tcp') {
    // "Connection: keep-alive": Go's net/http (porter) reads and drops a body its handler left
    // unread only on a connection it means to keep; on a closing one it answers and closes with the
    // body unread, the kernel then resets the connection, and the answer in flight was lost (15 of
    // 30 tries on the lab). It closes after this answer anyway (an HTTP/1.0 one without a length).
    const head = `POST ${target.path ?? '/'} HTTP/1.0\\r\\nHost: ${bracketed(target.host)}:${target.port}\\r\\nConnection: keep-alive\\r\\nContent-Length: ${bytes}\\r\\n\\r\\n`;
    // SIGPIPE ignored: a send to a reset connection is bash's error line, not a silent death.
    const exchange =
      `trap '' PIPE; s=\${EPOCHREALTIME/./}; exec 3<>/dev/tcp/${target.host}/${target.port} || exit; ${bodies('tcp')}; ` +
      `printf ${q(`${head}%s`)} "$b" >&3 || exit; IFS= read -r -N 1048576 a <&3; c=000; [[ $a == HTTP/* ]] && c=\${a:9:3} && a=\${a#*$'\\r\\n\\r\\n'}; ${VERDICT}; echo "$c $n $k $u"`;
    return `exec {f}< <({ ${exchange}; } 2>&1); IFS= read -r -t ${timeoutS} o <&$f; r=$?; kill $! 2>/dev/null; echo "${MARK} $r $o"`;
  }
  const udp = `${target.family === 'ipv6' ? 'UDP6' : 'UDP4'}${target.anySource ? '-DATAGRAM' : ''}:${bracketed(target.host)}:${target.port}`;
  // socat's answer kept whole: the body ends in a newline, which $(…) would strip.
  const socat = `a=$(printf %s "$b" | socat -T ${timeoutS} -t ${timeoutS} - '${udp},readbytes=${bytes}'; echo .); a=\${a%.}; r=0`;
  const own = `{ ${udpTry({ host: target.host, port: target.port, send: '"$b"', bytes, timeoutS })}; } 2>&1; r=$?`;
  const client = target.anySource ? socat : onBash52(own, socat);
  return `s=\${EPOCHREALTIME/./}; ${bodies('udp')}; ${client}; ${VERDICT}; echo "${MARK} $r $n $k $u"`;
}

export interface FullTry {
  event: WireEvent;
  /** The probe's own time of an answered try, in milliseconds. */
  ms?: number;
}

/** What fullCommand printed → its event. */
export function fullEvent(protocol: Protocol, out: { exitCode: number; output: string }, timeoutS: number): FullTry {
  const text = out.output;
  const m = new RegExp(`^${MARK} (\\d+) ?(.*)$`, 'm').exec(text);
  if (!m) return { event: { kind: 'empty', text: `no result from the probe's full-size ${protocol.toUpperCase()} client (exit ${out.exitCode}): ${text.trim().slice(0, 200) || '(no output)'}` } };
  const status = Number(m[1]);
  const rest = m[2] ?? '';
  if (protocol === 'udp') {
    const error = udpErrorEvent(text.slice(0, m.index), status === 1 ? 1 : 0);
    if (error) return { event: error };
    const [bytes = '0', intact = '', us = '0'] = rest.split(' ');
    return answered('udp', Number(bytes), intact === 'intact', Number(us), timeoutS);
  }
  if (status > 128) return { event: { kind: 'timeout', text: `no answer within ${timeoutS} s` } };
  const result = /^(\d{3}) (\d+) (intact|other) (\d+)$/.exec(rest);
  if (result) {
    const [, code = '000', bytes = '0', intact = '', us = '0'] = result;
    if (code !== '000') return answered('tcp', Number(bytes), intact === 'intact', Number(us), timeoutS);
    if (bytes === '0') return { event: { kind: 'reset', text: 'the connection was closed with no answer (empty reply from the server)' } };
    return { event: { kind: 'empty', text: `no HTTP answer on the connection (${bytes} bytes)` } };
  }
  // bash's error line: the send's or the read's when the connection broke, else the connect's.
  const reason = reasonOf(rest);
  if (/reset|broken pipe/i.test(reason)) return { event: { kind: 'reset', text: `the connection broke before the answer (${reason})` } };
  return { event: eventOfFailedConnect(rest, 'full-size TCP client') };
}

/** An answer: the fixed body intact, or what came instead; nothing at all is a timeout. */
function answered(protocol: Protocol, bytes: number, intact: boolean, us: number, timeoutS: number): FullTry {
  if (intact) return { event: { kind: 'answer', text: payloadOf(FULL_BYTES[protocol]) }, ms: us / 1000 };
  if (bytes === 0) return { event: { kind: 'timeout', text: `no answer within ${timeoutS} s` } };
  return { event: { kind: 'answer', text: `(${bytes} bytes that are not the ${FULL_BYTES[protocol]}-byte answer)` }, ms: us / 1000 };
}
