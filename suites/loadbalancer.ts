// loadbalancer — MUST: when the cluster gives a LoadBalancer Service an address, that address
// answers a client outside the cluster from a real backend.
// A `type: LoadBalancer` Service over every pod probe (manifests/loadbalancer-service.yaml), TCP
// and UDP. Whatever LoadBalancer implementation the cluster has fills status.loadBalancer.ingress;
// the suite waits a bounded time for it. With an address, the runner dials it (several requests,
// TCP and UDP) and every answer must name a backend pod. With none in that time — a cluster with
// no LoadBalancer implementation — the rows are skipped with that reason, never failed.
// Only when the run will wait for it: the Service is created when the run was given --lb-timeout
// or the cluster shows an in-cluster implementation by public signals (implementationSignal);
// otherwise nothing is created — a cloud would provision a real, billed load balancer for a
// run that gives it 3 s — and the rows are skipped saying so. Its loadBalancerSourceRanges are
// the runner's own addresses toward the nodes, so the address is never open to anyone else.
// Network safety: the runner dials an ingress address only when it lies on a network this host
// shares with the nodes (an interface of the runner whose subnet holds a node address the runner
// reaches, found as the nodeport suite finds it). A hostname, or an address anywhere else (a
// cloud's public address), is skipped with the reason: the suite never sends traffic off the
// node network.
import os from 'node:os';
import net from 'node:net';
import { parseRange } from '../helpers/cidr.ts';
import { waitFor } from '../helpers/probes/deploy.ts';
import { awaitEndpoints, createRunService } from '../helpers/fixtures/service.ts';
import { loadBalancerServiceManifest } from '../helpers/probes/manifests.ts';
import { nodeTargets } from '../helpers/nodeport/deploy.ts';
import { runnerReaches } from '../helpers/nodeport/reach.ts';
import type { NodeAddressType } from '../helpers/nodeport/types.ts';
import type { ConfigMap, Kube, Node, Service } from '../helpers/kube/index.ts';
import { runnerAddressFor } from '../helpers/check/drivers/outside.ts';
import { defineSuite } from '../helpers/check/suite.ts';
import type { Check, Expect } from '../helpers/check/types.ts';
import { familyOf, portText, setupRows } from '../helpers/rows.ts';
import { awaitServiceProgrammed, stillRefusedNote } from '../helpers/nodeport/programmed.ts';

export const EXPECT = {
  ingress: { expect: 'REACHABLE', reason: "a LoadBalancer Service's ingress address answers a client outside the cluster, from a ready backend" },
} as const satisfies Record<string, Expect>;

/**
 * The wait for the address, counted from the Service's creation (at deploy, while the probes
 * start): at least this long, or until --lb-timeout if that is later; whatever the Service has
 * by then (and by the time the probes are ready, if that is later still) is taken. In-cluster
 * implementations (MetalLB, Cilium, kube-vip, k3s ServiceLB) assign within a second or two of
 * the Service's creation; cloud load balancers take 30-90 s and need --lb-timeout. The probes'
 * start-up usually takes longer than this, so a cluster with none costs a run little or nothing.
 */
export const MIN_WAIT_MS = 3_000;
/** Requests per row: every one must be answered by a backend. */
export const LB_TRIES = 6;
/** Per request from the runner; a healthy load balancer on the node network answers in milliseconds. */
const TIMEOUT_MS = 3_000;

export interface LoadBalancerPlan {
  service: string;
  port: number;
  addressType: NodeAddressType;
  /** The probed nodes' addresses (of addressType): the node network the runner must be on. */
  nodeAddresses: string[];
  /** The in-cluster LoadBalancer implementation the cluster shows (implementationSignal), if any. */
  implementation?: string;
  /** loadBalancerSourceRanges: the runner's own addresses toward the nodes (one /32 or /128 each). */
  sourceRanges?: string[];
  /** Epoch ms the Service was created (the ingress wait counts from here). */
  createdAt?: number;
  /** The Service's ClusterIPs: where the settle sees kube-proxy has programmed it. */
  clusterIP?: string;
  clusterIPs?: string[];
  /** The Service could not be created or its endpoints never came: the rows are not run. */
  problem?: string;
  /** kube-proxy still refused the Service on some nodes after the settle's wait (stillRefusedNote). */
  programming?: string;
  /** status.loadBalancer.ingress as the cluster wrote it. */
  ingress?: { ip?: string; hostname?: string }[];
  /** The ingress address the runner dials. */
  target?: string;
  /** The runner's own address toward the target. */
  runnerIP?: string;
  /** Why nothing is dialled (no ingress in time, a hostname, an address off the node network). */
  skip?: string;
}

/** The runner's interface subnets (CIDR), as the OS reports them. */
export function runnerSubnets(): string[] {
  return Object.values(os.networkInterfaces()).flatMap((list) => (list ?? []).flatMap((a) => (a.cidr && !a.internal ? [a.cidr] : [])));
}

const within = (cidr: string, ip: string) => {
  if (net.isIP(ip) === 0) return false;
  const r = parseRange(cidr);
  const a = parseRange(ip);
  return r.family === a.family && r.first <= a.first && a.first <= r.last;
};

/**
 * Which ingress entry the runner may dial, or why none. Only an address inside a subnet of one
 * of the runner's own interfaces that also holds a node address the runner reached — the node
 * network, on-link — and that is not the runner's own address nor that subnet's network or
 * broadcast address. Pure.
 */
export function pickTarget(options: { service: string; ingress: { ip?: string; hostname?: string }[]; subnets: string[]; reachedNodes: string[] }): { target: string } | { skip: string } {
  const { service, ingress } = options;
  const own = new Set(options.subnets.map((c) => c.split('/')[0]));
  const shared = options.subnets.filter((c) => options.reachedNodes.some((n) => within(c, n)));
  if (ingress.length === 0) return { skip: `no LoadBalancer implementation assigned an address to service/${service}` };
  if (shared.length === 0)
    return {
      skip: `service/${service} got ${ingress.map((i) => i.ip ?? i.hostname).join(', ')}, but this host shares no network with the nodes (none of its interface subnets holds a node address it reaches): kube-netconform dials LoadBalancer addresses only on the node network`,
    };
  for (const entry of ingress) {
    if (!entry.ip) continue;
    const subnet = shared.find((c) => within(c, entry.ip!));
    if (!subnet || own.has(entry.ip)) continue;
    const r = parseRange(subnet);
    const a = parseRange(entry.ip).first;
    if (r.family === 4 && r.last - r.first > 1n && (a === r.first || a === r.last)) continue;
    return { target: entry.ip };
  }
  const got = ingress.map((i) => (i.ip ? i.ip : `hostname ${i.hostname}`)).join(', ');
  return {
    skip: `service/${service} got ${got}, not an address on the node network this host shares with the nodes (${shared.join(', ')}): kube-netconform dials LoadBalancer addresses only there, never elsewhere`,
  };
}

type Ingress = { ip?: string; hostname?: string };

const ingressOf = (svc: Service | undefined): Ingress[] =>
  (svc?.status?.loadBalancer?.ingress ?? []).filter((i) => i.ip || i.hostname).map((i) => ({ ...(i.ip ? { ip: i.ip } : {}), ...(i.hostname ? { hostname: i.hostname } : {}) }));

/**
 * An in-cluster LoadBalancer implementation, from what any client can see: MetalLB's API group,
 * kube-vip's cloud-provider ConfigMap (kube-system/kubevip), k3s's kubelet (ServiceLB is on in
 * k3s unless disabled). Undefined: none visible (a cloud's controller is not: use --lb-timeout). Pure.
 */
export function implementationSignal(options: { groups: readonly string[]; nodes: readonly Node[]; kubeSystemConfigMaps: readonly ConfigMap[] }): string | undefined {
  if (options.groups.includes('metallb.io')) return 'MetalLB (API group metallb.io is served)';
  if (options.kubeSystemConfigMaps.some((c) => c.metadata?.name === 'kubevip')) return 'kube-vip (ConfigMap kube-system/kubevip)';
  const k3s = options.nodes.find((n) => /\+k3s/.test(n.status?.nodeInfo?.kubeletVersion ?? ''));
  if (k3s) return `k3s ServiceLB (node ${k3s.metadata?.name} runs ${k3s.status?.nodeInfo?.kubeletVersion})`;
  return undefined;
}

/** The signals, each read on its own: a read that is refused is no signal. */
async function detectImplementation(kube: Kube, nodes: readonly Node[]): Promise<string | undefined> {
  const [groups, kubeSystemConfigMaps] = await Promise.all([kube.apiGroups().catch(() => []), kube.listConfigMaps('kube-system').catch(() => [])]);
  return implementationSignal({ groups, nodes, kubeSystemConfigMaps });
}

/** The runner's own addresses toward the nodes, as loadBalancerSourceRanges (a /32 or /128 each). Pure. */
export function sourceRangesOf(runnerAddresses: readonly (string | undefined)[]): string[] {
  return [...new Set(runnerAddresses.filter((a): a is string => !!a && net.isIP(a) !== 0))].map((a) => `${a}/${net.isIPv6(a) ? 128 : 32}`);
}

/** Why the Service is not created: the run would not wait for an address (no --lb-timeout, no implementation visible). */
export function notWaitingReason(service: string): string {
  return `service/${service} (type LoadBalancer) was not created: no in-cluster LoadBalancer implementation is visible (MetalLB, kube-vip, k3s ServiceLB) and --lb-timeout was not given, so the run would not wait for an address (a cloud would provision a real load balancer for it); pass --lb-timeout 2m to create it and wait`;
}

/** Whether the run creates the Service: it waits for an address only with --lb-timeout or a visible implementation. Pure. */
export function createsService(plan: Pick<LoadBalancerPlan, 'implementation'>, lbTimeoutMs: number | undefined): boolean {
  return (lbTimeoutMs ?? 0) > 0 || plan.implementation !== undefined;
}

/** When the wait for the address ends (epoch ms). Pure. */
export function ingressDeadline(options: { createdAt: number; settledAt: number; lbTimeoutMs: number }): number {
  return Math.max(options.settledAt, options.createdAt + Math.max(MIN_WAIT_MS, options.lbTimeoutMs));
}

/** The skip reason when no address came: how long it waited, and the flag that waits longer. */
export function noIngressReason(service: string, waitedMs: number): string {
  return `no LoadBalancer implementation assigned an address to service/${service} within ${(Math.round(waitedMs / 100) / 10).toFixed(1)} s of its creation (--lb-timeout waits longer, e.g. --lb-timeout 2m: cloud load balancers take 30-90 s)`;
}

export default defineSuite<LoadBalancerPlan>({
  name: 'loadbalancer',
  order: 32,
  must: "a LoadBalancer Service's ingress address, when the cluster assigns one, answers a client outside the cluster over TCP and UDP, only from real backends",

  async prepare({ kube, nodes, options }) {
    const manifest = loadBalancerServiceManifest({ runId: options.runId });
    const addressType = options.flags.nodeAddressType ?? 'InternalIP';
    const raw = await kube.listNodes();
    const targets = nodeTargets(nodes, raw, addressType);
    const implementation = await detectImplementation(kube, raw);
    return {
      service: manifest.metadata!.name!,
      port: manifest.spec?.ports?.[0]?.port ?? 80,
      addressType,
      nodeAddresses: targets.flatMap((t) => (t.address ? [t.address] : [])),
      ...(implementation ? { implementation } : {}),
    };
  },

  async deploy({ kube, deployment, options }, plan) {
    if (!createsService(plan, options.flags.lbTimeoutMs)) {
      const skip = notWaitingReason(plan.service);
      options.onProgress?.(`loadbalancer: ${skip}`);
      return { ...plan, skip };
    }
    const sourceRanges = sourceRangesOf(await Promise.all(plan.nodeAddresses.map((a) => runnerAddressFor(a))));
    if (!sourceRanges.length)
      return {
        ...plan,
        skip: `service/${plan.service} (type LoadBalancer) was not created: this host has no address toward the nodes to limit its loadBalancerSourceRanges to, and it is never created open to everyone`,
      };
    const manifest = loadBalancerServiceManifest({ runId: options.runId });
    manifest.spec = { ...manifest.spec, loadBalancerSourceRanges: sourceRanges };
    const made = await createRunService(kube, deployment, manifest, { what: `service/${plan.service} (type LoadBalancer)` });
    if (made.problem) return { ...plan, problem: made.problem };
    return { ...plan, createdAt: Date.now(), sourceRanges, clusterIP: made.service.clusterIP, ...(made.service.clusterIPs ? { clusterIPs: made.service.clusterIPs } : {}) };
  },

  async settle({ kube, deployment, topology, options, streams }, plan) {
    if (plan.problem || plan.createdAt === undefined) return plan;
    const createdAt = plan.createdAt ?? Date.now();
    const deadline = ingressDeadline({ createdAt, settledAt: Date.now(), lbTimeoutMs: options.flags.lbTimeoutMs ?? 0 });
    let ingress: Ingress[] = [];
    try {
      ingress = await waitFor(
        async () => {
          const found = ingressOf(await kube.readService(deployment.namespace, plan.service));
          return found.length ? found : undefined;
        },
        { timeoutMs: Math.max(0, deadline - Date.now()), what: `status.loadBalancer.ingress of service/${plan.service}`, signal: options.signal },
      );
    } catch (err) {
      if (options.signal?.aborted) throw err;
    }
    if (ingress.length === 0) {
      const skip = noIngressReason(plan.service, Date.now() - createdAt);
      options.onProgress?.(`loadbalancer: ${skip}`);
      return { ...plan, ingress: [], skip };
    }
    const next: LoadBalancerPlan = { ...plan, ingress };
    const { reached } = await runnerReaches({ addresses: plan.nodeAddresses, ports: [10250], timeoutMs: TIMEOUT_MS });
    const picked = pickTarget({ service: plan.service, ingress, subnets: runnerSubnets(), reachedNodes: reached });
    if ('skip' in picked) {
      options.onProgress?.(`loadbalancer: ${picked.skip}`);
      return { ...next, skip: picked.skip };
    }
    next.target = picked.target;
    next.runnerIP = (await runnerAddressFor(picked.target)) ?? '';
    const expected = topology.probes.filter((p) => p.ready && p.role !== 'host').length;
    // A setup problem, not a verdict on the load balancer: its rows are not run.
    const problem = await awaitEndpoints(kube, deployment, { service: plan.service, what: `service/${plan.service} (type LoadBalancer)`, expected, signal: options.signal });
    if (problem) return { ...next, problem };
    // kube-proxy programs the ingress address with the Service: once its ClusterIP answers on a node, so does the ingress there (helpers/nodeport/programmed.ts).
    if (plan.clusterIP) {
      const svc = { clusterIP: plan.clusterIP, ...(plan.clusterIPs ? { clusterIPs: plan.clusterIPs } : {}), port: plan.port };
      const programming = stillRefusedNote(plan.service, await awaitServiceProgrammed(streams, topology, svc, { signal: options.signal }));
      if (programming) next.programming = programming;
    }
    return next;
  },

  checks(topology, plan): Check[] {
    const rows: Check[] = setupRows('loadbalancer', topology);
    const backends = topology.probes.filter((p) => p.role !== 'host' && p.ready).map((p) => p.name);
    for (const protocol of ['tcp', 'udp'] as const) {
      // The address is per run (or absent): the title names the Service, never the address.
      const title = `runner → service/${plan.service} LoadBalancer ingress ${portText(plan.port, protocol)}`;
      const properties: Record<string, string> = {
        service: plan.service,
        ...(plan.ingress?.length ? { 'loadbalancer.ingress': plan.ingress.map((i) => i.ip ?? i.hostname).join(', ') } : {}),
      };
      if (plan.problem) {
        rows.push({ kind: 'static', suite: 'loadbalancer', title, status: 'not-run', reason: plan.problem, properties });
        continue;
      }
      if (!plan.target) {
        rows.push({ kind: 'static', suite: 'loadbalancer', title, status: 'skipped', reason: plan.skip ?? 'not measured yet (the address is read once the Service exists)', properties });
        continue;
      }
      const family = familyOf(plan.target);
      rows.push({
        kind: 'network',
        suite: 'loadbalancer',
        title,
        from: { kind: 'runner', node: '', ip: plan.runnerIP ?? '', family },
        to: { kind: 'service', node: '', ip: plan.target, family, service: plan.service },
        protocol,
        port: plan.port,
        family,
        expect: EXPECT.ingress.expect,
        expectReason: EXPECT.ingress.reason,
        answer: { kind: 'hostname', expected: backends },
        drive: { via: 'outside', target: { host: plan.target, port: plan.port }, timeoutMs: TIMEOUT_MS, tries: LB_TRIES },
        properties: { ...properties, 'loadbalancer.address': plan.target },
      });
    }
    return rows;
  },

  describe(plan) {
    if (plan.problem) return plan.problem;
    if (plan.target)
      return `service/${plan.service} at ${plan.target}:${plan.port} (ingress ${plan.ingress?.map((i) => i.ip ?? i.hostname).join(', ')}); the runner dials it from ${plan.runnerIP || '?'}${plan.programming ? `; ${plan.programming}` : ''}`;
    return `service/${plan.service}: ${plan.skip ?? 'no address'}`;
  },
});
