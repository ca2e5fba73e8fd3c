// Driver `connect`: a node's host-network probe opens a connection to host:port with
// `/agnhost connect host:port --timeout 3s [--protocol udp]`. Three ways to have it run, in order:
//   1. shell: the probe's own netexec runs it (`/shell?cmd=…`, `sh -c` in the probe), asked
//      through the API server's pod proxy: one HTTP request, ~10 ms of control overhead;
//   2. exec: the API server's exec into the probe (through that node's kubelet on 10250), when
//      the image has no shell (a binary-only agnhost) or the pod proxy to the probe failed;
//   3. dial: the probe's netexec /dial (an HTTP or UDP request, not a bare connect), when exec
//      does not work either (the kubelet port of that node may be the very row that is blocked).
// Which one gave the event is reported with it (property `control`).
import pLimit from 'p-limit';
import { messageOf } from '../../errors.ts';
import { bracketed } from '../../ip.ts';
import type { ControlClient } from '../../http.ts';
import type { Protocol, WireEvent } from '../types.ts';
import { dial } from './dial.ts';

export type ConnectVia = 'shell' | 'exec' | 'dial';

export const CONNECT_TIMEOUT_S = 3;
const EXEC_TIMEOUT_MS = 15_000;
/** A /shell request waits for `agnhost connect` (at most its own 3 s) plus start-up. */
const SHELL_TIMEOUT_MS = 10_000;
/**
 * Exec'd processes count against the host probe container's memory limit
 * (manifests/hostnet-probes.yaml): on the lab, eight concurrent `agnhost connect` under a 64 MiB
 * limit got the container OOM-killed (exit 137) — the probe with them. The limit is 256 MiB now
 * (each `agnhost connect` is ~15 MiB resident). Eight at a time per probe, whichever way they run
 * (a /shell command is the same process in the same container).
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

/**
 * The line netexec's /shell hands to `sh -c`: every argument single-quoted (the brackets of an
 * IPv6 literal are a glob pattern to sh).
 */
export function shellLine(argv: readonly string[]): string {
  return argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
}

/**
 * netexec's /shell answer → what the command did. netexec answers 200 with JSON `{"output": the
 * command's stdout and stderr together, "error": Go's exec error}` — "exit status N" when it ran
 * and exited N; anything else (no /bin/sh in a binary-only image, "signal: killed") means the
 * command did not run to its verdict. A 404 is a netexec without /shell.
 */
export function outOfShell(status: number, body: string): { exitCode: number; stderr: string } | { unavailable: string } | { failed: string } {
  if (status === 404) return { unavailable: 'its netexec has no /shell endpoint' };
  if (status !== 200) return { failed: `/shell answered HTTP ${status}${body.trim() ? `: ${body.trim().slice(0, 200)}` : ''}` };
  let parsed: { output?: unknown; error?: unknown };
  try {
    parsed = JSON.parse(body) as typeof parsed;
  } catch {
    return { failed: `/shell answer is not JSON: ${body.trim().slice(0, 200) || '(empty)'}` };
  }
  const output = typeof parsed.output === 'string' ? parsed.output : '';
  const error = typeof parsed.error === 'string' ? parsed.error : '';
  if (!error) return { exitCode: 0, stderr: output };
  const exit = /^exit status (\d+)$/.exec(error.trim());
  if (exit) {
    const exitCode = Number(exit[1]);
    // sh's own "not found" (127) / "cannot execute" (126): the image has a shell but no /agnhost.
    if (exitCode === 126 || exitCode === 127) return { unavailable: `sh in the probe could not run /agnhost (exit ${exitCode}${output.trim() ? `: ${output.trim().slice(0, 200)}` : ''})` };
    return { exitCode, stderr: output };
  }
  if (/no such file|not found|executable file|permission denied/i.test(error)) return { unavailable: `no usable /bin/sh in the probe image (${error})` };
  return { failed: `the command did not finish: ${error}` };
}

/** Probes whose image cannot run /shell commands (found once, kept for the run: an image does not change under a pod). */
const shellUnavailable = new Map<string, string>();
/** A way into a probe that failed once is tried again later: one transient failure is not cached for the run. */
const broken = new Map<string, { reason: string; until: number }>();
const RECHECK_MS = 10_000;

type Attempt = WireEvent | { failed: string };

async function attempt(key: string, fn: () => Promise<Attempt>): Promise<Attempt> {
  const known = broken.get(key);
  if (known && known.until > Date.now()) return { failed: known.reason };
  const out = await fn().catch((err: unknown) => ({ failed: messageOf(err) }));
  if ('failed' in out) broken.set(key, { reason: out.failed, until: Date.now() + RECHECK_MS });
  else broken.delete(key);
  return out;
}

function viaShell(ctx: ConnectContext, control: { pod: string; port: number }, target: ConnectTarget): Promise<Attempt> {
  const missing = shellUnavailable.get(control.pod);
  if (missing) return Promise.resolve({ failed: missing });
  return attempt(`shell ${control.pod}`, async () => {
    const path = `/api/v1/namespaces/${encodeURIComponent(ctx.namespace)}/pods/${encodeURIComponent(control.pod)}:${control.port}/proxy/shell?${new URLSearchParams({ cmd: shellLine(connectCommand(target)) })}`;
    const answer = await inSlot(control.pod, () => ctx.control.get(path, { timeoutMs: SHELL_TIMEOUT_MS, what: `/shell in probe ${control.pod}` }));
    const out = outOfShell(answer.status, answer.body);
    if ('unavailable' in out) {
      shellUnavailable.set(control.pod, out.unavailable);
      return { failed: out.unavailable };
    }
    if ('failed' in out) return out;
    if (isControlFailure(out)) return { failed: `/shell: connect exited ${out.exitCode}${out.stderr.trim() ? `: ${out.stderr.trim().slice(0, 200)}` : ''}` };
    return eventOfConnect(out, target.protocol);
  });
}

function viaExec(ctx: ConnectContext, pod: string, target: ConnectTarget): Promise<Attempt> {
  return attempt(`exec ${pod}`, async () => {
    const out = await inSlot(pod, () => ctx.control.exec({ namespace: ctx.namespace, pod, container: 'netexec', command: connectCommand(target), timeoutMs: EXEC_TIMEOUT_MS }));
    if (isControlFailure(out)) return { failed: `exec ended with exit ${out.exitCode}${out.stderr.trim() ? `: ${out.stderr.trim().slice(0, 200)}` : ''}` };
    return eventOfConnect(out, target.protocol);
  });
}

/** Connect from `control.pod` (a host-network probe); `via` says which way into it gave the event. */
export async function connectFrom(ctx: ConnectContext, control: { pod: string; port: number }, target: ConnectTarget): Promise<{ event: WireEvent; via: ConnectVia; note?: string }> {
  const shell = await viaShell(ctx, control, target);
  if (!('failed' in shell)) return { event: shell, via: 'shell' };
  const exec = await viaExec(ctx, control.pod, target);
  if (!('failed' in exec)) return { event: exec, via: 'exec', note: `netexec /shell in ${control.pod} did not work (${shell.failed}); ran connect by exec instead` };
  const [event = { kind: 'empty', text: 'no try reported' } as WireEvent] = await dial(ctx.control, {
    namespace: ctx.namespace,
    control,
    target,
    protocol: target.protocol,
    answer: { kind: 'connect' },
    tries: 1,
  });
  return { event, via: 'dial', note: `neither /shell (${shell.failed}) nor exec (${exec.failed}) worked in ${control.pod}; asked its netexec's /dial instead` };
}
