// pod-to-service — MUST: Service VIPs are intercepted on every node and reach only real backends.
// A ClusterIP Service over every pod probe answers from every pod and from the host network of
// every node, TCP and UDP, only from its real backends and spreading over more than one; every
// pod reaches the API server through the `kubernetes` Service VIP; the Service CIDR overlaps no
// node address and no pod CIDR. On a dual-stack cluster the probes Service is dual-stack
// (ipFamilyPolicy in its manifest) and every row is made once per ClusterIP (spec.clusterIPs),
// from sources that have an IP of that family; the overlap fact is one row per family.
import { serviceRangeOverlaps } from '../helpers/cidr.ts';
import { awaitEndpoints, createRunService, plannedService } from '../helpers/fixtures/service.ts';
import { messageOf } from '../helpers/errors.ts';
import { probeServiceManifest } from '../helpers/probes/manifests.ts';
import { defineSuite } from '../helpers/check/suite.ts';
import type { Check, Expect, IpFamily, Peer } from '../helpers/check/types.ts';
import {
  controlOf,
  familiesOf,
  familyName,
  familyOf,
  familyProperties,
  familyTag,
  FULL_PAYLOAD_BYTES,
  hostProbeOn,
  ipIn,
  label,
  missingFamilyReason,
  notRunRows,
  peerOf,
  podProbesOn,
  portText,
  probedNodes,
  serviceIPs,
  serviceTargets,
  setupRows,
  VARIANTS,
} from '../helpers/rows.ts';
import type { Topology } from '../helpers/topology.ts';
import type { ServiceInfo } from '../helpers/topology.ts';
import { awaitServiceProgrammed, stillRefusedNote } from '../helpers/nodeport/programmed.ts';

/** The probes Service's full-size port (manifests/services.yaml): to the probes' full-size ports, a body larger than one MTU. */
export const FULL_SERVICE_PORT = 81;

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
  /** kube-proxy still refused the probes Service on some nodes after the settle's wait (stillRefusedNote). */
  programming?: string;
  api?: ServiceInfo;
  serviceCIDRs?: string[];
  serviceCIDRsUnknownReason?: string;
}

const servicePeer = (svc: ServiceInfo, ip: string): Peer => ({ kind: 'service', node: '', ip, family: familyOf(ip), service: svc.name });

/** A Service's ClusterIPs, one per family of the cluster. */
const serviceIPsIn = (svc: ServiceInfo, topology: Topology): string[] => serviceIPs(svc).filter((ip) => familiesOf(topology).includes(familyOf(ip)));

/** The cluster's Service CIDRs of one family (ServiceCIDR objects; all of them on a single-family cluster). */
const cidrsOf = (cidrs: string[], family: IpFamily): string[] => cidrs.filter((c) => familyOf(c) === family);

const OVERLAP_TITLE = 'Service CIDR overlaps no node address or pod CIDR';

/** The Service-CIDR overlap fact: one row on a single-family cluster, one per family on a dual-stack one. */
function overlapRows(topology: Topology, plan: PodToServicePlan): Check[] {
  const families = familiesOf(topology);
  return families.map((family): Check => {
    const tag = families.length > 1 ? `${familyName(family)} ` : '';
    const familyProps: Record<string, string> = families.length > 1 ? { ipFamily: family } : {};
    const cidrs = families.length > 1 ? cidrsOf(plan.serviceCIDRs ?? [], family) : (plan.serviceCIDRs ?? []);
    if (!cidrs.length) {
      const reason = plan.serviceCIDRs?.length
        ? `the cluster has no ${familyName(family)} ServiceCIDR (it has ${plan.serviceCIDRs.join(', ')})`
        : (plan.serviceCIDRsUnknownReason ?? 'the Service CIDRs could not be read');
      return { kind: 'static', suite: 'pod-to-service', title: `${tag}${OVERLAP_TITLE}`, status: 'skipped', reason, ...(families.length > 1 ? { properties: familyProps } : {}) };
    }
    const nodeAddresses = topology.nodes.flatMap((n) => n.addresses.map((address) => ({ node: n.name, address })));
    const podCIDRs = topology.nodes.flatMap((n) => n.podCIDRs.map((cidr) => ({ node: n.name, cidr })));
    const same = families.length > 1 ? { a: nodeAddresses.filter((a) => familyOf(a.address) === family), p: podCIDRs.filter((c) => familyOf(c.cidr) === family) } : { a: nodeAddresses, p: podCIDRs };
    const overlaps = serviceRangeOverlaps({ serviceCIDRs: cidrs, nodeAddresses: same.a, podCIDRs: same.p });
    return {
      kind: 'static',
      suite: 'pod-to-service',
      title: `${tag}${OVERLAP_TITLE} (${cidrs.join(', ')})`,
      status: 'fact',
      holds: overlaps.length === 0,
      reason:
        overlaps.length === 0
          ? `Service CIDR ${cidrs.join(', ')} is disjoint from ${same.a.length} node addresses and ${same.p.length} pod CIDRs`
          : `Service CIDR overlaps: ${overlaps.map((o) => `${o.serviceCIDR} contains ${o.what}`).join('; ')} — traffic to those addresses would be intercepted as Service traffic`,
      properties: { 'service.cidrs': cidrs.join(','), check: 'service-cidr-overlap', ...familyProps },
    };
  });
}

export default defineSuite<PodToServicePlan>({
  name: 'pod-to-service',
  order: 20,
  must: 'Service VIPs answer from every pod and every node, TCP and UDP, only from real backends; every pod reaches the API server through the kubernetes Service; the Service CIDR overlaps no node or pod network',

  async prepare({ kube, options }) {
    const plan: PodToServicePlan = { probes: plannedService(probeServiceManifest({ runId: options.runId })) };
    const api = await kube.readService('default', 'kubernetes');
    if (api?.spec?.clusterIP)
      plan.api = { name: 'kubernetes', clusterIP: api.spec.clusterIP, ...(api.spec.clusterIPs?.length ? { clusterIPs: api.spec.clusterIPs } : {}), port: api.spec.ports?.[0]?.port ?? 443 };
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
    const made = await createRunService(kube, deployment, probeServiceManifest({ runId: options.runId }), { what: 'the probes Service' });
    return { ...plan, probes: made.service, ...(made.problem ? { probesProblem: made.problem } : {}) };
  },

  async settle({ kube, deployment, topology, options, streams }, plan) {
    if (plan.probesProblem) return plan;
    const expected = topology.probes.filter((p) => p.ready && p.role !== 'host').length;
    // A setup problem (the endpoint controller never published the probes), not a network verdict: the rows are not run.
    const problem = await awaitEndpoints(kube, deployment, { service: plan.probes.name, what: 'the probes Service', expected, signal: options.signal });
    if (problem) return { ...plan, probesProblem: problem };
    // kube-proxy's programming lag after the endpoints (helpers/nodeport/programmed.ts).
    const programming = stillRefusedNote(plan.probes.name, await awaitServiceProgrammed(streams, topology, plan.probes, { signal: options.signal }));
    return programming ? { ...plan, programming } : plan;
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
    for (const source of sources) {
      const why = source.role === 'host' ? EXPECT.hostToService : EXPECT.podToService;
      for (const { protocol, payload } of VARIANTS)
        for (const { family, ip } of serviceTargets(svc, topology)) {
          if (!ipIn(source, family)) continue;
          const port = payload === 'full' ? FULL_SERVICE_PORT : svc.port;
          const title = `${label(source)} → service/${svc.name} ${familyTag(topology, family)}${portText(port, protocol, payload)}`;
          if (!ip) {
            rows.push({
              kind: 'static',
              suite: 'pod-to-service',
              title,
              status: 'not-run',
              node: source.node,
              reason: missingFamilyReason(svc, family),
              properties: familyProperties(topology, family),
            });
            continue;
          }
          const to = servicePeer(svc, ip);
          rows.push({
            kind: 'network',
            suite: 'pod-to-service',
            title,
            from: peerOf(source, to.family),
            to,
            protocol,
            port,
            family: to.family,
            payload,
            expect: why.expect,
            expectReason: why.reason,
            answer: payload === 'full' ? { kind: 'echo', bytes: FULL_PAYLOAD_BYTES[protocol] } : { kind: 'hostname', expected: backends, minDistinct: Math.min(2, backends.length) },
            // The tries at once: each a new connection the Service places anew (their order means
            // nothing), and where a backend is cut off they cost one timeout, not one each.
            drive: { via: 'probe', control: controlOf(source), target: { host: ip, port }, ...(payload === 'full' ? { tries: 1 } : { tries: SERVICE_TRIES, concurrent: 'all' as const }) },
            properties: { service: svc.name },
          });
        }
    }
    const api = plan.api;
    if (!api) {
      rows.push({ kind: 'static', suite: 'pod-to-service', title: 'service/kubernetes', status: 'skipped', reason: 'the `kubernetes` Service in namespace default was not found' });
    } else {
      // The kubernetes Service is single-stack on most dual-stack clusters: rows for the families it has.
      for (const source of sources.filter((s) => s.role !== 'host'))
        for (const ip of serviceIPsIn(api, topology)) {
          const to = servicePeer(api, ip);
          if (!ipIn(source, to.family)) continue;
          rows.push({
            kind: 'network',
            suite: 'pod-to-service',
            title: `${label(source)} → service/kubernetes ${familyTag(topology, to.family)}${portText(api.port, 'tcp')}`,
            from: peerOf(source, to.family),
            to,
            protocol: 'tcp',
            port: api.port,
            family: to.family,
            payload: 'small',
            expect: EXPECT.podToApiServer.expect,
            expectReason: EXPECT.podToApiServer.reason,
            answer: { kind: 'connect' },
            drive: { via: 'probe', control: controlOf(source), target: { host: ip, port: api.port }, tries: 1 },
            properties: { service: 'kubernetes' },
          });
        }
    }
    rows.push(...overlapRows(topology, plan));
    // The probes Service could not be created or never got its endpoints: its rows are not run (the kubernetes Service's and the fact stay).
    return plan.probesProblem ? notRunRows(rows, plan.probesProblem, { topology, depends: (r) => r.properties?.['service'] === svc.name }) : rows;
  },

  describe: (plan) =>
    `Service ${plan.probes.name} ${plan.probes.clusterIP || '(not created)'}:${plan.probes.port}${plan.probesProblem ? ` — ${plan.probesProblem}` : ''}${plan.programming ? `; ${plan.programming}` : ''}`,
});
