// session-affinity — MUST: sessionAffinity: ClientIP keeps one client on one backend.
// A ClusterIP Service over every pod probe with sessionAffinity ClientIP; every pod probe and
// every node's host network sends several requests in one go (TCP and UDP), and every answer
// of one client must name the same backend (a real one).
import { waitForEndpoints } from '../helpers/probes/deploy.ts';
import { messageOf } from '../helpers/errors.ts';
import { affinityServiceManifest } from '../helpers/probes/manifests.ts';
import { defineSuite } from '../helpers/check/suite.ts';
import type { Check, Expect } from '../helpers/check/types.ts';
import { controlOf, familyProperties, familyTag, hostProbeOn, ipIn, label, missingFamilyReason, peerOf, podProbesOn, portText, probedNodes, serviceTargets, setupRows } from '../helpers/rows.ts';
import type { ServiceInfo } from '../helpers/topology.ts';

export const EXPECT = {
  affinity: { expect: 'REACHABLE', reason: 'sessionAffinity: ClientIP sends every request of one client to the same ready backend' },
} as const satisfies Record<string, Expect>;

/** Requests per row: with 6 backends, a proxy ignoring affinity lands them all on one with odds 6⁻⁵. */
export const AFFINITY_TRIES = 6;

export interface AffinityPlan {
  service: ServiceInfo;
  problem?: string;
}

export default defineSuite<AffinityPlan>({
  name: 'session-affinity',
  order: 26,
  must: 'a Service with sessionAffinity: ClientIP sends every request of one client to one backend, TCP and UDP, from every pod and node',

  prepare: async ({ options }) => {
    const m = affinityServiceManifest({ runId: options.runId });
    return { service: { name: m.metadata!.name!, clusterIP: '', port: m.spec?.ports?.[0]?.port ?? 80 } };
  },

  async deploy({ kube, deployment, options }, plan) {
    try {
      const created = await kube.createService(deployment.namespace, affinityServiceManifest({ runId: options.runId }));
      deployment.createdServices.push(plan.service.name);
      const clusterIPs = created.spec?.clusterIPs ?? [];
      return { ...plan, service: { ...plan.service, clusterIP: created.spec?.clusterIP ?? '', ...(clusterIPs.length > 1 ? { clusterIPs } : {}) } };
    } catch (err) {
      return { ...plan, problem: `the Service ${plan.service.name} could not be created: ${messageOf(err)}` };
    }
  },

  async settle({ kube, deployment, topology, options }, plan) {
    if (plan.problem) return plan;
    const expected = topology.probes.filter((p) => p.ready && p.role !== 'host').length;
    try {
      await waitForEndpoints(kube, deployment, { service: plan.service.name, expected, timeoutMs: 30_000, signal: options.signal });
    } catch (err) {
      // A setup problem (the endpoint controller never published the probes), not a network verdict: the rows are not run.
      return { ...plan, problem: `the affinity Service's endpoints never all appeared: ${messageOf(err)}` };
    }
    return plan;
  },

  checks(topology, plan, options): Check[] {
    const rows: Check[] = setupRows('session-affinity', topology);
    const svc = plan.service;
    if (plan.problem) return [...rows, { kind: 'static', suite: 'session-affinity', title: `service/${svc.name}`, status: 'not-run', reason: plan.problem }];
    const backends = topology.probes.filter((p) => p.role !== 'host' && p.ready).map((p) => p.name);
    const sources = probedNodes(topology).flatMap((n) => {
      const pods = podProbesOn(topology, n);
      const host = hostProbeOn(topology, n);
      return [...(options.short ? pods.slice(0, 1) : pods), ...(host ? [host] : [])];
    });
    for (const source of sources) {
      for (const protocol of ['tcp', 'udp'] as const)
        for (const { family, ip } of serviceTargets(svc, topology)) {
          if (!ipIn(source, family)) continue;
          const title = `${label(source)} → service/${svc.name} ${familyTag(topology, family)}${portText(svc.port, protocol)} (${AFFINITY_TRIES} requests, one backend)`;
          if (!ip) {
            rows.push({
              kind: 'static',
              suite: 'session-affinity',
              title,
              status: 'not-run',
              node: source.node,
              reason: missingFamilyReason(svc, family),
              properties: familyProperties(topology, family),
            });
            continue;
          }
          rows.push({
            kind: 'network',
            suite: 'session-affinity',
            title,
            from: peerOf(source, family),
            to: { kind: 'service', node: '', ip, family, service: svc.name },
            protocol,
            port: svc.port,
            family,
            payload: 'small',
            expect: EXPECT.affinity.expect,
            expectReason: EXPECT.affinity.reason,
            answer: { kind: 'hostname', expected: backends, maxDistinct: 1 },
            drive: { via: 'probe', control: controlOf(source), target: { host: ip, port: svc.port }, tries: AFFINITY_TRIES },
            properties: { service: svc.name, sessionAffinity: 'ClientIP' },
          });
        }
    }
    return rows;
  },

  describe: (plan) => `Service ${plan.service.name} ${plan.service.clusterIP || '(not created)'}:${plan.service.port} (sessionAffinity ClientIP)${plan.problem ? ` — ${plan.problem}` : ''}`,
});
