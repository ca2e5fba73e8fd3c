// kube-proxy answers a NodePort of this run's own Service only once it has programmed it, a
// moment (its sync period: 1 s by default) after the Service's endpoints are ready. The checks
// must judge kube-proxy, not that lag: before them, each node's own host probe looks at its own
// node's NodePort (local traffic: nothing between nodes is judged) until something answers, for
// a bounded time. A node still refusing then is left to the checks, which say so.
import { classify } from '../check/classify.ts';
import { CONNECT_TIMEOUT_S } from '../check/drivers/connect.ts';
import { askFromProbe } from '../check/drivers/probe.ts';
import type { Observation } from '../check/types.ts';
import { familyOf } from '../ip.ts';
import type { CommandStreams } from '../probes/stream.ts';
import { waitFor } from '../probes/deploy.ts';

/** How long a look at a refused NodePort of this run's own Service is made again (kube-proxy's programming lag), and how often. */
export const PROGRAMMING_WAIT_MS = 3_000;
const PROGRAMMING_POLL_MS = 250;

/** One bare connect from a node's own host probe to `address`:`port` (the node's own address): what it observed. */
export async function lookFromNode(streams: CommandStreams, probe: string, target: { address: string; port: number; protocol: 'tcp' | 'udp' }): Promise<Observation> {
  const answer = { kind: 'connect' as const };
  const out = await askFromProbe(
    streams,
    { control: { pod: probe }, target: { host: target.address, port: target.port }, timeoutS: CONNECT_TIMEOUT_S },
    { protocol: target.protocol, family: familyOf(target.address), answer },
    1,
  );
  return classify(out.events, answer).observed;
}

/**
 * Look from the node's own host probe until `port` is not refused, within PROGRAMMING_WAIT_MS:
 * the last observation (REFUSED still: kube-proxy has not programmed it in that time).
 */
export async function awaitProgrammed(
  streams: CommandStreams,
  probe: string,
  target: { node: string; address: string; port: number; protocol: 'tcp' | 'udp' },
  signal?: AbortSignal,
): Promise<Observation> {
  const first = await lookFromNode(streams, probe, target);
  if (first !== 'REFUSED') return first;
  return waitFor(
    async () => {
      const seen = await lookFromNode(streams, probe, target);
      return seen === 'REFUSED' ? undefined : seen;
    },
    { timeoutMs: PROGRAMMING_WAIT_MS, intervalMs: PROGRAMMING_POLL_MS, what: `kube-proxy to answer ${target.node}:${target.port}/${target.protocol}`, ...(signal ? { signal } : {}) },
  ).catch(() => 'REFUSED' as const);
}

/**
 * For the paths whose checks go through this run's Services (`after` of their modules): their
 * checks start only once the nodeport suite's settle is done. That settle waits, on every node,
 * for kube-proxy to answer the run's NodePorts, whose backend becomes ready after the probes
 * (its readiness probe is on a 1 s period; the probes have none): kube-proxy has by then
 * programmed the Services over the probes too. Their own settles wait only for the endpoints,
 * and kube-proxy programs a Service up to a sync period (1 s by default) after them.
 */
export const AFTER_KUBE_PROXY = ['nodeport'] as const;
