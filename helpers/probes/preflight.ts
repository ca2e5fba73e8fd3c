// Before any check: can each probe be commanded through the API server's exec? Every check is
// made by a command in a probe, carried by the probe's exec stream (API server → kubelet → the
// container; never the pod network under test). A probe whose stream cannot be opened (its
// node's kubelet unreachable, exec forbidden, an image without bash ≥ 5) would make each of its
// checks fail the same way: it is marked here, and its checks are reported as CONTROL_ERROR at
// once, naming this reason.
import pLimit from 'p-limit';
import type { ControlClient } from '../http.ts';
import { ProbeStreams } from './stream.ts';
import type { ProbePod, Topology } from '../topology.ts';

/** Per try: the stream opens (within this), then the probe answers one command (within this). */
export const PREFLIGHT_TRY_MS = 20_000;
export const PREFLIGHT_TRIES = 2;

/**
 * Sets `controlProblem` on each ready probe that cannot run a command (PREFLIGHT_TRIES tries, one
 * when the first timed out); returns those probes. `tryMs` (default PREFLIGHT_TRY_MS) bounds a
 * try's stream open and its command each. With `streams` (the run's, opened with that timeout),
 * the streams that answered stay open in it for the checks: a probe's stream is opened once a run.
 */
export async function checkControlPaths(
  control: ControlClient,
  topology: Topology,
  options: { concurrency: number; signal?: AbortSignal; tryMs?: number; streams?: ProbeStreams },
): Promise<ProbePod[]> {
  const tryMs = options.tryMs ?? PREFLIGHT_TRY_MS;
  const limit = pLimit(Math.max(1, options.concurrency));
  const ready = topology.probes.filter((p) => p.ready);
  await Promise.all(
    ready.map((probe) =>
      limit(async () => {
        let last = '';
        let tries = 0;
        while (tries < PREFLIGHT_TRIES && !options.signal?.aborted) {
          tries++;
          // A new stream per try: a failed open is remembered by its stream for a few seconds.
          const streams = options.streams ?? new ProbeStreams(control, topology.namespace, { openTimeoutMs: tryMs });
          const started = performance.now();
          let ok = false;
          try {
            const out = await streams.run(probe.name, 'echo ok', { timeoutMs: tryMs });
            ok = !('failed' in out) && out.exitCode === 0 && out.output.trim() === 'ok';
            if (ok) return;
            last = 'failed' in out ? out.failed : `the command exited ${out.exitCode}: ${out.output.slice(0, 200)}`;
          } finally {
            if (!options.streams) streams.close();
            else if (!ok) options.streams.forget(probe.name);
          }
          // Another try is for a quick refusal (a container just started); a try that used its whole
          // deadline (the kubelet's port dropped: nothing answers) would only wait as long again.
          if (performance.now() - started >= tryMs * 0.9) break;
        }
        if (options.signal?.aborted) return;
        probe.controlProblem = `cannot command probe ${probe.name} (on ${probe.node}) through the API server's exec: ${tries === 1 ? 'the try' : `${tries} tries`} failed (${last}); its checks were not run`;
      }),
    ),
  );
  return ready.filter((p) => p.controlProblem);
}
