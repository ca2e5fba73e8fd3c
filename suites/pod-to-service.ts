// pod-to-service — MUST: Service VIPs are intercepted on every node and reach only real backends.
// A ClusterIP Service over every pod probe answers from every pod and from the host network of
// every node, TCP and UDP, only from its real backends and spreading over more than one; every
// pod reaches the API server through the `kubernetes` Service VIP; the Service CIDR overlaps no
// node address and no pod CIDR.
import { serviceRangeOverlaps } from '../helpers/cidr.ts';
import { waitForEndpoints } from '../helpers/deploy.ts';
import { messageOf } from '../helpers/errors.ts';
import { probeServiceManifest } from '../helpers/manifests.ts';
import { defineSuite } from '../helpers/check/suite.ts';
import type { Check, Expect, Peer } from '../helpers/check/types.ts';
import { controlOf, FULL_PAYLOAD_BYTES, familyOf, hostProbeOn, label, peerOf, podProbesOn, portText, probedNodes, setupRows, VARIANTS } from '../helpers/rows.ts';
import type { ServiceInfo } from '../helpers/topology.ts';

export const EXPECT = {
  podToService: { expect: 'REACHABLE', reason: 'Service VIPs are intercepted on every node and reach a ready backend' },
  hostToService: { expect: 'REACHABLE', reason: 'Service VIPs are intercepted in the host network of every node too' },
  podToApiServer: { expect: 'REACHABLE', reason: 'every pod reaches the API server through the `kubernetes` Service VIP' },
} as const satisfies Record<string, Expect>;

/** Dials per request on Service rows, so several backends get a chance to answer. */
export const SERVICE_TRIES = 6;

export interface PodToServicePlan {
  /** The probes Service: name and port from its manifest; clusterIP once created. */
  probes: ServiceInfo;
  /** Why the probes Service is not usable (creation failed, endpoints never ready). */
  probesProblem?: string;
  api?: ServiceInfo;
  serviceCIDRs?: string[];
  serviceCIDRsUnknownReason?: string;
}

const servicePeer = (svc: ServiceInfo): Peer => ({ kind: 'service', node: '', ip: svc.clusterIP, family: familyOf(svc.clusterIP), service: svc.name });

export default defineSuite<PodToServicePlan>({
  name: 'pod-to-service',
  order: 20,
  must: 'Service VIPs answer from every pod and every node, TCP and UDP, only from real backends; every pod reaches the API server through the kubernetes Service; the Service CIDR overlaps no node or pod network',

  async prepare({ kube, options }) {
    const manifest = probeServiceManifest({ runId: options.runId });
    const plan: PodToServicePlan = { probes: { name: manifest.metadata!.name!, clusterIP: '', port: manifest.spec?.ports?.[0]?.port ?? 80 } };
    const api = await kube.readService('default', 'kubernetes');
    if (api?.spec?.clusterIP) plan.api = { name: 'kubernetes', clusterIP: api.spec.clusterIP, port: api.spec.ports?.[0]?.port ?? 443 };
    try {
      const cidrs = await kube.listServiceCidrs();
      if (cidrs?.length) plan.serviceCIDRs = cidrs;
      else plan.serviceCIDRsUnknownReason = 'this cluster does not serve the ServiceCIDR API (networking.k8s.io/v1, Kubernetes ≥ 1.33), so the Service range cannot be read';
    } catch (err) {
      plan.serviceCIDRsUnknownReason = `cannot read the Service range: ${messageOf(err)}`;
    }
    return plan;
  },

  async deploy({ kube, deployment, options }, plan) {
    try {
      const created = await kube.createService(deployment.namespace, probeServiceManifest({ runId: options.runId }));
      deployment.createdServices.push(plan.probes.name);
      return { ...plan, probes: { ...plan.probes, clusterIP: created.spec?.clusterIP ?? '' } };
    } catch (err) {
      return { ...plan, probesProblem: `the probes Service could not be created: ${messageOf(err)}` };
    }
  },

  async settle({ kube, deployment, topology, options }, plan) {
    if (plan.probesProblem) return plan;
    const expected = topology.probes.filter((p) => p.ready && p.role !== 'host').length;
    try {
      await waitForEndpoints(kube, deployment, { service: plan.probes.name, expected, timeoutMs: 30_000, signal: options.signal });
    } catch (err) {
      options.onProgress?.(`warning: ${messageOf(err)}; Service checks may fail`);
    }
    return plan;
  },

  checks(topology, plan, options): Check[] {
    const rows: Check[] = setupRows('pod-to-service', topology);
    const nodes = probedNodes(topology);
    const backends = topology.probes.filter((p) => p.role !== 'host' && p.ready).map((p) => p.name);
    const sources = nodes.flatMap((n) => {
      const pods = podProbesOn(topology, n);
      const host = hostProbeOn(topology, n);
      return [...(options.short ? pods.slice(0, 1) : pods), ...(host ? [host] : [])];
    });
    const svc = plan.probes;
    if (plan.probesProblem) {
      rows.push({ kind: 'static', suite: 'pod-to-service', title: `service/${svc.name}`, status: 'not-run', reason: plan.probesProblem });
    } else {
      for (const source of sources) {
        const why = source.role === 'host' ? EXPECT.hostToService : EXPECT.podToService;
        for (const { protocol, payload } of VARIANTS) {
          const to = servicePeer(svc);
          rows.push({
            kind: 'network',
            suite: 'pod-to-service',
            title: `${label(source)} → service/${svc.name} ${portText(svc.port, protocol, payload)}`,
            from: peerOf(source),
            to,
            protocol,
            port: svc.port,
            family: to.family,
            payload,
            expect: why.expect,
            expectReason: why.reason,
            answer: payload === 'full' ? { kind: 'echo', bytes: FULL_PAYLOAD_BYTES[protocol] } : { kind: 'hostname', expected: backends, minDistinct: Math.min(2, backends.length) },
            drive: { via: 'dial', control: controlOf(source, topology), target: { host: svc.clusterIP, port: svc.port }, tries: payload === 'full' ? 1 : SERVICE_TRIES },
            properties: { service: svc.name },
          });
        }
      }
    }
    const api = plan.api;
    if (!api) {
      rows.push({ kind: 'static', suite: 'pod-to-service', title: 'service/kubernetes', status: 'skipped', reason: 'the `kubernetes` Service in namespace default was not found' });
    } else {
      for (const source of sources.filter((s) => s.role !== 'host')) {
        const to = servicePeer(api);
        rows.push({
          kind: 'network',
          suite: 'pod-to-service',
          title: `${label(source)} → service/kubernetes ${portText(api.port, 'tcp')}`,
          from: peerOf(source),
          to,
          protocol: 'tcp',
          port: api.port,
          family: to.family,
          payload: 'small',
          expect: EXPECT.podToApiServer.expect,
          expectReason: EXPECT.podToApiServer.reason,
          answer: { kind: 'connect' },
          drive: { via: 'dial', control: controlOf(source, topology), target: { host: api.clusterIP, port: api.port }, tries: 1 },
          properties: { service: 'kubernetes' },
        });
      }
    }
    const title = 'Service CIDR overlaps no node address or pod CIDR';
    if (!plan.serviceCIDRs?.length) {
      rows.push({ kind: 'static', suite: 'pod-to-service', title, status: 'skipped', reason: plan.serviceCIDRsUnknownReason ?? 'the Service CIDRs could not be read' });
    } else {
      const nodeAddresses = topology.nodes.flatMap((n) => n.addresses.map((address) => ({ node: n.name, address })));
      const podCIDRs = topology.nodes.flatMap((n) => n.podCIDRs.map((cidr) => ({ node: n.name, cidr })));
      const overlaps = serviceRangeOverlaps({ serviceCIDRs: plan.serviceCIDRs, nodeAddresses, podCIDRs });
      rows.push({
        kind: 'static',
        suite: 'pod-to-service',
        title: `${title} (${plan.serviceCIDRs.join(', ')})`,
        status: 'fact',
        holds: overlaps.length === 0,
        reason:
          overlaps.length === 0
            ? `Service CIDR ${plan.serviceCIDRs.join(', ')} is disjoint from ${nodeAddresses.length} node addresses and ${podCIDRs.length} pod CIDRs`
            : `Service CIDR overlaps: ${overlaps.map((o) => `${o.serviceCIDR} contains ${o.what}`).join('; ')} — traffic to those addresses would be intercepted as Service traffic`,
        properties: { 'service.cidrs': plan.serviceCIDRs.join(','), check: 'service-cidr-overlap' },
      });
    }
    return rows;
  },

  describe: (plan) => `Service ${plan.probes.name} ${plan.probes.clusterIP || '(not created)'}:${plan.probes.port}${plan.probesProblem ? ` — ${plan.probesProblem}` : ''}`,
});
