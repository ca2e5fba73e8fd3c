// pod-to-node — MUST: every pod reaches the host network of every node.
// Every pod probe dials the host-network probe of every node (its own node included) on the
// node's address, TCP (HTTP to netexec) and UDP, and the answer is that host probe's own
// hostname (asked once at settle through the API server's pod proxy). Kubelet metrics,
// node-local agents and hostNetwork Services are reached this way; an INPUT firewall on a
// node that drops the pod range breaks exactly these rows and none of pod-to-pod.
import pLimit from 'p-limit';
import { defineSuite } from '../helpers/check/suite.ts';
import type { Check, Expect } from '../helpers/check/types.ts';
import { messageOf } from '../helpers/errors.ts';
import { ControlClient } from '../helpers/http.ts';
import { controlOf, familiesOf, familyTag, ipIn, label, peerOf, podProbesOn, probedNodes, setupRows } from '../helpers/rows.ts';
import type { ProbePod } from '../helpers/topology.ts';

export const EXPECT = {
  podToNode: { expect: 'REACHABLE', reason: 'pods reach the host network of every node (node addresses), TCP and UDP' },
} as const satisfies Record<string, Expect>;

export interface PodToNodePlan {
  /** Node name → the hostname its host-network probe answers with (learned at settle). */
  hostnames: Record<string, string>;
  /** Node name → why its host probe's hostname could not be learned. */
  problems: Record<string, string>;
}

const HOSTNAME_TIMEOUT_MS = 10_000;

/** GET /hostname of a host-network probe through the API server's pod proxy (the control path, not the data path). */
async function hostnameOf(control: ControlClient, namespace: string, probe: ProbePod, port: number): Promise<string> {
  const answer = await control.get(`/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(probe.name)}:${port}/proxy/hostname`, {
    timeoutMs: HOSTNAME_TIMEOUT_MS,
    what: `the hostname of host probe ${probe.name}`,
  });
  const text = answer.body.trim();
  if (answer.status !== 200 || !text) throw new Error(`the pod proxy answered HTTP ${answer.status}: ${text.slice(0, 200) || '(empty)'}`);
  return text;
}

export default defineSuite<PodToNodePlan>({
  name: 'pod-to-node',
  order: 15,
  must: "every pod reaches the host network of every node (its address, TCP and UDP), with that node's host probe answering",

  prepare: async () => ({ hostnames: {}, problems: {} }),

  async settle({ kube, deployment, topology }, plan) {
    const hostnames: Record<string, string> = {};
    const problems: Record<string, string> = {};
    const control = new ControlClient(await kube.controlTransport(), { concurrency: 8 });
    const limit = pLimit(8);
    try {
      await Promise.all(
        topology.probes
          .filter((p) => p.role === 'host' && p.ready && !p.controlProblem)
          .map((p) =>
            limit(async () => {
              try {
                hostnames[p.node] = await hostnameOf(control, deployment.namespace, p, topology.ports.hostHttp);
              } catch (err) {
                problems[p.node] = `could not ask host probe ${p.name} for its hostname: ${messageOf(err)}`;
              }
            }),
          ),
      );
    } finally {
      kube.requests += control.requests;
      await control.close();
    }
    return { ...plan, hostnames, problems };
  },

  checks(topology, plan, options): Check[] {
    const rows: Check[] = setupRows('pod-to-node', topology);
    const nodes = probedNodes(topology);
    const targets = nodes.flatMap((n) => topology.probes.filter((p) => p.node === n && p.role === 'host' && p.ready && p.ip));
    for (const fromNode of nodes) {
      const sources = podProbesOn(topology, fromNode);
      for (const source of options.short ? sources.slice(0, 1) : sources) {
        for (const target of targets) {
          for (const protocol of ['tcp', 'udp'] as const)
            for (const family of familiesOf(topology)) {
              if (!ipIn(source, family) || !ipIn(target, family)) continue;
              const port = protocol === 'tcp' ? topology.ports.hostHttp : topology.ports.hostUdp;
              // The host port is picked per run (helpers/host-ports.ts): the title names the protocol only, so list and run agree.
              const title = `${label(source)} → ${target.node}/host ${familyTag(topology, family)}host-port/${protocol}`;
              const problem = plan.problems?.[target.node];
              if (problem) {
                rows.push({ kind: 'static', suite: 'pod-to-node', title, status: 'not-run', node: target.node, reason: problem });
                continue;
              }
              const to = peerOf(target, family);
              rows.push({
                kind: 'network',
                suite: 'pod-to-node',
                title,
                from: peerOf(source, family),
                to,
                protocol,
                port,
                family: to.family,
                payload: 'small',
                expect: EXPECT.podToNode.expect,
                expectReason: EXPECT.podToNode.reason,
                // Before settle (list) the hostname is not known yet; the title does not depend on it.
                answer: { kind: 'hostname', expected: [plan.hostnames?.[target.node] ?? '<hostname>'] },
                drive: { via: 'dial', control: controlOf(source, topology), target: { host: to.ip, port }, tries: 1 },
                properties: { 'target.hostname': plan.hostnames?.[target.node] ?? '' },
              });
            }
        }
      }
    }
    return rows;
  },

  describe: (plan) => {
    const names = [...new Set(Object.values(plan.hostnames))];
    const problems = Object.values(plan.problems);
    return `host probes answer as ${names.join(', ') || '(none)'}${names.length === 1 && Object.keys(plan.hostnames).length > 1 ? ' (the nodes share one hostname: an answer proves a host probe answered on the address dialled)' : ''}${problems.length ? `; ${problems.join('; ')}` : ''}`;
  },
});
