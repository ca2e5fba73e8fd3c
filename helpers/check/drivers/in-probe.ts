// Run a command inside a probe (an agnhost container), two ways, in order:
//   1. shell: the probe's own netexec runs it (`/shell?cmd=…`, `sh -c` in the probe), asked
//      through the API server's pod proxy: one HTTP request on the connection pool the checks use;
//   2. exec: the API server's exec into the container (through that node's kubelet on 10250),
//      when the image has no shell (a binary-only agnhost) or the pod proxy to the probe failed.
// The official agnhost image is Alpine with /bin/sh; exec costs the API server, the kubelet,
// containerd and runc a process each time (145-277 ms against ~10 ms for the pod proxy here).
import pLimit from 'p-limit';
import { messageOf } from '../../errors.ts';
import type { ControlClient } from '../../http.ts';

export interface ProbeOut {
  exitCode: number;
  /** Under /shell, stdout and stderr together (netexec answers with the combined output). */
  stdout: string;
  stderr: string;
}

export type InProbeVia = 'shell' | 'exec';

const EXEC_TIMEOUT_MS = 15_000;
/** A /shell request waits for its command (agnhost connect: at most its own 3 s) plus start-up. */
const SHELL_TIMEOUT_MS = 10_000;
/**
 * Commands count against the probe container's memory limit (manifests/hostnet-probes.yaml): on
 * the lab, eight concurrent `agnhost connect` under a 64 MiB limit got the container OOM-killed
 * (exit 137) — the probe with them. The limit is 256 MiB now (each `agnhost connect` is ~15 MiB
 * resident). Eight at a time per probe, whichever way they run (the same process in the same
 * container).
 */
const COMMANDS_PER_PROBE = 8;
const slots = new Map<string, ReturnType<typeof pLimit>>();

function inSlot<T>(pod: string, fn: () => Promise<T>): Promise<T> {
  let limit = slots.get(pod);
  if (!limit) {
    limit = pLimit(COMMANDS_PER_PROBE);
    slots.set(pod, limit);
  }
  return limit(fn);
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
 * command did not run to its end. A 404 is a netexec without /shell.
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
  // Exit 127 / 126 are sh's "not found" / "cannot execute": the command's callers judge them.
  if (exit) return { exitCode: Number(exit[1]), stderr: output };
  if (/no such file|not found|executable file|permission denied/i.test(error)) return { unavailable: `no usable /bin/sh in the probe image (${error})` };
  return { failed: `the command did not finish: ${error}` };
}

/** Probes whose image cannot run /shell commands (found once, kept for the run: an image does not change under a pod). */
const shellUnavailable = new Map<string, string>();
/** A way into a probe that failed once is tried again later: one transient failure is not cached for the run. */
const broken = new Map<string, { reason: string; until: number }>();
const RECHECK_MS = 10_000;

type Attempt = ProbeOut | { failed: string };

async function attempt(key: string, fn: () => Promise<Attempt>): Promise<Attempt> {
  const known = broken.get(key);
  if (known && known.until > Date.now()) return { failed: known.reason };
  const out = await fn().catch((err: unknown) => ({ failed: messageOf(err) }));
  if ('failed' in out) broken.set(key, { reason: out.failed, until: Date.now() + RECHECK_MS });
  else broken.delete(key);
  return out;
}

export interface InProbeContext {
  control: ControlClient;
  namespace: string;
}

/**
 * Run `argv` in `probe.pod` (its netexec answers the pod proxy on `probe.port`). `verdict` says
 * whether an output is the command's own answer; one that is not (e.g. exit 137) counts as that
 * way failing, and the next way is tried. Never throws: `failed` names why neither way worked.
 */
export async function runInProbe(
  ctx: InProbeContext,
  probe: { pod: string; port: number },
  argv: readonly string[],
  options: { verdict: (out: ProbeOut) => boolean },
): Promise<{ out: ProbeOut; via: InProbeVia; note?: string } | { failed: string }> {
  const shell = await (shellUnavailable.has(probe.pod)
    ? Promise.resolve({ failed: shellUnavailable.get(probe.pod)! })
    : attempt(`shell ${probe.pod}`, async () => {
        const path = `/api/v1/namespaces/${encodeURIComponent(ctx.namespace)}/pods/${encodeURIComponent(probe.pod)}:${probe.port}/proxy/shell?${new URLSearchParams({ cmd: shellLine(argv) })}`;
        const answer = await inSlot(probe.pod, () => ctx.control.get(path, { timeoutMs: SHELL_TIMEOUT_MS, what: `/shell in probe ${probe.pod}` }));
        const out = outOfShell(answer.status, answer.body);
        if ('unavailable' in out) {
          shellUnavailable.set(probe.pod, out.unavailable);
          return { failed: out.unavailable };
        }
        if ('failed' in out) return out;
        const combined: ProbeOut = { exitCode: out.exitCode, stdout: out.stderr, stderr: out.stderr };
        return options.verdict(combined) ? combined : { failed: `/shell: the command exited ${out.exitCode}${out.stderr.trim() ? `: ${out.stderr.trim().slice(0, 200)}` : ''}` };
      }));
  if (!('failed' in shell)) return { out: shell, via: 'shell' };
  const exec = await attempt(`exec ${probe.pod}`, async () => {
    const out = await inSlot(probe.pod, () => ctx.control.exec({ namespace: ctx.namespace, pod: probe.pod, container: 'netexec', command: [...argv], timeoutMs: EXEC_TIMEOUT_MS }));
    return options.verdict(out) ? out : { failed: `exec ended with exit ${out.exitCode}${out.stderr.trim() ? `: ${out.stderr.trim().slice(0, 200)}` : ''}` };
  });
  if (!('failed' in exec)) return { out: exec, via: 'exec', note: `netexec /shell in ${probe.pod} did not work (${shell.failed}); ran the command by exec instead` };
  return { failed: `neither /shell (${shell.failed}) nor exec (${exec.failed}) worked in ${probe.pod}` };
}
