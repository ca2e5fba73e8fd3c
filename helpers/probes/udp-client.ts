// A UDP exchange made by the probe's bash itself: a connected socket on /dev/udp, one datagram
// sent, the answer read back with `read -N`, which bash >= 5.2 does a datagram at a time (an
// older bash may take a datagram a byte at a time and lose the rest of it: the callers then use
// the image's socat or nc). No process is started for the client; the deadline is read's own -t.
// Used by the checks' clients (probes/client.ts, probes/full-client.ts) and the network-policy
// table's cells (netpol/probe.ts), so the version gate and the exchange are written once.
//   the exchange leaves in its variable:  the answer (a partial one when the deadline passed),
//                                          or bash's error line (ICMP port unreachable: "…:
//                                          Connection refused"; no route, EPERM, …)
//   and exits:  0 an answer or nothing within the deadline; non-zero bash's error
// Pure: command builders and the reading of an error, run for real against loopback servers.
import { UNREACHABLE_TEXT } from '../check/drivers/connect.ts';
import type { WireEvent } from '../check/types.ts';

/** bash >= 5.2: `read -N` reads a datagram whole (a shell test, true or false). */
export const BASH_52 = '((BASH_VERSINFO[0] * 100 + BASH_VERSINFO[1] >= 502))';

/** `then` on bash >= 5.2, `otherwise` on an older one (each one or more bash statements). */
export function onBash52(then: string, otherwise: string): string {
  return `if ${BASH_52}; then ${then}; else ${otherwise}; fi`;
}

export interface UdpTry {
  /** The address and port as bash words (literals, or parameters such as "$3"). */
  host: string;
  port: string | number;
  /** The datagram, as one bash word (quoted where it must be). */
  send: string;
  /** The answer's length: read returns once it has this many bytes. */
  bytes: number;
  timeoutS: number | string;
}

/**
 * One try's statements: the socket, the datagram, the answer read into $a. Their status is
 * read's: 0 the answer, 1 an error (bash printed its line) or an empty answer, > 128 the deadline
 * passed ($a holds what came before it). fd 3 stays open: run them where the shell ends soon.
 */
export function udpTry(x: UdpTry): string {
  return `exec 3<>/dev/udp/${x.host}/${x.port} && printf %s ${x.send} >&3 && IFS= read -r -t ${x.timeoutS} -N ${x.bytes} a <&3`;
}

/** One try as a command substitution: `into` gets the answer (a partial one at the deadline) or bash's error line; $? is 0 for both an answer and nothing, non-zero for an error. */
export function udpExchange(x: UdpTry & { into: string }): string {
  return `${x.into}=$({ ${udpTry(x)}; r=$?; ((r > 128)) && r=0; printf %s "$a"; exit $r; } 2>&1)`;
}

/**
 * A UDP client's error, when it printed one, as its event: socat's own line ("E read(5, …):
 * Connection refused") or, from bash's client (a non-zero status), bash's last line ("…: read
 * error: 0: Connection refused"). Undefined: no error (an answer, or nothing within the deadline).
 */
export function udpErrorEvent(printed: string, exit: number): WireEvent | undefined {
  const error = /socat\[\d+\] E (.*)$/m.exec(printed)?.[1] ?? (exit !== 0 ? (printed.trim().split('\n').at(-1) ?? '') : '');
  if (!error) return undefined;
  if (/connection refused/i.test(error)) return { kind: 'refused', text: 'ICMP port unreachable: the host is reached, nothing listens on the port' };
  if (UNREACHABLE_TEXT.test(error)) return { kind: 'unreachable', text: `rejected by a firewall or the network (${error.split(': ').at(-1)})` };
  return { kind: 'empty', text: `no network verdict from the probe's UDP client (exit ${exit}): ${error.slice(0, 200)}` };
}
