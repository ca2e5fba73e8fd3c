// session-affinity — MUST: sessionAffinity: ClientIP keeps one client on one backend.
// A ClusterIP Service over every pod probe with sessionAffinity ClientIP; every pod probe and
// every node's host network sends several requests in one go (TCP and UDP), and every answer
// of one client must name the same backend (a real one).
import { awaitEndpoints, createRunService, plannedService } from '../helpers/fixtures/service.ts';
import { affinityServiceManifest } from '../helpers/probes/manifests.ts';
import { defineSuite } from '../helpers/check/suite.ts';
import type { Check, Expect } from '../helpers/check/types.ts';
import {
  controlOf,
  familyProperties,
  familyTag,
  hostProbeOn,
  ipIn,
  label,
  missingFamilyReason,
  notRunRows,
  peerOf,
  podProbesOn,
  portText,
  probedNodes,
  serviceTargets,
  setupRows,
} from '../helpers/rows.ts';
import type { ServiceInfo } from '../helpers/topology.ts';
import { awaitServiceProgrammed, stillRefusedNote } from '../helpers/nodeport/programmed.ts';

export const EXPECT = {
  affinity: { expect: 'REACHABLE', reason: 'sessionAffinity: ClientIP sends every request of one client to the same ready backend' },
} as const satisfies Record<string, Expect>;

/** Requests per row: with 6 backends, a proxy ignoring affinity lands them all on one with odds 6⁻⁵. */
export const AFFINITY_TRIES = 6;

export interface AffinityPlan {
  service: ServiceInfo;
  problem?: string;
  /** kube-proxy still refused the Service on some nodes after the settle's wait (stillRefusedNote). */
  programming?: string;
}

export default defineSuite<AffinityPlan>({
  name: 'session-affinity',
  order: 26,
  must: 'a Service with sessionAffinity: ClientIP sends every request of one client to one backend, TCP and UDP, from every pod and node',

  prepare: async ({ options }) => ({ service: plannedService(affinityServiceManifest({ runId: options.runId })) }),

  async deploy({ kube, deployment, options }, plan) {
    const made = await createRunService(kube, deployment, affinityServiceManifest({ runId: options.runId }), { what: 'the affinity Service' });
    return { ...plan, service: made.service, ...(made.problem ? { problem: made.problem } : {}) };
  },

  async settle({ kube, deployment, topology, options, streams }, plan) {
    if (plan.problem) return plan;
    const expected = topology.probes.filter((p) => p.ready && p.role !== 'host').length;
    // A setup problem (the endpoint controller never published the probes), not a network verdict: the rows are not run.
    const problem = await awaitEndpoints(kube, deployment, { service: plan.service.name, what: 'the affinity Service', expected, signal: options.signal });
    if (problem) return { ...plan, problem };
    // kube-proxy's programming lag after the endpoints (helpers/nodeport/programmed.ts).
    const programming = stillRefusedNote(plan.service.name, await awaitServiceProgrammed(streams, topology, plan.service, { signal: options.signal }));
    return programming ? { ...plan, programming } : plan;
  },

  checks(topology, plan, options): Check[] {
    const rows: Check[] = setupRows('session-affinity', topology);
    const svc = plan.service;
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
            // The first request alone (it records the client's backend), then the rest at once: each
            // must find that backend, and a backend cut off costs two timeouts, not six.
            drive: { via: 'probe', control: controlOf(source), target: { host: ip, port: svc.port }, tries: AFFINITY_TRIES, concurrent: 'after-first' },
            properties: { service: svc.name, sessionAffinity: 'ClientIP' },
          });
        }
    }
    return plan.problem ? notRunRows(rows, plan.problem, { topology }) : rows;
  },

  describe: (plan) =>
    `Service ${plan.service.name} ${plan.service.clusterIP || '(not created)'}:${plan.service.port} (sessionAffinity ClientIP)${plan.problem ? ` — ${plan.problem}` : ''}${plan.programming ? `; ${plan.programming}` : ''}`,
});
