// Host-network probe ports, picked per run so that simultaneous runs on one cluster never
// collide. A hostNetwork pod's containerPorts are host ports to the scheduler (defaulted so by
// the API server): two runs asking for the same pair on one node leave the second's probe
// Pending ("didn't have free ports"). So at deploy the run reads the ports every hostNetwork pod
// in the cluster already claims, starts at a random pair of the range (two runs planning at
// the same instant diverge) and takes the first free pair; if a run created between that read
// and our create still wins the port, the scheduler says so and the host probes are placed again
// on the next free pair (lifecycle.ts); so are they when a process outside any pod holds the
// port (netexec cannot bind). Pure but for randomStart; unit-tested.
import { SetupError } from '../errors.ts';
import type { Kube, Pod } from '../kube/index.ts';
import { DEFAULT_PORTS, type ProbePorts } from '../topology.ts';

/** Pairs (HTTP on an even port, UDP on the next) inside this range; far from kubelet, etcd and NodePorts. */
export const HOST_PORT_RANGE = { low: 18080, high: 18999 } as const;

/** Host ports claimed on any node by running or pending pods (hostNetwork containerPorts, explicit hostPorts). */
export function usedHostPorts(pods: readonly Pod[]): Set<number> {
  const used = new Set<number>();
  for (const pod of pods) {
    if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') continue;
    for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) {
      for (const p of c.ports ?? []) {
        if (p.hostPort) used.add(p.hostPort);
        else if (pod.spec?.hostNetwork) used.add(p.containerPort);
      }
    }
  }
  return used;
}

/** The first free (port, port+1) pair from a start pair, wrapping around the range; undefined when none is free. */
export function pickHostPort(options: { used: Iterable<number>; start?: number; range?: { low: number; high: number } }): number | undefined {
  const range = options.range ?? HOST_PORT_RANGE;
  const used = new Set(options.used);
  const pairs = Math.floor((range.high - range.low + 1) / 2);
  const first = Math.max(0, Math.min(pairs - 1, options.start ?? 0));
  for (let i = 0; i < pairs; i++) {
    const port = range.low + 2 * ((first + i) % pairs);
    if (!used.has(port) && !used.has(port + 1)) return port;
  }
  return undefined;
}

/**
 * A random start pair, so two runs reading the cluster at the same instant pick different pairs.
 * $NETCONFORM_HOST_PORT_START pins the first pick (tests: two runs racing for the same pair);
 * a pick after a clash is always random, so two runs that clashed do not clash again in step.
 */
export function randomStart(options: { pinned?: boolean } = {}, range: { low: number; high: number } = HOST_PORT_RANGE): number {
  const pinned = process.env['NETCONFORM_HOST_PORT_START'];
  if (options.pinned !== false && pinned !== undefined && /^\d+$/.test(pinned)) return Number(pinned);
  return Math.floor(Math.random() * Math.floor((range.high - range.low + 1) / 2));
}

/**
 * A host-port clash: the scheduler's words (NodePorts filter plugin: another pod claims it), or
 * netexec failing to bind (a process outside any pod listens there).
 */
export function isHostPortConflict(problem: string | undefined): boolean {
  return /didn't have free ports|free ports for the requested pod ports|bind: address already in use/i.test(problem ?? '');
}

export function portsFor(hostPort?: number): ProbePorts {
  return hostPort ? { ...DEFAULT_PORTS, hostHttp: hostPort, hostUdp: hostPort + 1 } : DEFAULT_PORTS;
}

/** A free host-port pair for this run's host probes (host-ports.ts), avoiding `avoid` too. */
export async function freeHostPorts(kube: Kube, avoid: number[] = []): Promise<ProbePorts> {
  const used = usedHostPorts(await kube.listPodsAllNamespaces(''));
  for (const p of avoid) used.add(p);
  // After a clash: a fresh random start, never the pinned one.
  const port = pickHostPort({ used, start: randomStart({ pinned: avoid.length === 0 }) });
  if (port === undefined)
    throw new SetupError(`no free pair of host ports in ${HOST_PORT_RANGE.low}-${HOST_PORT_RANGE.high} for the host-network probes (other hostNetwork pods claim them all); pass --host-port.`);
  return portsFor(port);
}
