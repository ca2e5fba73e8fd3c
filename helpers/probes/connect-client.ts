// A bare connect (a check that asks only whether the port takes the traffic: the ports suite's
// rows, a name's address) made by the probe's bash itself: no process started, where nc's start
// was ~2 ms of CPU and agnhost connect's (a 64 MB Go binary) ~35 ms.
//   TCP: the handshake on /dev/tcp in a process substitution that prints "ok" once connected (or
//        bash's error line, the kernel's reason); its first line awaited with `read -t` (bash
//        cannot bound a connect itself), then it is killed: the connection is closed at once, and
//        a dropped SYN leaves nothing behind. One fork, no watchdog.
//   UDP: what agnhost connect --protocol udp does: a connected socket, "hostname\n" sent, any
//        answer within the deadline (read -N 1 takes its first byte; the datagram is consumed
//        whole, on any bash). ICMP port unreachable is bash's "Connection refused".
//   prints:  <"ok" (TCP), or the error line bash printed, or nothing>\nKNCC <status>
//   status:  read's: 0 a line (TCP) or an answer (UDP); 1 an error or an empty answer; > 128 the
//            deadline passed
// The reading of a TCP connect that failed (bash's line: the kernel's reason) is here, and is the
// HTTP and full-size clients' too (probes/http-client.ts, probes/full-client.ts): one event for
// one reason, whichever client connected.
// Pure: the builders and the parsers, run for real against loopback servers in the unit tests.
import { UNREACHABLE_TEXT } from '../check/drivers/connect.ts';
import type { Protocol, WireEvent } from '../check/types.ts';
import { udpErrorEvent, udpTry } from './udp-client.ts';

const MARK = 'KNCC';

/**
 * The TCP handshake's statements: $o gets "ok" or bash's error line, $r read's status (> 128: the
 * deadline passed). host and port are bash words (literals, or parameters such as "$3").
 */
export function tcpConnectTry(host: string, port: string | number, timeoutS: number | string): string {
  return `exec {f}< <({ exec 3<>/dev/tcp/${host}/${port} && echo ok; } 2>&1); IFS= read -r -t ${timeoutS} o <&$f; r=$?; kill $! 2>/dev/null; exec {f}<&-`;
}

/** One bare connect to host:port (an IP, or a name bash resolves) within timeoutS seconds. */
export function bareConnectCommand(target: { host: string; port: number; protocol: Protocol }, timeoutS: number): string {
  if (target.protocol === 'tcp') return `${tcpConnectTry(target.host, target.port, timeoutS)}; printf '%s\\n${MARK} %s\\n' "$o" $r`;
  return `{ ${udpTry({ host: target.host, port: target.port, send: "$'hostname\\n'", bytes: 1, timeoutS })}; } 2>&1; printf '${MARK} %s\\n' $?`;
}

const TEXT = {
  tcp: {
    connected: 'TCP connection established',
    refused: 'connection refused (RST): the host is reached, nothing listens on the port',
    timeout: 'no answer to the TCP handshake within the timeout: dropped on the way (firewall DROP or no route)',
  },
  udp: {
    connected: 'UDP answer received',
    timeout: 'no UDP answer within the timeout: dropped on the way, or the listener does not reply',
  },
};

/** What bash said last, without its prefixes ("bash: /dev/tcp/10.0.0.1/80: Connection refused" → "Connection refused"). */
export function reasonOf(line: string): string {
  return line.split(': ').at(-1) ?? '';
}

/**
 * bash's last line of a TCP connect that failed (the kernel's reason, strerror's words) → its
 * event: refused, timed out, unreachable, or no verdict from `client` (the probe's client, named
 * in the text). One reading for every client that connects on /dev/tcp: the bare connect, the
 * HTTP tries (probes/http-client.ts) and the full-size request (probes/full-client.ts).
 */
export function eventOfFailedConnect(line: string, client: string): WireEvent {
  const reason = reasonOf(line);
  if (/connection refused/i.test(reason)) return { kind: 'refused', text: TEXT.tcp.refused };
  if (/timed out/i.test(reason)) return { kind: 'timeout', text: TEXT.tcp.timeout };
  if (UNREACHABLE_TEXT.test(reason)) return { kind: 'unreachable', text: `rejected by a firewall or the network (${reason})` };
  return { kind: 'empty', text: `no network verdict from the probe's ${client}: ${line.slice(0, 200) || '(no reason printed)'}` };
}

/** What bareConnectCommand printed → its event. */
export function eventOfBareConnect(protocol: Protocol, out: { exitCode: number; output: string }): WireEvent {
  const m = new RegExp(`^${MARK} (\\d+)$`, 'm').exec(out.output);
  const before = m ? out.output.slice(0, m.index).trim() : out.output.trim();
  const line = before.split('\n').at(-1) ?? '';
  // No status line: the command did not run to its end (killed, no bash): not the network's doing.
  if (!m) return { kind: 'control', text: `probe could not run its ${protocol.toUpperCase()} connect (exit ${out.exitCode})${line ? `: ${line.slice(0, 200)}` : ''}` };
  const status = Number(m[1]);
  if (status > 128) return { kind: 'timeout', text: TEXT[protocol].timeout };
  if (protocol === 'udp') {
    if (status === 0) return { kind: 'connected', text: TEXT.udp.connected };
    return udpErrorEvent(before, status) ?? { kind: 'empty', text: 'an empty UDP answer: no sign the listener got the request' };
  }
  if (status === 0 && line === 'ok') return { kind: 'connected', text: TEXT.tcp.connected };
  return eventOfFailedConnect(line, 'TCP connect');
}
