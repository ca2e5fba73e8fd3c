// One connection attempt from a node's host-network probe to host:port, classified as open /
// refused / filtered / error. Primary: exec `/agnhost connect host:port --timeout 3s
// [--protocol udp]` in the probe (the image has no shell). When exec into that probe does not
// work (the API server → kubelet :10250 path to that node is down — which is itself a ports
// row), we ask the same probe's netexec through the API server's pod proxy (/dial) instead, so
// one blocked kubelet port does not turn every row from that node into an error.
import pLimit from 'p-limit';
import { messageOf } from '../errors.ts';
import type { ControlClient } from '../http.ts';
import type { Kube } from '../kube/index.ts';
import { classifyConnect, type PortVerdict } from '../ports/verdicts.ts';
import type { Protocol } from '../results.ts';
import { classifyDialError, type DialBody } from '../verdicts.ts';

export const CONNECT_TIMEOUT_S = 3;
const EXEC_TIMEOUT_MS = 15_000;
/**
 * Exec'd processes count against the probe container's memory limit (64 MiB): on the lab, eight
 * concurrent `agnhost connect` got the container OOM-killed (exit 137) — the probe with them.
 */
export const EXECS_PER_PROBE = 3;
const execSlots = new Map<string, ReturnType<typeof pLimit>>();

function inSlot<T>(pod: string, fn: () => Promise<T>): Promise<T> {
  let limit = execSlots.get(pod);
  if (!limit) {
    limit = pLimit(EXECS_PER_PROBE);
    execSlots.set(pod, limit);
  }
  return limit(fn);
}

/** Exit statuses that are not agnhost's own verdict (it exits 0, or 1 with the kind on stderr). */
export function isControlFailure(out: { exitCode: number; stderr: string }): boolean {
  return !(out.exitCode === 0 || (out.exitCode === 1 && out.stderr.trim() !== ''));
}

export interface ConnectTarget {
  host: string;
  port: number;
  protocol: Protocol;
}

export interface ConnectVerdict {
  verdict: PortVerdict;
  detail: string;
  /** How the probe was driven: 'exec' or 'pod-proxy'. */
  via: 'exec' | 'pod-proxy';
}

export interface ConnectContext {
  kube: Kube;
  control: ControlClient;
  namespace: string;
  /** The probe's netexec HTTP port (for the pod proxy). */
  probePort: number;
}

export function connectCommand(target: ConnectTarget): string[] {
  return ['/agnhost', 'connect', `${target.host}:${target.port}`, '--timeout', `${CONNECT_TIMEOUT_S}s`, ...(target.protocol === 'udp' ? ['--protocol', 'udp'] : [])];
}

/** netexec /dial answer → verdict: any response is open; otherwise the dial errors say refused or filtered. */
export function verdictOfDial(body: DialBody): { verdict: PortVerdict; detail: string } {
  if ((body.responses ?? []).length > 0) return { verdict: 'open', detail: `answered (${(body.responses ?? [])[0]?.slice(0, 60)})` };
  const errors = body.errors ?? [];
  const kinds = errors.map(classifyDialError);
  if (kinds.includes('CONNECTED')) return { verdict: 'open', detail: `TCP connection established (${errors[0]})` };
  if (kinds.includes('REFUSED')) return { verdict: 'refused', detail: errors.join('; ') };
  return { verdict: 'filtered', detail: errors.join('; ') || 'no answer' };
}

const execWorks = new Map<string, Promise<string | undefined>>();

/** Once per probe: can we exec into it? undefined = yes, else why not. */
function execProblem(ctx: ConnectContext, pod: string): Promise<string | undefined> {
  let known = execWorks.get(pod);
  if (!known) {
    known = inSlot(pod, () => ctx.kube.exec({ namespace: ctx.namespace, pod, container: 'netexec', command: ['/agnhost', 'connect', `127.0.0.1:${ctx.probePort}`, '--timeout', '2s'], timeoutMs: EXEC_TIMEOUT_MS }))
      .then((r) => (r.exitCode === 0 ? undefined : `exec ended with exit ${r.exitCode}: ${r.stderr.trim().slice(0, 200)}`))
      .catch((err: unknown) => messageOf(err));
    execWorks.set(pod, known);
  }
  return known;
}

/** `{ failed }` when exec itself failed (not a verdict): the caller asks the pod proxy instead. */
async function viaExec(ctx: ConnectContext, pod: string, target: ConnectTarget): Promise<ConnectVerdict | { failed: string }> {
  try {
    const out = await inSlot(pod, () => ctx.kube.exec({ namespace: ctx.namespace, pod, container: 'netexec', command: connectCommand(target), timeoutMs: EXEC_TIMEOUT_MS }));
    if (isControlFailure(out)) return { failed: `exec ended with exit ${out.exitCode}${out.stderr.trim() ? `: ${out.stderr.trim().slice(0, 200)}` : ''}` };
    return { ...classifyConnect(out, { protocol: target.protocol }), via: 'exec' };
  } catch (err) {
    return { failed: messageOf(err) };
  }
}

async function viaPodProxy(ctx: ConnectContext, pod: string, target: ConnectTarget): Promise<ConnectVerdict> {
  const query = new URLSearchParams({ host: target.host, port: String(target.port), protocol: target.protocol === 'tcp' ? 'http' : 'udp', request: 'hostname', tries: '1' });
  const path = `/api/v1/namespaces/${encodeURIComponent(ctx.namespace)}/pods/${encodeURIComponent(pod)}:${ctx.probePort}/proxy/dial?${query}`;
  try {
    const answer = await ctx.control.get(path, { timeoutMs: 20_000, what: `cannot control probe ${pod}` });
    if (answer.status !== 200) return { verdict: 'error', detail: `cannot control probe ${pod}: pod proxy answered HTTP ${answer.status}`, via: 'pod-proxy' };
    return { ...verdictOfDial(JSON.parse(answer.body) as DialBody), via: 'pod-proxy' };
  } catch (err) {
    return { verdict: 'error', detail: messageOf(err), via: 'pod-proxy' };
  }
}

/** Connect from `pod` (a host-network probe) to the target; says which control path was used and why. */
export async function connectFrom(ctx: ConnectContext, pod: string, target: ConnectTarget): Promise<ConnectVerdict & { controlNote?: string }> {
  const problem = await execProblem(ctx, pod);
  const exec = problem ? { failed: problem } : await viaExec(ctx, pod, target);
  if (!('failed' in exec)) return exec;
  const result = await viaPodProxy(ctx, pod, target);
  return { ...result, controlNote: `exec into ${pod} did not work (${exec.failed}); asked its netexec through the pod proxy instead` };
}
