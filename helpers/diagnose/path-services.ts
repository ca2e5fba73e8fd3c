// Rules of the Service-behaviour paths (issue 12): pod-to-node, hairpin, session affinity.
// They still read results, not typed facts: they run through the adapter in result-rules.ts
// until they are ported one rule per file (left for the next session).
import type { NetworkResult } from '../check/types.ts';
import type { ResultRule as DiagnosisRule, ResultFinding as Finding } from './result-rules.ts';

import { count, names } from './rule.ts';
import { explainAll, failed, passed, podNetworkBroken, portsOf, proto, type Rows } from './result-rules.ts';

export const podToNodeFirewall: DiagnosisRule = {
  id: 'pod-to-node-firewall',
  pattern: "pods cannot reach one node's addresses (its host network) while pod-to-pod traffic to that node's pods works: a firewall on that node drops the pod range",
  find({ all, open }) {
    const rows = open.filter((r) => r.suite === 'pod-to-node' && failed(r));
    if (rows.length === 0) return [];
    const findings: Finding[] = [];
    // Pod-to-node rides the pod network out of the source node: where that is broken, it is the cause.
    const collateral = rows.filter((r) => podNetworkBroken(all, r.from.node, r.to.node));
    if (collateral.length > 0) {
      findings.push({
        rule: this.id,
        cause: `pods cannot reach node addresses where the pod network itself is broken (${count(collateral.length, 'check')}: ${names(
          collateral.map((r) => `${r.from.node} → ${r.to.node}`),
          4,
        )}): consistent with the pod-network cause — fix that first, then re-run`,
        explains: explainAll(collateral, 'pod traffic between these nodes fails too: pod network, not a node firewall'),
      });
    }
    const rest = rows.filter((r) => !collateral.includes(r));
    // One source node that reaches no node address while the other nodes' pods do: its own egress.
    const bySource = new Map<string, NetworkResult[]>();
    for (const r of rest) bySource.set(r.from.node, [...(bySource.get(r.from.node) ?? []), r]);
    const claimed = new Set<NetworkResult>();
    for (const [source, mine] of bySource) {
      const fromHere = all.filter((r) => r.suite === 'pod-to-node' && r.from.node === source);
      const targets = new Set(fromHere.map((r) => r.to.node));
      const othersReach = all.some((r) => r.suite === 'pod-to-node' && r.from.node !== source && passed(r) && targets.has(r.to.node));
      if (targets.size < 2 || !fromHere.every(failed) || !othersReach) continue;
      findings.push({
        rule: this.id,
        cause: `pods on ${source} cannot reach any node address (${count(mine.length, 'check')}, ${portsOf(mine)} to ${names(targets)}) while pods on the other nodes can: ${source} drops its pods' traffic to the node network — check the firewall (FORWARD/OUTPUT) and egress policy on ${source}`,
        explains: explainAll(mine, `pods on ${source} reach no node address`),
      });
      for (const r of mine) claimed.add(r);
    }
    const byTarget = new Map<string, NetworkResult[]>();
    for (const r of rest.filter((x) => !claimed.has(x))) byTarget.set(r.to.node, [...(byTarget.get(r.to.node) ?? []), r]);
    for (const [target, mine] of byTarget) {
      const podsThereOk = all.some((r) => r.suite === 'pod-to-pod' && r.to.node === target && r.to.kind === 'pod' && r.from.kind === 'pod' && passed(r));
      const protocols = new Set(mine.map((r) => r.protocol));
      const otherProtocolOk = all.some((r) => r.suite === 'pod-to-node' && r.to.node === target && passed(r) && !protocols.has(r.protocol));
      const what = otherProtocolOk ? `${names([...protocols].map((p) => p.toUpperCase()))} to node addresses on ${target}` : `node addresses on ${target}`;
      const address = mine[0]!.to.ip;
      findings.push({
        rule: this.id,
        cause:
          `pods cannot reach ${what} (${count(mine.length, 'check')} from pods on ${names(mine.map((r) => r.from.node))} to ${address}, ${portsOf(mine)})` +
          `${podsThereOk ? `, while pod-to-pod traffic to ${target}'s pods works` : ''}: ${target} drops traffic from the pod range to its own addresses — ` +
          `an INPUT firewall rule on ${target} (\`iptables -S INPUT\`, \`nft list ruleset\`) for the pod CIDR; kubelet, node-local agents and hostNetwork Services on ${target} are unreachable from pods`,
        explains: explainAll(mine, `${target}'s firewall drops pod traffic to its own addresses`),
      });
    }
    return findings;
  },
};

const SERVICE_SUITES = ['pod-to-service', 'session-affinity', 'hairpin'];
/** A Service row from `node` that shows its Service proxy works: passed, or some of its tries answered. */
const proxyWorksFrom = (all: Rows, node: string) =>
  all.some((r) => SERVICE_SUITES.includes(r.suite) && r.suite !== 'hairpin' && r.from.node === node && (passed(r) || Boolean(r.properties?.['answered.by'])));

/**
 * Runs before the Service-proxy rule: a pod that cannot reach itself through its Service, on a
 * node whose Service proxy demonstrably works, is hairpin — and its Service rows that time out
 * only on the tries that picked the calling pod itself are the same cause, not kube-proxy.
 */
export const hairpin: DiagnosisRule = {
  id: 'hairpin',
  pattern: "a pod cannot reach itself through its own Service while Services from its node reach other backends: hairpin off on that node's bridge ports",
  find({ all, open }) {
    const findings: Finding[] = [];
    const nodes = new Set(open.filter((r) => r.suite === 'hairpin' && failed(r)).map((r) => r.from.node));
    for (const node of nodes) {
      if (!proxyWorksFrom(all, node)) continue;
      const mine = open.filter((r) => r.suite === 'hairpin' && failed(r) && r.from.node === node);
      // Pod sources on the node whose Service tries were lost (not answered by a stranger): their own backend is themselves.
      const selfHits = open.filter((r) => (r.suite === 'pod-to-service' || r.suite === 'session-affinity') && failed(r) && r.from.node === node && r.from.kind === 'pod' && r.observed === 'FILTERED');
      findings.push({
        rule: this.id,
        cause:
          `pods on ${node} cannot reach themselves through their own Service (${count(mine.length, 'check')}, ${names(mine.map((r) => proto(r)))}) while Services from ${node} reach other backends: ` +
          `hairpin is off on ${node}'s pod bridge ports — the bridge CNI's "hairpinMode": true (or kubelet --hairpin-mode / a promiscuous bridge) on ${node}; \`bridge -d link show\` there must say "hairpin on" for every pod veth`,
        explains: [
          ...explainAll(mine, `hairpin off on ${node}: the pod's own answer cannot come back through its bridge port`),
          ...explainAll(selfHits, `hairpin off on ${node}: the tries that picked the calling pod itself as the backend were lost`),
        ],
      });
    }
    return findings;
  },
};

export const sessionAffinity: DiagnosisRule = {
  id: 'session-affinity',
  pattern: 'requests of one client to a sessionAffinity: ClientIP Service reach several backends',
  find({ open }) {
    const rows = open.filter((r) => r.suite === 'session-affinity' && failed(r) && r.observed === 'WRONG_ANSWER' && (r.properties?.['answered.by'] ?? '').includes(','));
    if (rows.length === 0) return [];
    return [
      {
        rule: this.id,
        cause:
          `sessionAffinity: ClientIP is not honoured from ${names(rows.map((r) => r.from.node))} (${count(rows.length, 'check')}: one client's requests reached several backends): ` +
          `the Service proxy there ignores session affinity — check kube-proxy's mode and version (or the CNI's Service implementation replacing it)`,
        explains: explainAll(rows, 'one client, several backends: session affinity ignored'),
      },
    ];
  },
};

/** Hairpin and affinity rows on a node where no Service works at all: the Service-proxy cause above speaks for them. */
export const serviceRowsWithBrokenProxy: DiagnosisRule = {
  id: 'service-paths-collateral',
  pattern: 'hairpin and session-affinity rows fail on a node where no Service row works either',
  find({ all, open }) {
    const rows = open.filter(
      (r) =>
        (r.suite === 'hairpin' || r.suite === 'session-affinity') &&
        failed(r) &&
        !proxyWorksFrom(all, r.from.node) &&
        all.some((x) => x.suite === 'pod-to-service' && x.from.node === r.from.node && failed(x)),
    );
    if (rows.length === 0) return [];
    const nodes = names(rows.map((r) => r.from.node));
    return [
      {
        rule: this.id,
        cause: `hairpin and session-affinity Services fail from ${nodes} like every other Service there (${count(rows.length, 'check')}): the same cause as the failing Service rows of ${nodes}, not a hairpin or affinity problem of their own`,
        explains: explainAll(rows, `no Service works from ${nodes}: Service proxy`),
      },
    ];
  },
};

// ---- cluster DNS --------------------------------------------------------------------------

export const affinityOverPodNetwork: DiagnosisRule = {
  id: 'session-affinity-over-pod-network',
  pattern: 'a session-affinity row gets no answer from a node whose cross-node pod traffic fails: its one backend sits across that break',
  find({ all, open }) {
    const broken = (node: string) =>
      all.some((r) => r.suite === 'pod-to-pod' && failed(r) && (r.payload ?? 'small') === 'small' && r.from.node !== r.to.node && (r.from.node === node || r.to.node === node));
    const rows = open.filter((r) => r.suite === 'session-affinity' && failed(r) && r.observed === 'FILTERED' && broken(r.from.node));
    if (rows.length === 0) return [];
    return [
      {
        rule: this.id,
        cause: `session-affinity requests from ${names(rows.map((r) => r.from.node))} got no answer (${count(rows.length, 'check')}) where the pod network is broken: the client's one backend sits across that break — the pod-network cause explains it`,
        explains: explainAll(rows, 'affinity backend across the broken pod network'),
      },
    ];
  },
};
