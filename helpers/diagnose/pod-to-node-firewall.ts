// Pods reach a node's own addresses (its host network: kubelet, node-local agents, hostNetwork
// Services) over the pod network out of their node. Where that pod network is broken, it is the
// cause; a source node whose pods reach no node address while other nodes' pods do drops its
// pods' egress; otherwise the target node drops traffic from the pod range to itself.
import type { Facts } from './facts.ts';
import { count, explainAll, failed, groupBy, names, passed, proto, type DiagnosisRule, type RuleFinding } from './rule.ts';

const isPodToNode = (f: Facts) => f.path === 'pod-to-node';
const portsOf = (rows: readonly Facts[]) => names(rows.map((f) => `${proto(f)} ${f.port}`));

/** Small pod-to-pod traffic between two nodes (either direction, or within one node) fails. */
function podNetworkBroken(all: readonly Facts[], a: string, b: string): boolean {
  return all.some(
    (f) =>
      f.path === 'pod-to-pod' &&
      failed(f) &&
      (f.payload ?? 'small') === 'small' &&
      f.from.kind === 'pod' &&
      f.to.kind === 'pod' &&
      ((f.from.node === a && f.to.node === b) || (f.from.node === b && f.to.node === a)),
  );
}

export const podToNodeFirewall: DiagnosisRule = {
  id: 'pod-to-node-firewall',
  pattern:
    "pods cannot reach one node's addresses while pod-to-pod to that node's pods works → that node's INPUT firewall (the pod range only when another node's address reaches the same ports; names TCP/UDP when only one fails); one node's pods reach no node address → that node's egress; where pod-to-pod between the nodes fails too → collateral of the pod-network cause",
  find({ all, open }) {
    const rows = open.filter((f) => isPodToNode(f) && failed(f));
    if (rows.length === 0) return [];
    const findings: RuleFinding[] = [];
    // Pod-to-node rides the pod network out of the source node: where that is broken, it is the cause.
    const collateral = rows.filter((f) => podNetworkBroken(all, f.from.node, f.to.node));
    if (collateral.length > 0) {
      findings.push({
        rule: this.id,
        cause: `pods cannot reach node addresses where the pod network itself is broken (${count(collateral.length, 'check')}: ${names(
          collateral.map((f) => `${f.from.node} → ${f.to.node}`),
          4,
        )}): consistent with the pod-network cause — fix that first, then re-run`,
        explains: explainAll(collateral, 'pod traffic between these nodes fails too: pod network, not a node firewall'),
      });
    }
    const rest = rows.filter((f) => !collateral.includes(f));
    // One source node that reaches no node address while the other nodes' pods do: its own egress.
    const claimed = new Set<Facts>();
    for (const [source, mine] of groupBy(rest, (f) => f.from.node)) {
      const fromHere = all.filter((f) => isPodToNode(f) && f.from.node === source);
      const targets = new Set(fromHere.map((f) => f.to.node));
      const othersReach = all.some((f) => isPodToNode(f) && f.from.node !== source && passed(f) && targets.has(f.to.node));
      if (targets.size < 2 || !fromHere.every(failed) || !othersReach) continue;
      findings.push({
        rule: this.id,
        cause: `pods on ${source} cannot reach any node address (${count(mine.length, 'check')}, ${portsOf(mine)} to ${names(targets)}) while pods on the other nodes can: ${source} drops its pods' traffic to the node network — check the firewall (FORWARD/OUTPUT) and egress policy on ${source}`,
        explains: explainAll(mine, `pods on ${source} reach no node address`),
      });
      for (const f of mine) claimed.add(f);
    }
    for (const [target, mine] of groupBy(
      rest.filter((f) => !claimed.has(f)),
      (f) => f.to.node,
    )) {
      const podsThereOk = all.some((f) => f.path === 'pod-to-pod' && f.to.node === target && f.to.kind === 'pod' && f.from.kind === 'pod' && passed(f));
      const protocols = new Set(mine.map((f) => f.protocol));
      const otherProtocolOk = all.some((f) => isPodToNode(f) && f.to.node === target && passed(f) && !protocols.has(f.protocol));
      const what = otherProtocolOk ? `${names([...protocols].map((p) => p.toUpperCase()))} to node addresses on ${target}` : `node addresses on ${target}`;
      const address = mine[0]!.to.ip;
      // "The pod range" only where another node's address demonstrably reaches the same ports;
      // otherwise the run cannot tell a pod-range filter from a node firewall refusing everyone.
      const failing = new Set(mine.map((f) => `${f.protocol}/${f.port}`));
      const hostsReach = all.some((f) => f.source === 'host' && f.from.node !== target && f.to.node === target && f.to.kind === 'host' && passed(f) && failing.has(`${f.protocol}/${f.port}`));
      const verdict = hostsReach
        ? `${target} drops traffic from the pod range to its own addresses (other nodes' addresses reach the same ports) — an INPUT firewall rule on ${target} (\`iptables -S INPUT\`, \`nft list ruleset\`) for the pod CIDR`
        : `${target}'s INPUT firewall drops or rejects new connections to its own addresses on those ports, from the pod range at least (no check from another node's address reached them to tell whether node addresses are refused too; firewalld's default zone refuses every port not opened) — \`iptables -S INPUT\`, \`nft list ruleset\` on ${target}`;
      findings.push({
        rule: this.id,
        cause:
          `pods cannot reach ${what} (${count(mine.length, 'check')} from pods on ${names(mine.map((f) => f.from.node))} to ${address}, ${portsOf(mine)})` +
          `${podsThereOk ? `, while pod-to-pod traffic to ${target}'s pods works` : ''}: ${verdict}; kubelet, node-local agents and hostNetwork Services on ${target} are unreachable from pods`,
        explains: explainAll(mine, `${target}'s firewall drops pod traffic to its own addresses`),
      });
    }
    return findings;
  },
};
