// The cluster as the suites see it: nodes, their probe pods and the Services — plain,
// structured-clone-able data, built once per run by probes/deploy.ts and read by rows.ts.
// Every function here is pure (API objects in, plain data out) so it is unit-tested.
import { createHash } from 'node:crypto';
import type { IpFamily } from './check/types.ts';
import { familyOf, firstPerFamily } from './ip.ts';
import type { Node, Pod } from './kube/index.ts';

/**
 * probe-a, probe-b, …: the pod-network probes of a node (at least two, so same-node pairs
 * exist; --pods-per-node raises it for scale runs); host: the node's hostNetwork probe.
 */
export type PodRole = `probe-${string}`;
export type ProbeRole = PodRole | 'host';
export const DEFAULT_PODS_PER_NODE = 2;
export const MAX_PODS_PER_NODE = 26;

/** The pod-network probe roles of a node: probe-a … probe-<n-th letter>. */
export function podRoles(perNode: number = DEFAULT_PODS_PER_NODE): PodRole[] {
  if (!Number.isInteger(perNode) || perNode < 2 || perNode > MAX_PODS_PER_NODE) throw new RangeError(`pods per node must be 2 to ${MAX_PODS_PER_NODE}, not ${perNode}`);
  return Array.from({ length: perNode }, (_, i) => `probe-${String.fromCharCode(97 + i)}` as PodRole);
}

export interface ProbePorts {
  /** HTTP / UDP ports of the pod-network probes (each answers the probe's name). */
  http: number;
  udp: number;
  /** The pod-network probes' full-size ports (a fixed body larger than one MTU: probes/answers.ts). */
  httpFull: number;
  udpFull: number;
  /** HTTP / UDP ports of the hostNetwork probes (high ports on the node). */
  hostHttp: number;
  hostUdp: number;
}

export const DEFAULT_PORTS: ProbePorts = { http: 8080, udp: 8081, httpFull: 8082, udpFull: 8083, hostHttp: 18080, hostUdp: 18081 };

export interface ProbePod {
  role: ProbeRole;
  /** Pod name (also its hostname for pod-network probes, so answers can be attributed). */
  name: string;
  node: string;
  /** The primary IP (status.podIP). */
  ip: string;
  /** Dual-stack: every IP, one per family (status.podIPs; a host probe's are its node's); absent: just `ip`. */
  ips?: string[];
  ready: boolean;
  /** Why it is not ready (ImagePullBackOff, Pending: untolerated taint…); set when !ready. */
  problem?: string;
  /** Ready, but the API server's exec cannot command it (helpers/probes/preflight.ts). */
  controlProblem?: string;
  /**
   * Ready, but what identifies it could not be read (its name, its node or its address missing
   * from the API's answer): rows that expect its answer or dial its address are not run with this.
   */
  identityProblem?: string;
  /** Identity at setup, checked again after the checks (helpers/probes/identity.ts). */
  uid?: string;
  /** Container restarts at setup. */
  restarts?: number;
}

export interface NodeInfo {
  name: string;
  role: 'control-plane' | 'worker';
  internalIP?: string;
  /** Dual-stack: every InternalIP, the first of each family (absent on a single-family node: just internalIP). */
  internalIPs?: string[];
  addresses: string[];
  podCIDRs: string[];
  /** Taints that keep pods off (NoSchedule/NoExecute), as key=value:effect. */
  taints?: string[];
  /** Skipped nodes get no probes; the reason lands in the report. */
  skipReason?: string;
}

export interface ServiceInfo {
  name: string;
  clusterIP: string;
  /** spec.clusterIPs: one per family of a dual-stack Service (absent: just clusterIP). */
  clusterIPs?: string[];
  port: number;
}

/** What every path reads: the nodes and the shared probes. A path's own facts live in `plans`. */
export interface Topology {
  runId: string;
  namespace: string;
  server: string;
  kubernetesVersion?: string;
  nodes: NodeInfo[];
  probes: ProbePod[];
  ports: ProbePorts;
  /** The IP families of the cluster (node addresses and pod IPs), IPv4 first; absent: read from the probes (rows.ts familiesOf). */
  families?: IpFamily[];
  /** Suite name → what that suite module's prepare/deploy/settle returned (structured-clone-able). */
  plans: Record<string, unknown>;
  /** Modules with their own objects that the run did not deploy (none of their rows was selected when planned). */
  undeployed?: string[];
}

export function nodeRole(node: Node): NodeInfo['role'] {
  const labels = node.metadata?.labels ?? {};
  return 'node-role.kubernetes.io/control-plane' in labels || 'node-role.kubernetes.io/master' in labels ? 'control-plane' : 'worker';
}

/** The architectures the default probe image (agnhost) is published for. */
export const PROBE_IMAGE_ARCHITECTURES: readonly string[] = ['amd64', 'arm64', 'arm', 'ppc64le', 's390x'];

/**
 * Nodes we will probe, and the ones we will not with the reason. Nodes outside --node-selector
 * are left out. `architectures`: those the probe image exists for (unset: not checked, e.g. a
 * user's own --image).
 */
export function classifyNodes(nodes: Node[], options: { nodeSelector?: Record<string, string>; architectures?: readonly string[] } = {}): NodeInfo[] {
  const selector = Object.entries(options.nodeSelector ?? {});
  return nodes
    .filter((n) => selector.every(([k, v]) => n.metadata?.labels?.[k] === v))
    .map((n) => {
      const addresses = n.status?.addresses ?? [];
      const info: NodeInfo = {
        name: n.metadata?.name ?? '?',
        role: nodeRole(n),
        internalIP: addresses.find((a) => a.type === 'InternalIP')?.address,
        addresses: addresses.filter((a) => a.type.endsWith('IP')).map((a) => a.address),
        podCIDRs: n.spec?.podCIDRs ?? (n.spec?.podCIDR ? [n.spec.podCIDR] : []),
        taints: (n.spec?.taints ?? []).filter((t) => t.effect !== 'PreferNoSchedule').map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`),
      };
      const internalIPs = firstPerFamily(addresses.filter((a) => a.type === 'InternalIP').map((a) => a.address));
      if (internalIPs.length > 1) info.internalIPs = internalIPs;
      const ready = n.status?.conditions?.find((c) => c.type === 'Ready');
      const os = n.metadata?.labels?.['kubernetes.io/os'] ?? n.status?.nodeInfo?.operatingSystem;
      const arch = n.metadata?.labels?.['kubernetes.io/arch'] ?? n.status?.nodeInfo?.architecture;
      if (os && os !== 'linux') info.skipReason = `not a Linux node (kubernetes.io/os=${os}): the probes are Linux containers`;
      else if (arch && options.architectures && !options.architectures.includes(arch))
        info.skipReason = `of architecture ${arch}, for which the probe image has no variant (it has ${options.architectures.join(', ')})`;
      else if (n.spec?.unschedulable) info.skipReason = 'cordoned (spec.unschedulable=true)';
      else if (ready?.status !== 'True') info.skipReason = `NotReady (Ready=${ready?.status ?? 'unknown'}${ready?.reason ? `: ${ready.reason}` : ''})`;
      return info;
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * `<prefix>-<node>` as a DNS label of at most 63 characters (a pod's hostname, a Service's
 * name): the node name lowercased, other characters as '-'; a longer one is cut and ends in a
 * hash of the node name, so two long node names never share it.
 */
export function perNodeName(prefix: string, node: string): string {
  const slug = node
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  const full = `${prefix}-${slug}`;
  if (full.length <= 63) return full;
  const hash = createHash('sha256').update(node).digest('hex').slice(0, 6);
  return `${full.slice(0, 63 - 7).replace(/-+$/, '')}-${hash}`;
}

/**
 * Pod name for a probe: `<role>-<node>`, at most 63 characters because the pod's hostname
 * (what netexec answers) is its name cut to 63 — and the answer must name the intended pod.
 */
export function probePodName(role: ProbeRole, node: string): string {
  return perNodeName(role === 'host' ? 'hostnet' : role, node);
}

/** Why a pod is not ready, in the words a user would search for. */
export function describePodProblem(pod: Pod): string {
  const status = pod.status;
  const scheduled = status?.conditions?.find((c) => c.type === 'PodScheduled');
  if (scheduled?.status === 'False') return `Pending: ${scheduled.reason ?? 'not scheduled'}${scheduled.message ? ` (${scheduled.message})` : ''}`;
  for (const cs of status?.containerStatuses ?? []) {
    const waiting = cs.state?.waiting;
    if (waiting?.reason) {
      const last = cs.lastState?.terminated;
      const lastText = last ? `; last exit ${last.exitCode}${last.message ? `: ${last.message.trim()}` : last.reason ? ` (${last.reason})` : ''}` : '';
      return `${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}${lastText}`;
    }
    const terminated = cs.state?.terminated;
    if (terminated) return `container exited ${terminated.exitCode} (${terminated.reason ?? 'terminated'})${terminated.message ? `: ${terminated.message.trim()}` : ''}`;
    if (cs.state?.running && !cs.ready) return 'Running but not Ready (readiness probe /healthz failing)';
  }
  if (status?.phase === 'Pending') return 'Pending: containers not started yet';
  return `phase ${status?.phase ?? 'unknown'}, not Ready`;
}

/** The scheduler says "untolerated taint(s)" without naming them: name the node's taints. */
export function explainUnschedulable(probes: ProbePod[], nodes: NodeInfo[]): void {
  for (const p of probes) {
    if (!p.problem?.startsWith('Pending: Unschedulable')) continue;
    const taints = nodes.find((n) => n.name === p.node)?.taints ?? [];
    const other = taints.filter((t) => !/^node-role\.kubernetes\.io\/(control-plane|master)[=:]/.test(t));
    if (other.length) p.problem += `; node ${p.node} has taints ${other.join(', ')} (the probes tolerate only the control-plane taint)`;
  }
}

/** Reasons that will not fix themselves while we wait: stop waiting for such a pod. */
export function isStuck(problem: string): boolean {
  return /^(Pending: Unschedulable|ImagePullBackOff|ErrImageNeverPull|InvalidImageName|CreateContainerConfigError|CreateContainerError|CrashLoopBackOff|container exited)/.test(problem);
}

export function isPodReady(pod: Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

export function restartsOf(pod: Pod): number {
  return (pod.status?.containerStatuses ?? []).reduce((n, c) => n + (c.restartCount ?? 0), 0);
}

/** Probe pods as plain data. `pods` are the run's pods, found by label; role from a label, node from an annotation. */
export function probesFromPods(pods: Pod[]): ProbePod[] {
  return pods
    .map((pod): ProbePod => {
      const labels = pod.metadata?.labels ?? {};
      const ready = isPodReady(pod);
      const probe: ProbePod = {
        role: (labels['netconform.io/role'] ?? 'probe-a') as ProbeRole,
        name: pod.metadata?.name ?? '?',
        node: pod.metadata?.annotations?.['netconform.io/node'] ?? pod.spec?.nodeName ?? '?',
        ip: pod.status?.podIP ?? '',
        ready,
        uid: pod.metadata?.uid,
        restarts: restartsOf(pod),
      };
      const ips = firstPerFamily([pod.status?.podIP ?? '', ...(pod.status?.podIPs ?? []).map((i) => i.ip)].filter(Boolean));
      if (ips.length > 1) probe.ips = ips;
      if (!ready) probe.problem = describePodProblem(pod);
      const missing = [!pod.metadata?.name && 'metadata.name', probe.node === '?' && 'spec.nodeName', ready && !pod.status?.podIP && 'status.podIP'].filter((m): m is string => typeof m === 'string');
      if (missing.length) probe.identityProblem = `the identity of probe ${probe.name} on ${probe.node} could not be read (${missing.join(', ')} missing from the API's answer)`;
      return probe;
    })
    .sort((a, b) => a.node.localeCompare(b.node) || a.role.localeCompare(b.role));
}

/**
 * The cluster's IP families: every family a probed node has an InternalIP or pod CIDR in, or a
 * probe has an IP in; IPv4 first. Placeholders before deploy ('<pod-ip>') count as IPv4.
 */
export function clusterFamilies(nodes: readonly NodeInfo[], probes: readonly ProbePod[]): IpFamily[] {
  const found = new Set<IpFamily>();
  for (const n of nodes.filter((x) => !x.skipReason)) {
    for (const ip of n.internalIPs ?? (n.internalIP ? [n.internalIP] : [])) found.add(familyOf(ip));
    for (const cidr of n.podCIDRs) found.add(familyOf(cidr));
  }
  for (const p of probes) for (const ip of p.ips ?? (p.ip ? [p.ip] : [])) if (!ip.startsWith('<')) found.add(familyOf(ip));
  if (found.size === 0) found.add('ipv4');
  return (['ipv4', 'ipv6'] as const).filter((f) => found.has(f));
}
