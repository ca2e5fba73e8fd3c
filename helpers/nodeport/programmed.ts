// kube-proxy answers a NodePort or a ClusterIP of this run's own Service only once it has
// programmed it, a moment (its sync period: 1 s by default) after the Service's endpoints are
// ready. The checks must judge kube-proxy, not that lag: before them, a probe on each node looks
// until it is not refused, for a bounded time — at the node's own NodePort from its host probe
// (local traffic: nothing between nodes is judged; the nodeport and ports suites), at a
// Service's ClusterIPs from its host probe or else a pod probe (awaitServiceProgrammed). A node
// still refusing then is left to the checks, which say so.
import { classify } from '../check/classify.ts';
import { CONNECT_TIMEOUT_S } from '../check/drivers/connect.ts';
import { askFromProbe } from '../check/drivers/probe.ts';
import type { Observation } from '../check/types.ts';
import { familyOf } from '../ip.ts';
import type { CommandStreams } from '../probes/stream.ts';
import { waitFor } from '../probes/deploy.ts';
import { hostProbeOn, ipIn, podProbesOn, probedNodes, serviceIPs } from '../rows.ts';
import type { Topology } from '../topology.ts';

/** How long a look at a refused NodePort of this run's own Service is made again (kube-proxy's programming lag), and how often. */
export const PROGRAMMING_WAIT_MS = 3_000;
const PROGRAMMING_POLL_MS = 250;

/**
 * A Service look's connect deadline: a Service programmed on a working network answers, and one
 * not programmed yet is refused, in milliseconds; a look that gets neither (a network fault, the
 * checks' to judge) should not hold up the settle for the checks' full connect timeout.
 */
const SERVICE_LOOK_TIMEOUT_S = 1;

/** One bare connect from `probe` to `address`:`port` (a node's own address, or a ClusterIP) within `timeoutS`: what it observed. */
export async function lookFromNode(
  streams: CommandStreams,
  probe: string,
  target: { address: string; port: number; protocol: 'tcp' | 'udp' },
  timeoutS: number = CONNECT_TIMEOUT_S,
): Promise<Observation> {
  const answer = { kind: 'connect' as const };
  const out = await askFromProbe(
    streams,
    { control: { pod: probe }, target: { host: target.address, port: target.port }, timeoutS },
    { protocol: target.protocol, family: familyOf(target.address), answer },
    1,
  );
  return classify(out.events, answer).observed;
}

/**
 * Look from `probe` (on `target.node`) until `address`:`port` is not refused, within
 * PROGRAMMING_WAIT_MS: the last observation (REFUSED still: kube-proxy has not programmed it in
 * that time).
 */
export async function awaitProgrammed(
  streams: CommandStreams,
  probe: string,
  target: { node: string; address: string; port: number; protocol: 'tcp' | 'udp' },
  signal?: AbortSignal,
  timeoutS?: number,
): Promise<Observation> {
  const first = await lookFromNode(streams, probe, target, timeoutS);
  if (first !== 'REFUSED') return first;
  return waitFor(
    async () => {
      const seen = await lookFromNode(streams, probe, target, timeoutS);
      return seen === 'REFUSED' ? undefined : seen;
    },
    {
      timeoutMs: PROGRAMMING_WAIT_MS,
      intervalMs: PROGRAMMING_POLL_MS,
      what: `kube-proxy on ${target.node} to answer ${target.address}:${target.port}/${target.protocol}`,
      ...(signal ? { signal } : {}),
    },
  ).catch(() => 'REFUSED' as const);
}

/**
 * The same lag for the paths whose checks go through this run's ClusterIP Services
 * (pod-to-service, session-affinity, hairpin, dns, loadbalancer): once the Service's endpoints
 * are ready, one probe on each node (its host probe, else a pod probe; `nodes` narrows them)
 * looks at each of the Service's ClusterIPs on `port`/tcp until it is not refused. kube-proxy
 * refuses a Service it knows without endpoints (its REJECT rule), and programs the endpoints in
 * its next sync. Anything else ends that node's wait at once (an answer; a timeout under a
 * network fault, which the checks then judge), so a broken network costs no wait here. Each
 * path waits for its own Services: it does not rely on another path's settle being deployed
 * or slower. Returns the nodes that still refused after PROGRAMMING_WAIT_MS (the checks say
 * what they see there).
 */
export async function awaitServiceProgrammed(
  streams: CommandStreams | undefined,
  topology: Pick<Topology, 'nodes' | 'probes'>,
  svc: { clusterIP: string; clusterIPs?: string[]; port: number },
  options: { nodes?: readonly string[]; signal?: AbortSignal } = {},
): Promise<string[]> {
  if (!streams) return [];
  const ips = serviceIPs(svc).filter((ip) => ip && ip !== 'None');
  const refused = await Promise.all(
    (options.nodes ?? probedNodes(topology)).flatMap((node) =>
      ips.map(async (ip) => {
        const family = familyOf(ip);
        const probe = [hostProbeOn(topology, node), ...podProbesOn(topology, node)].find((p) => p && !p.controlProblem && ipIn(p, family));
        if (!probe) return undefined;
        const seen = await awaitProgrammed(streams, probe.name, { node, address: ip, port: svc.port, protocol: 'tcp' }, options.signal, SERVICE_LOOK_TIMEOUT_S);
        return seen === 'REFUSED' ? node : undefined;
      }),
    ),
  );
  return [...new Set(refused.filter((n): n is string => n !== undefined))];
}

/**
 * What a path's plan line says when kube-proxy still refused its Service on some nodes after the
 * wait (awaitServiceProgrammed's result): nothing when none did. The rows through those nodes
 * then fail as refused; this says it was still so PROGRAMMING_WAIT_MS after the endpoints.
 */
export function stillRefusedNote(service: string, nodes: readonly string[]): string | undefined {
  if (nodes.length === 0) return undefined;
  return `kube-proxy on ${nodes.join(', ')} still refused Service ${service} ${PROGRAMMING_WAIT_MS / 1000} s after its endpoints were ready`;
}
