// A cluster stand-in for the case runner's tests: the API writes change a world, and a prober
// reads the batch command a source pod would run (helpers/netpol/probe.ts) and answers each cell
// from the model over that world — an enforcer that does exactly what the spec says, unless told
// to ignore something (egress rules, or everything), or to take a while to catch up.
import { effectivePolicyTypes, evaluate } from '../../../helpers/netpol/model.ts';
import { NAMESPACES, PODS, type CaseOptions } from '../../../helpers/netpol/case-world.ts';
import type { Prober } from '../../../helpers/netpol/observe.ts';
import type { NetpolApi } from '../../../helpers/netpol/runner.ts';
import type { NetworkPolicy, World } from '../../../helpers/netpol/types.ts';
import { podKey } from '../../../helpers/netpol/types.ts';
import { applyActions } from '../../../helpers/netpol/world.ts';

export const NS = { x: 'nc-1-x', y: 'nc-1-y', z: 'nc-1-z' };

/** The nine pods' addresses and nodes, as the suite's plan would give them. */
export function caseOptions(more: Partial<CaseOptions> = {}): CaseOptions {
  const pods: NonNullable<CaseOptions['pods']> = {};
  let i = 10;
  for (const n of NAMESPACES) for (const p of PODS) pods[`${n}/${p}`] = { ips: [`10.244.${i % 3}.${i}`], node: `node-${i++ % 3}` };
  return { namespaces: NS, pods, podCIDRs: ['10.244.0.0/22'], addedPod: { ips: [], node: 'node-2' }, ...more };
}

export interface FakeCluster {
  world: World;
  api: NetpolApi;
  prober: Prober;
  /** Every write, in order ("apply nc-1-x/deny-ingress" …). */
  writes: string[];
  /** Each probe command's per-cell deadline (s), in order. */
  deadlines: string[];
  commands: number;
}

/**
 * enforce: what the enforcer makes of the policies; lagProbes: how many probes after a write still
 * see the world before it; answerS: how long an allowed cell's answer takes (a command whose
 * deadline is shorter sees it time out).
 */
export function fakeCluster(base: World, options: { enforce?: 'all' | 'ingress-only' | 'none'; lagProbes?: number; answerS?: number } = {}): FakeCluster {
  let lag = 0;
  let added = 0;
  const cluster: FakeCluster = {
    world: base,
    writes: [],
    deadlines: [],
    commands: 0,
    api: {
      async applyPolicy(policy) {
        cluster.writes.push(`apply ${policy.metadata.namespace}/${policy.metadata.name}`);
        cluster.world = applyActions(cluster.world, [{ kind: 'apply', policy }]);
        lag = options.lagProbes ?? 0;
      },
      async deletePolicy(namespace, name) {
        cluster.writes.push(`delete ${namespace}/${name}`);
        if (cluster.world.policies.some((p) => p.metadata.namespace === namespace && p.metadata.name === name))
          cluster.world = applyActions(cluster.world, [{ kind: 'delete-policy', namespace, name }]);
        lag = options.lagProbes ?? 0;
      },
      async labelPod(namespace, pod, labels) {
        cluster.writes.push(`label ${namespace}/${pod} ${JSON.stringify(labels)}`);
        cluster.world = applyActions(cluster.world, [{ kind: 'label-pod', namespace, pod, labels }]);
      },
      async labelNamespace(namespace, labels) {
        cluster.writes.push(`label ${namespace} ${JSON.stringify(labels)}`);
        cluster.world = applyActions(cluster.world, [{ kind: 'label-namespace', namespace, labels }]);
      },
      async addPod(pod) {
        const ip = `10.244.3.${++added}`;
        cluster.writes.push(`add ${podKey(pod)} ${ip}`);
        cluster.world = applyActions(cluster.world, [{ kind: 'add-pod', pod: { ...pod, ips: [ip], node: 'node-2' } }]);
        return { ips: [ip], node: 'node-2' };
      },
      async deletePod(namespace, pod) {
        cluster.writes.push(`delete pod ${namespace}/${pod}`);
        if (cluster.world.pods.some((p) => p.namespace === namespace && p.name === pod)) cluster.world = applyActions(cluster.world, [{ kind: 'delete-pod', namespace, pod }]);
      },
    },
    prober: {
      async run(namespace, pod, command) {
        cluster.commands++;
        const deadline = /read -r -t (\S+) o/.exec(command)?.[1] ?? '?';
        cluster.deadlines.push(deadline);
        const from = cluster.world.pods.find((p) => p.namespace === namespace && p.name === pod);
        if (!from) return { failed: `no pod ${namespace}/${pod}` };
        const tuples =
          /for x in (.*?); do/
            .exec(command)?.[1]
            ?.split(' ')
            .map((t) => t.replace(/'/g, '').split(',')) ?? [];
        // A lagging enforcer shows the world before the last write for a few probes.
        const seen = lag-- > 0 ? base : cluster.world;
        const lines = tuples.map(([i, kind, host, port, expect]) => {
          const to = cluster.world.pods.find((p) => p.ips.includes(host!.replace(/^\[|\]$/g, '')));
          if (!to) return `${i} T`;
          const protocol = kind === 't' ? 'TCP' : 'UDP';
          const world = options.enforce === 'none' ? { ...seen, policies: [] } : options.enforce === 'ingress-only' ? { ...seen, policies: seen.policies.flatMap(ingressOnly) } : seen;
          const known = world.pods.some((p) => podKey(p) === podKey(to)) && world.pods.some((p) => podKey(p) === podKey(from));
          const allowed = known ? evaluate(world, { from: { pod: podKey(from) }, to: { pod: podKey(to) }, port: Number(port), protocol }).allowed : true;
          if (!allowed) return `${i} R`;
          if (Number(deadline) < (options.answerS ?? 0)) return `${i} T`;
          if (kind === 'u' && expect !== `${NAMESPACES.find((n) => NS[n] === to.namespace)}/${to.name}`) return `${i} W`;
          return `${i} A`;
        });
        return { exitCode: 0, output: lines.join('\n'), ms: 1 };
      },
    },
  };
  return cluster;
}

/** An enforcer that ignores egress: each policy keeps only its Ingress type. */
function ingressOnly(p: NetworkPolicy): NetworkPolicy[] {
  const types = effectivePolicyTypes(p).filter((t) => t === 'Ingress');
  return types.length ? [{ ...p, spec: { ...p.spec, policyTypes: types } }] : [];
}
