// Before any check: can the API server reach each probe through its pod proxy? Every check is
// driven that way, and a probe the API server cannot reach (its node does not forward to its
// pods, the control plane is not on the pod network, a firewall in between) would make each of
// its checks wait out the API server's dial timeout — twice. Such probes are marked here, and
// their checks are reported as CONTROL_ERROR at once, naming this reason.
import pLimit from 'p-limit';
import type { ControlClient } from './http.ts';
import { messageOf } from './errors.ts';
import type { ProbePod, Topology } from './topology.ts';

/** Per try; a healthy pod proxy answers /healthz in milliseconds. */
export const PREFLIGHT_TRY_MS = 5_000;
export const PREFLIGHT_TRIES = 3;

export function healthzPath(namespace: string, probe: Pick<ProbePod, 'name' | 'role'>, topology: Pick<Topology, 'ports'>): string {
  const port = probe.role === 'host' ? topology.ports.hostHttp : topology.ports.http;
  return `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(probe.name)}:${port}/proxy/healthz`;
}

/** Sets `controlProblem` on each ready probe the pod proxy cannot reach in PREFLIGHT_TRIES tries; returns those probes. */
export async function checkControlPaths(control: ControlClient, topology: Topology, options: { concurrency: number; signal?: AbortSignal }): Promise<ProbePod[]> {
  const limit = pLimit(Math.max(1, options.concurrency));
  const ready = topology.probes.filter((p) => p.ready);
  await Promise.all(
    ready.map((probe) =>
      limit(async () => {
        let last = '';
        for (let i = 0; i < PREFLIGHT_TRIES && !options.signal?.aborted; i++) {
          try {
            const answer = await control.get(healthzPath(topology.namespace, probe, topology), { timeoutMs: PREFLIGHT_TRY_MS, what: `the API server's pod proxy to ${probe.name}` });
            if (answer.status === 200) return;
            last = `HTTP ${answer.status}: ${answer.body.trim().slice(0, 200)}`;
          } catch (err) {
            last = messageOf(err);
          }
        }
        if (options.signal?.aborted) return;
        probe.controlProblem = `the API server cannot reach probe ${probe.name} (${probe.ip} on ${probe.node}) through its pod proxy: GET /healthz failed ${PREFLIGHT_TRIES} times (${last}); its checks were not run`;
      }),
    ),
  );
  return ready.filter((p) => p.controlProblem);
}
