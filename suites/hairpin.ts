// hairpin — MUST: a pod reaches itself through its own Service.
// One ClusterIP Service per node whose only backend is that node's probe-a; probe-a dials the
// ClusterIP, TCP and UDP, and the answer must be its own hostname. The packet is DNATed back
// to the pod it came from, so it must leave the node's bridge through the port it came in by
// (hairpin mode on the bridge port, or a promiscuous bridge) — a classic CNI breakage.
import { awaitEndpoints, createRunService } from '../helpers/fixtures/service.ts';
import { hairpinServiceManifest } from '../helpers/probes/manifests.ts';
import { defineSuite } from '../helpers/check/suite.ts';
import type { Check, Expect } from '../helpers/check/types.ts';
import { controlOf, familyProperties, familyTag, ipIn, label, missingFamilyReason, peerOf, podProbesOn, portText, probedNodes, serviceTargets, setupRows } from '../helpers/rows.ts';
import { perNodeName, probePodName } from '../helpers/topology.ts';
import { awaitServiceProgrammed, stillRefusedNote } from '../helpers/nodeport/programmed.ts';

export const EXPECT = {
  hairpin: { expect: 'REACHABLE', reason: 'a pod reaches itself through a Service whose only backend is that pod (hairpin)' },
} as const satisfies Record<string, Expect>;

interface HairpinService {
  node: string;
  /** The one backend: probe-a of the node. */
  probe: string;
  name: string;
  clusterIP: string;
  /** spec.clusterIPs of a dual-stack Service. */
  clusterIPs?: string[];
  port: number;
  problem?: string;
  /** kube-proxy on its node still refused it after the settle's wait (stillRefusedNote). */
  programming?: string;
}

export interface HairpinPlan {
  services: HairpinService[];
}

export default defineSuite<HairpinPlan>({
  name: 'hairpin',
  order: 25,
  must: 'a pod reaches itself through a Service whose only backend is that pod, TCP and UDP, on every node',

  prepare: async ({ nodes }) => ({
    services: nodes.filter((n) => !n.skipReason).map((n) => ({ node: n.name, probe: probePodName('probe-a', n.name), name: perNodeName('hairpin', n.name), clusterIP: '', port: 80 })),
  }),

  async deploy({ kube, deployment, options }, plan) {
    const services = await Promise.all(
      plan.services.map(async (s): Promise<HairpinService> => {
        const made = await createRunService(kube, deployment, hairpinServiceManifest({ runId: options.runId, node: s.node, probe: s.probe }), { what: `the hairpin Service ${s.name}` });
        if (made.problem) return { ...s, problem: made.problem };
        return { ...s, clusterIP: made.service.clusterIP, ...(made.service.clusterIPs ? { clusterIPs: made.service.clusterIPs } : {}), port: made.service.port };
      }),
    );
    return { services };
  },

  async settle({ kube, deployment, topology, options, streams }, plan) {
    const services = await Promise.all(
      plan.services.map(async (s): Promise<HairpinService> => {
        if (s.problem || !topology.probes.some((p) => p.name === s.probe && p.ready)) return s;
        const problem = await awaitEndpoints(kube, deployment, { service: s.name, what: `the hairpin Service ${s.name}`, expected: 1, signal: options.signal });
        if (problem) return { ...s, problem };
        // kube-proxy's programming lag, looked at on the Service's own node (its host probe when there is one: not the hairpin path itself).
        const programming = stillRefusedNote(s.name, await awaitServiceProgrammed(streams, topology, s, { nodes: [s.node], signal: options.signal }));
        return programming ? { ...s, programming } : s;
      }),
    );
    return { services };
  },

  checks(topology, plan): Check[] {
    const rows: Check[] = setupRows('hairpin', topology);
    for (const node of probedNodes(topology)) {
      const svc = plan.services.find((s) => s.node === node);
      const probe = podProbesOn(topology, node).find((p) => p.name === svc?.probe);
      if (!svc || !probe) continue; // an unready probe-a has its setup row
      for (const protocol of ['tcp', 'udp'] as const)
        for (const { family, ip } of serviceTargets(svc, topology)) {
          if (!ipIn(probe, family)) continue;
          const title = `${label(probe)} → itself via its own Service ${familyTag(topology, family)}${portText(svc.port, protocol)}`;
          if (svc.problem || !ip) {
            rows.push({ kind: 'static', suite: 'hairpin', title, status: 'not-run', node, reason: svc.problem ?? missingFamilyReason(svc, family), properties: familyProperties(topology, family) });
            continue;
          }
          rows.push({
            kind: 'network',
            suite: 'hairpin',
            title,
            from: peerOf(probe, family),
            to: { kind: 'service', node, ip, family, service: svc.name },
            protocol,
            port: svc.port,
            family,
            payload: 'small',
            expect: EXPECT.hairpin.expect,
            expectReason: EXPECT.hairpin.reason,
            answer: { kind: 'hostname', expected: [probe.name] },
            drive: { via: 'probe', control: controlOf(probe), target: { host: ip, port: svc.port }, tries: 1 },
            properties: { service: svc.name, 'backend.pod': probe.name },
          });
        }
    }
    return rows;
  },

  describe: (plan) => plan.services.map((s) => `${s.name} ${s.clusterIP || '(not created)'} → ${s.probe}${s.problem ? ` (${s.problem})` : ''}${s.programming ? ` (${s.programming})` : ''}`).join('; '),
});
