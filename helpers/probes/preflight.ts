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
  options: { concurrency: number; signal?: AbortSignal; tryMs?: number; streams?: ProbeStreams; serving?: (probe: ProbePod) => ServerPorts },
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
            const ports = options.serving?.(probe);
            const out = await streams.run(probe.name, ports ? servingCommand(ports) : 'echo ok', { timeoutMs: tryMs + (ports ? SERVING_WAIT_S * 1000 : 0) });
            ok = !('failed' in out) && out.exitCode === 0 && out.output.trim() === 'ok';
            if (ok) return;
            // Commanded, but its servers never came up: not ready (a setup problem), not a control one.
            const notServing = !('failed' in out) && /^not serving: /m.exec(out.output);
            if (notServing) {
              ok = true; // the stream works: keep it
              probe.ready = false;
              probe.problem = `its servers did not start: ${out.output
                .trim()
                .split('\n')
                .at(-1)!
                .replace(/^not serving: /, '')} within ${SERVING_WAIT_S} s of the container's start`;
              return;
            }
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

/** The ports a probe's servers listen on (porter: TCP and UDP). */
export interface ServerPorts {
  tcp: readonly number[];
  udp: readonly number[];
}

/** How long the preflight waits for a probe's servers to answer on their ports, from inside it. */
export const SERVING_WAIT_S = 10;

/**
 * A probe is Ready as soon as its container runs (the probes have no readiness probe: the
 * kubelet's first one, at the container's start, came before porter listened and the next came
 * a second later, ~1 s of every run's wait). So the preflight's command is also the readiness
 * check, from inside the probe on its loopback: each TCP port accepts a connection and each UDP
 * port answers a datagram, within SERVING_WAIT_S; then "ok". Else "not serving: <port>".
 */
export function servingCommand(ports: ServerPorts, waitS = SERVING_WAIT_S): string {
  const t = (p: number) => `(exec 3<>/dev/tcp/127.0.0.1/${p})`;
  const u = (p: number) => `(exec 3<>/dev/udp/127.0.0.1/${p} && printf x >&3 && IFS= read -r -t 0.2 -N 1 a <&3)`;
  const wait = (what: string, check: string) =>
    `until ${check} 2>/dev/null; do ((\${EPOCHREALTIME/./} < end)) || { echo 'not serving: nothing answered on ${what}'; exit 1; }; read -t 0.02 -u $KNCS; done`;
  return [
    '[[ $KNCS ]] || exec {KNCS}<> <(:)',
    `end=$((\${EPOCHREALTIME/./} + ${waitS * 1_000_000}))`,
    ...ports.tcp.map((p) => wait(`${p}/tcp`, t(p))),
    ...ports.udp.map((p) => wait(`${p}/udp`, u(p))),
    'echo ok',
  ].join('; ');
}

/**
 * The run's preflight: each ready probe commanded through its stream in `streams` (kept open for
 * the checks) and its servers answering; the probes that cannot be commanded are marked, and said.
 */
export async function preflightProbes(topology: Topology, options: { streams: ProbeStreams; concurrency: number; signal?: AbortSignal; onProgress: (m: string) => void }): Promise<void> {
  const { ports } = topology;
  const serving = (p: ProbePod) => (p.role === 'host' ? { tcp: [ports.hostHttp], udp: [ports.hostUdp] } : { tcp: [ports.http, ports.httpFull], udp: [ports.udp, ports.udpFull] });
  const unreachable = await checkControlPaths(options.streams.control, topology, { ...options, serving });
  if (unreachable.length)
    options.onProgress(
      `warning: ${unreachable.length} probe(s) cannot be commanded through the API server's exec (${unreachable.map((p) => p.name).join(', ')}): ${unreachable[0]!.controlProblem}; their checks are reported as errors without running`,
    );
}
