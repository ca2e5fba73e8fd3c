// pod-to-node — MUST: every pod reaches the host network of every node.
// Every pod probe asks the host-network probe of every node (its own node included) on the
// node's address, TCP (HTTP) and UDP, and the answer is that host probe's own name (its fixed
// answer). Kubelet metrics, node-local agents and hostNetwork Services are reached this way; an
// INPUT firewall on a node that drops the pod range breaks exactly these rows and none of
// pod-to-pod. A host probe's UDP answer leaves from whatever address its route to the pod picks
// (the bridge's on the same node, an overlay device's across nodes), so the pod takes the answer
// from any address: the name in it says who answered.
import { defineSuite } from '../helpers/check/suite.ts';
import type { Check, Expect, IpFamily } from '../helpers/check/types.ts';
import { controlOf, familiesOf, familyOf, familyProperties, familyTag, ipIn, label, peerOf, podProbesOn, probedNodes, setupRows } from '../helpers/rows.ts';
import type { ProbePod, Topology } from '../helpers/topology.ts';

/** Whether a node has an address of the family (its InternalIPs; a node that lists none is taken to have every family of the cluster). */
function nodeHasFamily(topology: Topology, node: string, family: IpFamily): boolean {
  const n = topology.nodes.find((x) => x.name === node);
  const ips = n?.internalIPs ?? (n?.internalIP ? [n.internalIP] : []);
  return ips.length === 0 || ips.some((ip) => familyOf(ip) === family);
}

export const EXPECT = {
  podToNode: { expect: 'REACHABLE', reason: 'pods reach the host network of every node (node addresses), TCP and UDP' },
} as const satisfies Record<string, Expect>;

export default defineSuite<Record<string, never>>({
  name: 'pod-to-node',
  order: 15,
  must: "every pod reaches the host network of every node (its address, TCP and UDP), with that node's host probe answering",

  prepare: async () => ({}),

  checks(topology, _plan, options): Check[] {
    const rows: Check[] = setupRows('pod-to-node', topology);
    const nodes = probedNodes(topology);
    // Every ready host probe is a target; one whose identity could not be read (no name, node or
    // address) gets its rows not run with that reason: its answer cannot be told from another's.
    const targets = nodes.flatMap((n) => topology.probes.filter((p) => p.node === n && p.role === 'host' && p.ready));
    const unknown = (t: ProbePod) => t.identityProblem ?? (t.ip ? undefined : `the address of host probe ${t.name} on ${t.node} could not be read (status.podIP missing)`);
    for (const fromNode of nodes) {
      const sources = podProbesOn(topology, fromNode);
      for (const source of options.short ? sources.slice(0, 1) : sources) {
        for (const target of targets) {
          for (const protocol of ['tcp', 'udp'] as const)
            for (const family of familiesOf(topology)) {
              // The host port is picked per run (helpers/probes/host-ports.ts): the title names the protocol only, so list and run agree.
              const title = `${label(source)} → ${target.node}/host ${familyTag(topology, family)}host-port/${protocol}`;
              const problem = unknown(target);
              if (problem) {
                if (!ipIn(source, family) || !nodeHasFamily(topology, target.node, family)) continue;
                rows.push({ kind: 'static', suite: 'pod-to-node', title, status: 'not-run', node: target.node, reason: problem, properties: familyProperties(topology, family) });
                continue;
              }
              if (!ipIn(source, family) || !ipIn(target, family)) continue;
              const port = protocol === 'tcp' ? topology.ports.hostHttp : topology.ports.hostUdp;
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
                answer: { kind: 'hostname', expected: [target.name] },
                drive: { via: 'probe', control: controlOf(source), target: { host: to.ip, port }, tries: 1, ...(protocol === 'udp' ? { anySource: true } : {}) },
              });
            }
        }
      }
    }
    return rows;
  },

  describe: () => 'host probes answer with their own pod names',
});
