// Driver `connect`: a node's host-network probe opens a connection to host:port. Primary: exec
// `/agnhost connect host:port --timeout 3s [--protocol udp]` in the probe (the image has no
// shell). When exec into that probe does not work (the API server → kubelet :10250 path to
// that node is down — itself a ports row), the same probe's netexec is asked through the pod
// proxy (/dial) instead, so one blocked kubelet port does not turn every row from that node
// into an error. The control path used is reported with the events.
import pLimit from 'p-limit';
import { messageOf } from '../../errors.ts';
import { bracketed } from '../../ip.ts';
import type { ControlClient } from '../../http.ts';
import type { Protocol, WireEvent } from '../types.ts';
import { dial } from './dial.ts';

export const CONNECT_TIMEOUT_S = 3;
const EXEC_TIMEOUT_MS = 15_000;
/**
 * Exec'd processes count against the host probe container's memory limit
 * (manifests/hostnet-probes.yaml): on the lab, eight concurrent `agnhost connect` under a 64 MiB
 * limit got the container OOM-killed (exit 137) — the probe with them. The limit is 256 MiB now
 * (each `agnhost connect` is ~15 MiB resident). Eight at a time per probe: the ports suite's rows
 * are exec round trips (~0.5 s each on the lab), so this sets how long that suite takes.
 */
export const EXECS_PER_PROBE = 8;
const execSlots = new Map<string, ReturnType<typeof pLimit>>();

function inSlot<T>(pod: string, fn: () => Promise<T>): Promise<T> {
  let limit = execSlots.get(pod);
  if (!limit) {
    limit = pLimit(EXECS_PER_PROBE);
    execSlots.set(pod, limit);
  }
  return limit(fn);
}

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
  if (/^OTHER/.test(line) && /no route to host|host is unreachable|network is unreachable|operation not permitted|permission denied/i.test(line)) {
    return { kind: 'unreachable', text: `rejected by a firewall or the network (${line.replace(/^OTHER:\s*/, '')})` };
  }
  return { kind: 'empty', text: `no network verdict from connect: ${line || '(empty stderr)'}` };
}

/** Exec into a probe that failed once is tried again later: one transient failure is not cached for the run. */
const execBroken = new Map<string, { reason: string; until: number }>();
const EXEC_RECHECK_MS = 10_000;

async function viaExec(ctx: ConnectContext, pod: string, target: ConnectTarget): Promise<WireEvent | { failed: string }> {
  const broken = execBroken.get(pod);
  if (broken && broken.until > Date.now()) return { failed: broken.reason };
  try {
    const out = await inSlot(pod, () => ctx.control.exec({ namespace: ctx.namespace, pod, container: 'netexec', command: connectCommand(target), timeoutMs: EXEC_TIMEOUT_MS }));
    if (isControlFailure(out)) throw new Error(`exec ended with exit ${out.exitCode}${out.stderr.trim() ? `: ${out.stderr.trim().slice(0, 200)}` : ''}`);
    execBroken.delete(pod);
    return eventOfConnect(out, target.protocol);
  } catch (err) {
    const reason = messageOf(err);
    execBroken.set(pod, { reason, until: Date.now() + EXEC_RECHECK_MS });
    return { failed: reason };
  }
}

/** Connect from `pod` (a host-network probe); `via` says which control path gave the event. */
export async function connectFrom(ctx: ConnectContext, control: { pod: string; port: number }, target: ConnectTarget): Promise<{ event: WireEvent; via: 'exec' | 'pod-proxy'; note?: string }> {
  const exec = await viaExec(ctx, control.pod, target);
  if (!('failed' in exec)) return { event: exec, via: 'exec' };
  const [event = { kind: 'empty', text: 'no try reported' } as WireEvent] = await dial(ctx.control, {
    namespace: ctx.namespace,
    control,
    target,
    protocol: target.protocol,
    answer: { kind: 'connect' },
    tries: 1,
  });
  return { event, via: 'pod-proxy', note: `exec into ${control.pod} did not work (${exec.failed}); asked its netexec through the pod proxy instead` };
}
