// Driver `connect`: a node's host-network probe opens a connection to host:port. TCP with
// `nc -z -v -w 3 host port` (the image's OpenBSD netcat: a bare handshake, ~2 ms of CPU where
// the 64 MB agnhost binary takes ~35 ms to start; 30 such rows per run on 3 nodes); UDP, and TCP
// in an image without nc, with `/agnhost connect host:port --timeout 3s [--protocol udp]` (it
// sends a datagram and waits for an answer). Run in the probe through netexec's /shell on the pod
// proxy, else by exec (in-probe.ts); when neither works, the probe's netexec /dial (an HTTP or
// UDP request, not a bare connect) is asked instead. Which way gave the event is reported with it
// (property `control`: shell, exec or dial; `tool`: nc or agnhost).
import { bracketed } from '../../ip.ts';
import type { ControlClient } from '../../http.ts';
import type { Protocol, WireEvent } from '../types.ts';
import { dial, UNREACHABLE_TEXT } from './dial.ts';
import { runInProbe } from './in-probe.ts';

export type ConnectVia = 'shell' | 'exec' | 'dial';

export const CONNECT_TIMEOUT_S = 3;

export interface ConnectTarget {
  host: string;
  port: number;
  protocol: Protocol;
}

export interface ConnectContext {
  control: ControlClient;
  namespace: string;
}

export function connectCommand(target: ConnectTarget): string[] {
  return ['/agnhost', 'connect', `${bracketed(target.host)}:${target.port}`, '--timeout', `${CONNECT_TIMEOUT_S}s`, ...(target.protocol === 'udp' ? ['--protocol', 'udp'] : [])];
}

/** Exit statuses that are not agnhost's own verdict (it exits 0, or 1 with the kind on stderr). */
export function isControlFailure(out: { exitCode: number; stderr: string }): boolean {
  return !(out.exitCode === 0 || (out.exitCode === 1 && out.stderr.trim() !== ''));
}

/** `nc -z -v -w 3 host port`: the probe image's OpenBSD netcat, a TCP handshake and nothing else. */
export function ncCommand(target: Pick<ConnectTarget, 'host' | 'port'>): string[] {
  return ['nc', '-z', '-v', '-w', String(CONNECT_TIMEOUT_S), target.host, String(target.port)];
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

/** Probes whose image has no nc (sh said "not found"): their TCP rows use agnhost connect for the rest of the run. */
const ncMissing = new Set<string>();

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

/** Connect from `control.pod` (a host-network probe); `via` says which way into it gave the event. */
export async function connectFrom(
  ctx: ConnectContext,
  control: { pod: string; port: number },
  target: ConnectTarget,
): Promise<{ event: WireEvent; via: ConnectVia; tool?: 'nc' | 'agnhost'; note?: string }> {
  if (target.protocol === 'tcp' && !ncMissing.has(control.pod)) {
    // sh's 127 ("nc: not found") is taken as an answer here, so that it falls to agnhost, not to exec.
    const ran = await runInProbe(ctx, control, ncCommand(target), { verdict: (out) => isNcVerdict(out) || out.exitCode === 127 });
    if ('out' in ran && ran.out.exitCode !== 127) return { event: eventOfNc(ran.out), via: ran.via, tool: 'nc', ...(ran.note ? { note: ran.note } : {}) };
    if ('out' in ran) ncMissing.add(control.pod);
  }
  const ran = await runInProbe(ctx, control, connectCommand(target), { verdict: (out) => !isControlFailure(out) });
  if ('out' in ran) return { event: eventOfConnect(ran.out, target.protocol), via: ran.via, tool: 'agnhost', ...(ran.note ? { note: ran.note } : {}) };
  const [event = { kind: 'empty', text: 'no try reported' } as WireEvent] = await dial(ctx.control, {
    namespace: ctx.namespace,
    control,
    target,
    protocol: target.protocol,
    answer: { kind: 'connect' },
    tries: 1,
  });
  return { event, via: 'dial', note: `${ran.failed}; asked its netexec's /dial instead` };
}
