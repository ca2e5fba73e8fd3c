// ports — MUST: the ports the cluster needs are open between the right nodes, and the ones that
// must be closed are not reachable.
// A port profile (--profile: kubeadm by default, seed-2017, or a YAML file) says, per rule, which
// node role reaches which role on which port/protocol, open or closed; rules for CNI add-ons
// apply to the add-ons detected in the cluster, and `apiserver` is the port of the kubernetes
// endpoints. Each row runs from the host-network probe on the source node to the target node's
// address (a bare connect by the probe's bash: probes/connect-client.ts). A must-be-open port nothing listens on gets a temporary listener
// at settle, so the verdict proves the firewall; VXLAN's kernel-owned port is judged from pod
// traffic; ranges are sampled at both ends and one port inside; each row says how its verdict
// was obtained (properties verdictSource, sample).
import pLimit from 'p-limit';
import { withRunStreams } from '../helpers/probes/stream-broker.ts';
import { defineSuite } from '../helpers/check/suite.ts';
import type { Check, Expect, NetworkCheck } from '../helpers/check/types.ts';
import { awaitProgrammed, lookFromNode } from '../helpers/nodeport/programmed.ts';
import { ensureListener } from '../helpers/ports/listeners.ts';
import { describePortsPlan, shortSample } from '../helpers/ports/rows.ts';
import { readPortsPlan } from '../helpers/ports/setup.ts';
import { listenerKey, type ListenerVerdict, type PortsPlan } from '../helpers/ports/types.ts';
import { expandRules, portRowProperties, type PortRow } from '../helpers/ports/rules.ts';
import { familyOf, skippedNodeRows } from '../helpers/rows.ts';
import type { Topology } from '../helpers/topology.ts';
import type { NodePortTopology } from '../helpers/nodeport/types.ts';
import { samplePortRange, type PortSample } from '../helpers/ports/sampling.ts';

export const EXPECT = {
  open: { expect: 'REACHABLE', reason: 'the profile says this port must be open between these nodes' },
  closed: { expect: 'CLOSED', reason: 'the profile says this port must not be reachable between these nodes (refused or filtered)' },
  openNoListener: {
    expect: 'DELIVERED',
    reason: 'the profile says this port must be open; nothing listens and no temporary listener could start, so packets arriving (connected or refused) is what can be shown',
  },
} as const satisfies Record<string, Expect>;

export const DEFAULT_PROFILE = 'kubeadm';
function hostProbe(topology: Topology, node: string) {
  return topology.probes.find((p) => p.role === 'host' && p.node === node);
}

/** A profile may name a CNI port outright (seed-2017: "8472/udp when flannel/vxlan"): if the detected CNI's kernel owns it, it is judged from pod traffic. */
function kernelOwned(row: PortRow, plan: PortsPlan): boolean {
  return Boolean(row.kernelOwned) || plan.cni.some((c) => c.ports.some((p) => p.kernelOwned && p.port === row.port && p.protocol === row.protocol));
}

/**
 * The NodePort range is checked on the NodePorts this run's nodeport Services hold: when another
 * client (a concurrent run) holds an end, this run's Services sit next to it, and the other
 * client's port may close mid-run.
 */
export function ownNodePortSample(topology: Pick<Topology, 'plans'>): (range: { low: number; high: number }) => PortSample | undefined {
  const np = topology.plans['nodeport'] as NodePortTopology | undefined;
  const held = np && !np.error ? [...new Set(np.services.find((s) => s.policy === 'Cluster')?.ports.map((p) => p.nodePort) ?? [])].sort((a, b) => a - b) : [];
  return (range) => {
    if (!np || np.range.low !== range.low || np.range.high !== range.high || held.length === 0) return undefined;
    const plain = samplePortRange(range);
    if (plain.ports.join() === held.join()) return undefined;
    return {
      ports: held,
      sampled: true,
      note: `sampled ${held.length} of ${range.high - range.low + 1} ports of ${range.low}-${range.high}: ${held.join(', ')}, the NodePorts this run's Services hold (${plain.ports.filter((p) => !held.includes(p)).join(', ')} held by another client)`,
    };
  };
}

function expandedRows(plan: PortsPlan, rangeSample?: (range: { low: number; high: number }) => PortSample | undefined): { rows: PortRow[]; statics: Check[] } {
  const statics: Check[] = [];
  const nodes = plan.nodes.filter((n) => {
    if (n.address) return true;
    statics.push({
      kind: 'static',
      suite: 'ports',
      title: `node ${n.name} (no ${plan.addressType})`,
      status: 'skipped',
      node: n.name,
      reason: `node ${n.name} has no ${plan.addressType} address; pass --node-address-type`,
    });
    return false;
  });
  try {
    // One expansion per IP family of the nodes' addresses (profiles are family-neutral unless a rule says `family:`).
    const addressesOf = (n: (typeof nodes)[number]) => n.addresses ?? [n.address!];
    const found = (['ipv4', 'ipv6'] as const).filter((f) => nodes.some((n) => addressesOf(n).some((a) => familyOf(a) === f)));
    const perFamily = (found.length ? found : (['ipv4'] as const)).map((family) =>
      expandRules({
        profile: plan.profile,
        nodes: nodes.flatMap((n) =>
          addressesOf(n)
            .filter((a) => familyOf(a) === family)
            .map((address) => ({ name: n.name, address, labels: n.labels })),
        ),
        cni: plan.cni,
        apiServerPort: plan.apiServerPort,
        rangeSample,
        family,
      }),
    );
    const skipped = [...new Map(perFamily.flatMap((e) => e.skipped).map((s) => [s.rule.source, s])).values()];
    const expanded = { rows: perFamily.flatMap((e) => e.rows), skipped };
    for (const s of expanded.skipped) {
      statics.push({
        kind: 'static',
        suite: 'ports',
        title: `rule ${s.rule.source}: ${s.rule.from} → ${s.rule.to} ${s.rule.portsText}${s.rule.protocol ? `/${s.rule.protocol}` : ''} must be ${s.rule.expect} (${s.rule.why})`,
        status: 'skipped',
        reason: `not applicable here: ${s.why}`,
      });
    }
    return { rows: expanded.rows, statics };
  } catch (err) {
    return {
      rows: [],
      statics: [...statics, { kind: 'static', suite: 'ports', title: `profile ${plan.profile.name}`, status: 'not-run', reason: `${(err as Error).message} (${plan.apiServerPortSource})` }],
    };
  }
}

export default defineSuite<PortsPlan>({
  name: 'ports',
  order: 40,
  // ownNodePortSample: the NodePort range's rows are the nodeport suite's NodePorts.
  after: ['nodeport'],
  startsFirst: { rank: 3, why: 'every row is a command in a host probe (a bare connect by its bash), a few at a time per probe, and filtered rows wait out their timeout' },
  must: 'the ports the cluster needs are open between the right nodes and the ones that must be closed are not, by role, from a port profile with the CNI detected',

  prepare: ({ kube, nodes, options }) =>
    readPortsPlan(kube, nodes, {
      profile: options.flags.profile ?? DEFAULT_PROFILE,
      addressType: options.flags.nodeAddressType ?? 'InternalIP',
      cniHints: options.flags.cniHints,
      image: options.image,
      imagePullSecret: options.imagePullSecret,
    }),

  /**
   * For every must-be-open port: does something listen on the target? The target's own host
   * probe dials its own address (local traffic, no inter-node firewall in the way). Refused →
   * a temporary listener is started there now, before the checks, so the check proves the path.
   */
  async settle({ kube, deployment, topology, options, streams: runStreams }, plan) {
    const { rows } = expandedRows(plan, ownNodePortSample(topology));
    const wanted = new Map<string, { node: string; address: string; port: number; protocol: 'tcp' | 'udp' }>();
    for (const r of rows) if (r.expect === 'open' && !kernelOwned(r, plan)) wanted.set(listenerKey(r.to, r.port, r.protocol), { node: r.to, address: r.toAddress, port: r.port, protocol: r.protocol });
    const listeners: Record<string, ListenerVerdict> = {};
    const np = topology.plans['nodeport'] as NodePortTopology | undefined;
    const held = new Set(np && !np.error ? np.services.flatMap((s) => (s.policy === 'Cluster' ? s.ports.map((p) => `${p.nodePort}/${p.protocol}`) : [])) : []);
    // All at once in practice (a few dozen node:port pairs): each is one command in a host probe's exec stream.
    const limit = pLimit(32);
    await withRunStreams({ kube, deployment, ...(runStreams ? { streams: runStreams } : {}) }, 32, (streams) =>
      Promise.all(
        [...wanted].map(([key, t]) =>
          limit(async () => {
            const probe = hostProbe(topology, t.node);
            if (!probe?.ready || probe.controlProblem) {
              listeners[key] = { source: 'direct', note: `no ready host probe on ${t.node} to look for a listener` };
              return;
            }
            const target = { node: t.node, address: t.address, port: t.port, protocol: t.protocol };
            // A NodePort this run's own Service holds answers once kube-proxy has programmed it
            // (nodeport/programmed.ts): look again for a short while before starting a listener
            // pod on the node for it (seconds on the setup's critical path).
            const observed = held.has(`${t.port}/${t.protocol}`) ? await awaitProgrammed(streams, probe.name, target, options.signal) : await lookFromNode(streams, probe.name, target);
            if (observed === 'REACHABLE') {
              listeners[key] = held.has(`${t.port}/${t.protocol}`)
                ? { source: 'existing-listener', note: `this run's NodePort Service holds ${t.port}/${t.protocol}: kube-proxy on ${t.node} answered it` }
                : { source: 'existing-listener' };
              return;
            }
            if (observed !== 'REFUSED') {
              listeners[key] = { source: 'direct', note: `looking for a listener on ${t.node}:${t.port}/${t.protocol} from the node itself: ${observed}` };
              return;
            }
            // Our own hostNetwork probes' ports are never free here; any other refused port gets a listener for both protocols.
            const started = await ensureListener(
              { kube, namespace: deployment.namespace, runId: options.runId, image: plan.image, imagePullSecret: plan.imagePullSecret },
              { node: t.node, port: t.port },
            );
            if (!deployment.createdPods.includes(started.pod)) deployment.createdPods.push(started.pod);
            listeners[key] = started.ok
              ? { source: 'temporary-listener', note: `nothing listened on ${t.node}:${t.port}; temporary listener ${started.pod} started` }
              : { source: 'no-listener', note: started.reason };
          }),
        ),
      ),
    );
    return { ...plan, listeners };
  },

  checks(topology, plan, options): Check[] {
    const { rows: expanded, statics } = expandedRows(plan, ownNodePortSample(topology));
    const rows: Check[] = [...skippedNodeRows('ports', topology.nodes), ...statics];
    for (const row of options.short ? shortSample(expanded) : expanded) {
      const probe = hostProbe(topology, row.from);
      if (!probe?.ready) {
        rows.push({
          kind: 'static',
          suite: 'ports',
          title: row.title,
          status: 'not-run',
          node: row.from,
          reason: `the host-network probe on ${row.from} ${probe ? `never became ready: ${probe.problem ?? 'unknown reason'}` : 'was not deployed'}`,
        });
        continue;
      }
      const owned = kernelOwned(row, plan);
      const listener = row.expect === 'closed' ? { source: 'direct' as const } : owned ? undefined : plan.listeners?.[listenerKey(row.to, row.port, row.protocol)];
      const source = owned ? 'path-traffic' : (listener?.source ?? 'existing-listener');
      const why = row.expect === 'closed' ? EXPECT.closed : source === 'no-listener' ? EXPECT.openNoListener : EXPECT.open;
      const check: NetworkCheck = {
        kind: 'network',
        suite: 'ports',
        title: row.title,
        from: { kind: 'host', node: row.from, pod: probe.name, ip: row.fromAddress, family: familyOf(row.fromAddress) },
        to: { kind: 'host', node: row.to, ip: row.toAddress, family: familyOf(row.toAddress) },
        protocol: row.protocol,
        port: row.port,
        family: familyOf(row.toAddress),
        expect: why.expect,
        expectReason: `${why.reason}: ${row.why}`,
        answer: { kind: 'connect' },
        drive: owned ? { via: 'round-trip', fromNode: row.from, toNode: row.to } : { via: 'connect', control: { pod: probe.name }, target: { host: row.toAddress, port: row.port } },
        properties: { ...portRowProperties(row, { verdictSource: source }), ...(listener?.note ? { 'listener.note': listener.note } : {}) },
      };
      rows.push(check);
    }
    return rows;
  },

  describe: describePortsPlan,
});
