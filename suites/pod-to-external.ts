// pod-to-external — MUST: every pod reaches a server outside the cluster, and that server sees a
// node's address, not the pod's (the seed: pod IPs are not routable outside the cluster, so
// traffic out leaves through the node's address — egress NAT, "masquerade").
// The server is the runner itself: for the length of the run it listens on its own address
// toward the nodes (helpers/external-server.ts), TCP and UDP. At settle each node's host probe
// asks it once for the address it saw: that is the node's own address toward the outside, and
// the address the node's pods must appear as. A node whose host network does not reach the runner
// at all (the runner is not on a network the nodes reach) gets a skipped row saying so: pod egress
// cannot be judged against a server the node itself cannot reach, so it is never a failure.
import net from 'node:net';
import pLimit from 'p-limit';
import { askFromProbe } from '../helpers/check/drivers/probe.ts';
import { withRunStreams } from '../helpers/probes/stream-broker.ts';
import { runnerAddressFor } from '../helpers/check/drivers/outside.ts';
import { defineSuite, type SuiteModule } from '../helpers/check/suite.ts';
import type { Check, Expect, IpFamily } from '../helpers/check/types.ts';
import { messageOf } from '../helpers/errors.ts';
import { startExternalServer, type ExternalServer } from '../helpers/external-server.ts';
import { ControlClient } from '../helpers/http.ts';
import { controlOf, familiesOf, familyName, familyOf, familyTag, hostProbeOn, ipIn, label, peerOf, podProbesOn, probedNodes, setupRows } from '../helpers/rows.ts';

export const EXPECT = {
  egress: { expect: 'REACHABLE', reason: "pods reach servers outside the cluster, seen there as their node's address (egress NAT)" },
  hostEgress: { expect: 'REACHABLE', reason: 'the node itself reaches the server outside the cluster (the baseline the pod rows are judged against)' },
} as const satisfies Record<string, Expect>;

export interface EgressNode {
  /** The runner's address toward this node, where the server listens. */
  server?: string;
  /**
   * That server's port. A runner with different addresses toward different nodes runs one server
   * per address, each on its own free port: a node's rows dial its own server's port.
   */
  port?: number;
  /** The address the server saw when this node's host probe asked: the node's address toward the outside. */
  seen?: string;
  /** Why this node's pods cannot be judged (the node itself does not reach the server). */
  problem?: string;
}

export interface PodToExternalPlan {
  port: number;
  nodes: Record<string, EgressNode>;
  /** A multi-family cluster: the same per node and family (the runner's address and its server's port per family). */
  families?: Partial<Record<IpFamily, { port: number; nodes: Record<string, EgressNode> }>>;
}

const REACH_TRIES = 2;
/** The title's name for the server: the same in list and run (the address and port are per run). */
export const RUNNER_TARGET = 'runner (outside the cluster)';

/** "172.28.0.11:40312" / "[fd00::b]:40312" → the address. */
const addressOf = (text: string) => text.trim().replace(/^\[?([^\]]*?)\]?:\d+$/, '$1');

/** The server on the runner's address toward each node (of one family, on a multi-family cluster), and what it sees each node as. */
async function settleFamily(
  { kube, deployment, topology, onTeardown, options, streams: runStreams }: Parameters<NonNullable<SuiteModule<PodToExternalPlan>['settle']>>[0],
  family: IpFamily | undefined,
): Promise<{ port: number; nodes: Record<string, EgressNode> }> {
  const nodes: Record<string, EgressNode> = {};
  const servers = new Map<string, ExternalServer>();
  for (const node of topology.nodes.filter((n) => !n.skipReason)) {
    const toward = family ? (node.internalIPs ?? [node.internalIP ?? '']).find((a) => a && familyOf(a) === family) : (node.internalIP ?? node.addresses[0]);
    const server = toward ? await runnerAddressFor(toward) : undefined;
    if (!server) {
      nodes[node.name] = {
        problem: `this host has no ${family ? `${familyName(family)} ` : ''}route toward ${node.name}${toward ? ` (${toward})` : ` (no ${family ? `${familyName(family)} ` : ''}node address)`}`,
      };
      continue;
    }
    const running = servers.get(server);
    if (running) {
      nodes[node.name] = { server, port: running.port };
      continue;
    }
    try {
      const s = await startExternalServer(server);
      servers.set(server, s);
      onTeardown(() => s.close());
      nodes[node.name] = { server, port: s.port };
    } catch (err) {
      nodes[node.name] = { problem: `could not listen on this host's address ${server}: ${messageOf(err)}` };
    }
  }
  const port = [...servers.values()][0]?.port ?? 0;
  // Each node's host network asks the server once (its host probe, commanded through its exec stream: the control path).
  const limit = pLimit(8);
  await withRunStreams({ kube, deployment, ...(runStreams ? { streams: runStreams } : {}) }, 8, (streams) =>
    Promise.all(
      Object.entries(nodes).map(([name, n]) =>
        limit(async () => {
          if (!n.server || n.problem) return;
          const server = servers.get(n.server);
          const host = hostProbeOn(topology, name);
          if (!server || !host || host.controlProblem) {
            n.problem = host ? `its host probe cannot be driven: ${host.controlProblem ?? 'no server'}` : `no ready host probe on ${name}`;
            return;
          }
          const { events } = await askFromProbe(
            streams,
            { control: controlOf(host), target: { host: server.address, port: server.port }, path: '/clientip' },
            { protocol: 'tcp', family: net.isIPv6(server.address) ? 'ipv6' : 'ipv4', answer: { kind: 'clientip', expected: '', client: 'node' } },
            REACH_TRIES,
          );
          const answer = events.find((e) => e.kind === 'answer');
          if (answer) n.seen = addressOf(answer.text);
          else
            n.problem = `${name}'s own host network does not reach the runner at ${server.address}:${server.port} (${events.map((e) => e.text ?? e.kind).join('; ')}): the runner is not on a network this node reaches, so its pods' egress cannot be judged against it`;
        }),
      ),
    ),
  );
  const unreached = Object.entries(nodes).filter(([, n]) => n.problem);
  if (unreached.length) options.onProgress?.(`pod-to-external: not checked from ${unreached.map(([name]) => name).join(', ')}: ${unreached[0]![1].problem}`);
  return { port, nodes };
}

export default defineSuite<PodToExternalPlan>({
  name: 'pod-to-external',
  order: 17,
  must: "every pod reaches a server outside the cluster (the runner), TCP and UDP, and the server sees its node's address, not the pod's",
  hostProbesAtSettle: "each node's host network asks the server once: the address it is seen as is what that node's pods must appear as",

  prepare: async () => ({ port: 0, nodes: {} }),

  async settle(ctx, plan) {
    const families = familiesOf(ctx.topology);
    if (families.length < 2) return { ...plan, ...(await settleFamily(ctx, undefined)) };
    const per: NonNullable<PodToExternalPlan['families']> = {};
    for (const family of families) per[family] = await settleFamily(ctx, family);
    return { ...plan, ...per[families[0]!]!, families: per };
  },

  checks(topology, plan, options): Check[] {
    const rows: Check[] = setupRows('pod-to-external', topology);
    for (const node of probedNodes(topology)) {
      const host = hostProbeOn(topology, node);
      const pods = podProbesOn(topology, node);
      const sources = [...(options.short ? pods.slice(0, 1) : pods), ...(host ? [host] : [])];
      for (const source of sources) {
        for (const protocol of ['tcp', 'udp'] as const)
          for (const family of familiesOf(topology)) {
            if (!ipIn(source, family)) continue;
            const multi = familiesOf(topology).length > 1;
            const fam = multi ? plan.families?.[family] : { port: plan.port, nodes: plan.nodes };
            // Before settle (list) nothing is known yet: the rows a run would make.
            const egress: EgressNode = fam?.nodes[node] ?? {};
            const port = egress.port ?? fam?.port ?? plan.port;
            const title = `${label(source)} → ${RUNNER_TARGET} ${familyTag(topology, family)}${protocol}`;
            if (egress.problem) {
              rows.push({ kind: 'static', suite: 'pod-to-external', title, status: 'skipped', node, reason: egress.problem, ...(multi ? { properties: { ipFamily: family } } : {}) });
              continue;
            }
            const server = egress.server ?? (family === 'ipv6' ? '<runner-ip::6>' : '');
            const seen = egress.seen ?? '<node address>';
            const isHost = source.role === 'host';
            const expectation = isHost ? EXPECT.hostEgress : EXPECT.egress;
            rows.push({
              kind: 'network',
              suite: 'pod-to-external',
              title,
              from: peerOf(source, family),
              to: { kind: 'runner', node: '', ip: server, family },
              protocol,
              port,
              family,
              payload: 'small',
              expect: expectation.expect,
              expectReason: expectation.reason,
              answer: {
                kind: 'clientip',
                expected: seen,
                client: `node ${node}`,
                otherwise: isHost
                  ? 'the node reaches the outside from another address than it did at setup'
                  : "the pod's traffic did not leave through its node's address (egress NAT missing: a pod IP is not routable outside the cluster)",
              },
              drive: { via: 'probe', control: controlOf(source), target: { host: server, port }, tries: 1, path: '/clientip' },
              properties: { 'egress.seenAs': seen },
            });
          }
      }
    }
    return rows;
  },

  describe: (plan) => {
    const nodes = Object.entries(plan.nodes);
    const servers = [...new Set(nodes.flatMap(([, n]) => (n.server ? [`${n.server}:${n.port ?? plan.port}`] : [])))];
    const seen = nodes.filter(([, n]) => n.seen).map(([name, n]) => `${name} as ${n.seen}`);
    const problems = nodes.filter(([, n]) => n.problem).map(([name]) => name);
    return `server on this host at ${servers.join(', ') || '(none)'}; nodes seen ${seen.join(', ') || '(none)'}${problems.length ? `; not checked from ${problems.join(', ')}` : ''}`;
  },
});
