// A small HTTP request made by the probe's bash itself: a connection on /dev/tcp, a GET, the
// answer read to the end. No process is started for the client (a curl start was ~10 ms of CPU,
// most of a TCP row's cost in the probe, and ~300 of them ran in a default run); only bash's own
// forks. bash cannot bound a connect, so each try runs in a background subshell that a watchdog
// (another subshell, asleep in `read -t` on a pipe no one writes) kills at the deadline.
//   one try prints:  <body, its padding trimmed>\nKNCH <http status or 000> <exit> <µs> \n
//   exit:  0 the connection was made and read to its end (000: no HTTP answer in it)
//          7 could not connect (the body is the kernel's reason, as bash printed it)
//          55 could not send; 28 or 137: the deadline passed
// Pure: the builder and the parser, unit-tested, and run for real against loopback servers.
import { bracketed } from '../ip.ts';
import { q } from './quote.ts';
import { UNREACHABLE_TEXT } from '../check/drivers/connect.ts';
import type { WireEvent } from '../check/types.ts';

/** The prefix a command with bash tries needs: the watchdog's pipe (the stream loop makes it once; a command run by hand makes its own). */
export const SLEEPER = '[[ $KNCS ]] || exec {KNCS}<> <(:)';

const MARK = 'KNCH';

/**
 * One try, as bash statements that leave its lines in $o (then printed by the caller): the
 * request to host:port/path within timeoutS seconds.
 */
export function httpTry(target: { host: string; port: number; path: string }, timeoutS: number): string {
  const request = `GET ${target.path} HTTP/1.0\\r\\nHost: ${bracketed(target.host)}:${target.port}\\r\\n\\r\\n`;
  const exchange =
    `{ exec 3<>/dev/tcp/${target.host}/${target.port} || exit 7; printf ${q(request)} >&3 || exit 55; ` +
    `IFS= read -r -d '' -t ${timeoutS} a <&3; r=$?; printf %s "$a"; ((r > 128)) && exit 28; exit 0; } 2>&1`;
  const watchdog = `{ read -t ${timeoutS} -u $KNCS; kill -9 $p; } >/dev/null 2>&1`;
  return (
    `s=\${EPOCHREALTIME/./}; o=$(${exchange} & p=$!; exec 2>/dev/null; ${watchdog} & w=$!; wait $p; r=$?; kill $w; exit $r); r=$?; c=000; ` +
    `if [[ $o == HTTP/* ]]; then c=\${o:9:3}; o=\${o#*$'\\r\\n\\r\\n'}; o=\${o%"\${o##*[! ]}"}; else o=\${o##*: }; fi; ` +
    `o="$o"$'\\n'"${MARK} $c $r $((\${EPOCHREALTIME/./} - s)) "`
  );
}

export interface HttpTry {
  event: WireEvent;
  /** The probe's own time of an answered try, in milliseconds. */
  ms?: number;
}

/** The tries' lines (one after another, or made so by atOnceLines) → one event per try. */
export function httpTries(text: string, timeoutS: number): HttpTry[] {
  const out: HttpTry[] = [];
  for (const m of text.matchAll(new RegExp(`([\\s\\S]*?)\\n${MARK} (\\d{3}) (\\d+) (\\d+) ?(?:\\n|$)`, 'g'))) {
    const [, printed = '', code = '000', exit = '0', us = '0'] = m;
    out.push(httpTryEvent(printed.replace(/^\n/, '').trim(), code, Number(exit), Number(us) / 1000, timeoutS));
  }
  return out;
}

function httpTryEvent(body: string, code: string, exit: number, ms: number, timeoutS: number): HttpTry {
  if (exit === 0 && code !== '000') return { event: { kind: 'answer', text: body }, ms };
  if (exit === 0) {
    if (body === '') return { event: { kind: 'reset', text: 'the connection was closed with no answer (empty reply from the server)' } };
    if (/reset|broken pipe/i.test(body)) return { event: { kind: 'reset', text: `the connection broke before the answer (${body})` } };
    return { event: { kind: 'empty', text: `no HTTP answer on the connection: ${body.slice(0, 200)}` } };
  }
  if (exit === 7) {
    if (/connection refused/i.test(body)) return { event: { kind: 'refused', text: 'connection refused (RST): the host is reached, nothing listens on the port' } };
    if (/timed out/i.test(body)) return { event: { kind: 'timeout', text: 'no answer to the TCP handshake: dropped on the way (firewall DROP or no route)' } };
    if (UNREACHABLE_TEXT.test(body)) return { event: { kind: 'unreachable', text: `rejected by a firewall or the network (${body})` } };
    return { event: { kind: 'empty', text: `no network verdict from the probe's connect: ${body.slice(0, 200) || '(no reason printed)'}` } };
  }
  if (exit === 55) return { event: { kind: 'reset', text: `the connection broke while sending the request (${body || 'write failed'})` } };
  if (exit === 28 || exit === 137) return { event: { kind: 'timeout', text: `no answer within ${timeoutS} s` } };
  return { event: { kind: 'empty', text: `no network verdict from the probe's HTTP client (exit ${exit}): ${body.slice(0, 200) || '(no output)'}` } };
}
