// How the probes' bare-connect tools report, read as wire events: TCP with `nc -z -v -w 3 host
// port` (the image's OpenBSD netcat: a bare handshake, ~2 ms of CPU where the 64 MB agnhost
// binary takes ~35 ms to start), UDP with `/agnhost connect host:port --timeout 3s --protocol
// udp` (it sends a datagram and waits for an answer). They run in the probe through its exec
// stream (probes/stream.ts, the `probe` and `connect` drivers). Pure; unit-tested with the
// tools' real output.
import { bracketed } from '../../ip.ts';
import type { Protocol, WireEvent } from '../types.ts';

/** The errno texts (Go's, netcat's, socat's, agnhost connect's) of a packet the network or the sending kernel would not carry. */
export const UNREACHABLE_TEXT = /no route to host|host is unreachable|network is unreachable|operation not permitted|permission denied|invalid argument/i;

export const CONNECT_TIMEOUT_S = 3;

export interface ConnectTarget {
  host: string;
  port: number;
  protocol: Protocol;
}

export function connectCommand(target: ConnectTarget, timeoutS = CONNECT_TIMEOUT_S): string[] {
  return ['/agnhost', 'connect', `${bracketed(target.host)}:${target.port}`, '--timeout', `${timeoutS}s`, ...(target.protocol === 'udp' ? ['--protocol', 'udp'] : [])];
}

/** Exit statuses that are not agnhost's own verdict (it exits 0, or 1 with the kind on stderr). */
export function isControlFailure(out: { exitCode: number; stderr: string }): boolean {
  return !(out.exitCode === 0 || (out.exitCode === 1 && out.stderr.trim() !== ''));
}

/** `nc -z -v -w 3 host port`: the probe image's OpenBSD netcat, a TCP handshake and nothing else. */
export function ncCommand(target: Pick<ConnectTarget, 'host' | 'port'>, timeoutS = CONNECT_TIMEOUT_S): string[] {
  return ['nc', '-z', '-v', '-w', String(timeoutS), target.host, String(target.port)];
}

/** nc's own verdict: exit 0, or exit 1 with its "nc: …" line (anything else did not run to a verdict). */
export function isNcVerdict(out: { exitCode: number; stderr: string }): boolean {
  return out.exitCode === 0 || (out.exitCode === 1 && /^nc: /m.test(out.stderr));
}

/**
 * `nc -z -v` output → wire event. OpenBSD netcat (Debian 1.219 and Alpine's) says
 * "Connection to H P port [tcp/*] succeeded!", "nc: connect to H port P (tcp) failed: Connection
 * refused", "… (tcp) timed out: Operation now in progress" or "… failed: No route to host".
 */
export function eventOfNc(out: { exitCode: number; stderr: string }): WireEvent {
  const line =
    out.stderr
      .trim()
      .split('\n')
      .find((l) => /^nc: /.test(l)) ??
    out.stderr.trim().split('\n')[0] ??
    '';
  if (out.exitCode === 0) return { kind: 'connected', text: 'TCP connection established' };
  if (!isNcVerdict(out)) return { kind: 'control', text: `probe could not run nc (exit ${out.exitCode})${line ? `: ${line}` : ''}` };
  if (/connection refused/i.test(line)) return { kind: 'refused', text: 'connection refused (RST): the host is reached, nothing listens on the port' };
  if (/timed out/i.test(line)) return { kind: 'timeout', text: 'no answer to the TCP handshake within the timeout: dropped on the way (firewall DROP or no route)' };
  if (UNREACHABLE_TEXT.test(line)) {
    return { kind: 'unreachable', text: `rejected by a firewall or the network (${line.replace(/^nc: connect to .*?: /, '')})` };
  }
  return { kind: 'empty', text: `no network verdict from nc: ${line || '(empty output)'}` };
}

/**
 * `agnhost connect` output → wire event. It exits 1 for every failure and names the kind on
 * stderr: REFUSED, TIMEOUT, DNS: …, OTHER: … (no route to host, EPERM from a local firewall).
 */
export function eventOfConnect(out: { exitCode: number; stderr: string }, protocol: Protocol): WireEvent {
  const line = out.stderr.trim().split('\n')[0] ?? '';
  if (out.exitCode === 0) return { kind: 'connected', text: protocol === 'udp' ? 'UDP answer received' : 'TCP connection established' };
  if (isControlFailure(out)) return { kind: 'control', text: `probe could not run connect (exit ${out.exitCode})${line ? `: ${line}` : ''}` };
  if (/^REFUSED/.test(line))
    return {
      kind: 'refused',
      text: protocol === 'udp' ? 'ICMP port unreachable: the host is reached, nothing listens on the port' : 'connection refused (RST): the host is reached, nothing listens on the port',
    };
  if (/^TIMEOUT/.test(line))
    return {
      kind: 'timeout',
      text:
        protocol === 'udp'
          ? 'no UDP answer within the timeout: dropped on the way, or the listener does not reply'
          : 'no answer to the TCP handshake within the timeout: dropped on the way (firewall DROP or no route)',
    };
  if (/^OTHER/.test(line) && UNREACHABLE_TEXT.test(line)) {
    return { kind: 'unreachable', text: `rejected by a firewall or the network (${line.replace(/^OTHER:\s*/, '')})` };
  }
  return { kind: 'empty', text: `no network verdict from connect: ${line || '(empty stderr)'}` };
}
