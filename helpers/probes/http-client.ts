// A small HTTP request made by the probe's bash itself: a connection on /dev/tcp, a GET, the
// answer read to the end. No process is started for the client, and as few forks as bash allows:
// a fork of the probe's bash (~1.4 ms of CPU in a probe on the lab) cost more than the request.
// bash cannot bound a connect, so the tries run in a process substitution whose output is read
// with `read -t`: the reader bounds them, and kills the substitution at the deadline.
//   one after another:  ONE substitution for all the tries of a command; the reader takes their
//                       lines, and when a try passes the deadline it prints a timeout for it and
//                       starts a new substitution for the tries left
//   at once:            a substitution per try, all started together and read with one deadline
//                       (probes/client.ts)
//   a try prints:   <its last line before the mark: the body (padding trimmed) or bash's error line>
//                   KNCH <http status or 000> <exit> <µs>
//   exit:  0 the connection was made and read to its end (000: no HTTP answer in it)
//          7 could not connect (the line before is bash's, with the kernel's reason)
//          55 could not send; 28 the deadline passed; 99 the try ended without a result
// Pure: the builders and the parser, unit-tested, and run for real against loopback servers.
import { bracketed } from '../ip.ts';
import { q } from './quote.ts';
import type { WireEvent } from '../check/types.ts';
import { eventOfFailedConnect, reasonOf } from './connect-client.ts';

export const HTTP_MARK = 'KNCH';

/** A deadline as bash's `read -t` takes it (it takes fractions). */
export function seconds(timeoutS: number): string {
  return String(Math.max(0.001, Math.round(timeoutS * 1000) / 1000));
}

/**
 * One try's statements, for a shell of its own (a process substitution: nothing bounds its
 * connect but the reader). Prints bash's error lines if any, the body if any, then its mark line.
 */
export function httpTryPrinted(target: { host: string; port: number; path: string }): string {
  const request = `GET ${target.path} HTTP/1.0\\r\\nHost: ${bracketed(target.host)}:${target.port}\\r\\n\\r\\n`;
  return (
    `s=\${EPOCHREALTIME/./}; a=; r=7; { exec 3<>/dev/tcp/${target.host}/${target.port}; } 2>&1 && ` +
    `{ r=55; printf ${q(request)} >&3 && { r=0; IFS= read -r -d '' a <&3; }; exec 3<&-; } 2>&1; c=000; ` +
    `[[ $a == HTTP/* ]] && { c=\${a:9:3}; a=\${a#*$'\\r\\n\\r\\n'}; a=\${a%"\${a##*[! ]}"}; }; ` +
    `[[ $a ]] && printf '%s\\n' "$a"; printf '${HTTP_MARK} %s %s %s \\n' $c $r $((\${EPOCHREALTIME/./} - s))`
  );
}

/**
 * `tries` tries one after another, each within timeoutS: one substitution runs them all (SIGPIPE
 * ignored there: a write to a reset connection is exit 55, not the end of the shell; its stderr
 * /dev/null: a try's own errors are on its stdout, and a write to the reader that gave up on it
 * must not say so in the command's output); the reader
 * prints, for each, its last line before the mark and the mark. A try that passes the deadline
 * gets a timeout line, and the tries left a new substitution; one that ends the substitution
 * without a mark line gets exit 99.
 */
export function httpSequential(target: { host: string; port: number; path: string }, tries: number, timeoutS: number): string {
  const t = seconds(timeoutS);
  return (
    `n=0; while ((n < ${tries})); do exec {f}< <(trap '' PIPE; for ((i = n; i < ${tries}; i++)); do ${httpTryPrinted(target)}; done 2>/dev/null); p=$!; e=; ` +
    `while :; do IFS= read -r -t ${t} l <&$f; k=$?; ((k)) && break; if [[ $l == '${HTTP_MARK} '* ]]; then printf '%s\\n%s\\n' "$e" "$l"; e=; ((++n)); else e=$l; fi; done; ` +
    `kill $p 2>/dev/null; exec {f}<&-; if ((n < ${tries})); then ((k > 128)) && printf '\\n${HTTP_MARK} 000 28 ${Math.round(timeoutS * 1e6)} \\n' || printf '%s\\n${HTTP_MARK} 000 99 0 \\n' "$e"; ((++n)); fi; done`
  );
}

/** The last line before the mark, and the mark, of one try's whole output in $o (the at-once reader's). */
export const HTTP_TRY_LINES = `b=\${o%${HTTP_MARK} *}; b=\${b%$'\\n'}; printf '%s\\n${HTTP_MARK} %s' "\${b##*$'\\n'}" "\${o##*${HTTP_MARK} }"`;

export interface HttpTry {
  event: WireEvent;
  /** The probe's own time of an answered try, in milliseconds. */
  ms?: number;
}

/** The tries' lines → one event per try. */
export function httpTries(text: string, timeoutS: number): HttpTry[] {
  const out: HttpTry[] = [];
  for (const m of text.matchAll(new RegExp(`([\\s\\S]*?)\\n?${HTTP_MARK} (\\d{3}) (\\d+) (\\d+) ?(?:\\n|$)`, 'g'))) {
    const [, printed = '', code = '000', exit = '0', us = '0'] = m;
    out.push(httpTryEvent(printed.trim().split('\n').at(-1) ?? '', code, Number(exit), Number(us) / 1000, timeoutS));
  }
  return out;
}

function httpTryEvent(line: string, code: string, exit: number, ms: number, timeoutS: number): HttpTry {
  if (exit === 0 && code !== '000') return { event: { kind: 'answer', text: line }, ms };
  if (exit === 0) {
    if (line === '') return { event: { kind: 'reset', text: 'the connection was closed with no answer (empty reply from the server)' } };
    if (/reset|broken pipe/i.test(line)) return { event: { kind: 'reset', text: `the connection broke before the answer (${reasonOf(line)})` } };
    return { event: { kind: 'empty', text: `no HTTP answer on the connection: ${line.slice(0, 200)}` } };
  }
  if (exit === 7) return { event: eventOfFailedConnect(line, 'connect') };
  const reason = reasonOf(line);
  if (exit === 55) return { event: { kind: 'reset', text: `the connection broke while sending the request (${reason || 'write failed'})` } };
  if (exit === 28) return { event: { kind: 'timeout', text: `no answer within ${timeoutS} s` } };
  if (exit === 99) return { event: { kind: 'control', text: `the probe's HTTP client ended before its try did${line ? `: ${line.slice(0, 200)}` : ''}` } };
  return { event: { kind: 'empty', text: `no network verdict from the probe's HTTP client (exit ${exit}): ${line.slice(0, 200) || '(no output)'}` } };
}
