// New connections to one node's own addresses fail from pods and from the other nodes' host
// networks alike, on several ports, while the traffic that node forwards (to its pods' IPs, its
// NodePorts DNATed to pods) passes and some of its ports still answer: an INPUT firewall on that
// node (firewalld's default zone, an iptables INPUT policy) that opened only a few ports. Not
// the pod range filtered (pod-to-node-firewall: other hosts would pass), not the node down
// (node-down: its pods would fail too). Tried before the per-port and pod-to-node rules.
import type { Facts } from './facts.ts';
import { count, explainAll, failed, names, passed, proto, type DiagnosisRule, type RuleFinding } from './rule.ts';

/** A check of the node's own address (its host network: pod-to-node, a host probe, the ports suite) from elsewhere. */
const toNodeAddress = (node: string) => (f: Facts) => f.to.node === node && f.to.kind === 'host' && f.expectsAnswer && !(f.source === 'host' && f.from.node === node);

export const nodeFirewall: DiagnosisRule = {
  id: 'node-firewall',
  pattern:
    "connections to one node's own addresses fail from pods and other nodes' hosts alike, on several ports, while its pods and NodePorts answer → that node's INPUT firewall (firewalld-style) opened only a few ports",
  find({ all, open }) {
    const findings: RuleFinding[] = [];
    const targets = new Set(open.filter((f) => failed(f) && f.to.kind === 'host').map((f) => f.to.node));
    for (const node of targets) {
      const rows = all.filter(toNodeAddress(node));
      const bad = rows.filter(failed);
      const fromPods = bad.some((f) => f.source === 'pod');
      const fromHosts = bad.some((f) => f.source === 'host' && f.from.node !== node);
      const ports = new Set(bad.map((f) => `${proto(f)} ${f.port}`));
      if (!fromPods || !fromHosts || ports.size < 2) continue;
      // Every source that tried a failing port failed on it: the node, not a path, refuses.
      const answering = rows.filter(passed);
      if (answering.some((f) => ports.has(`${proto(f)} ${f.port}`))) continue;
      // What the node forwards still works: pods on it answer other nodes.
      const forwardedOk = all.some((f) => f.path === 'pod-to-pod' && f.to.node === node && f.to.kind === 'pod' && f.from.node !== node && passed(f));
      if (!forwardedOk) continue;
      const nodePortsOk = all.some((f) => f.path === 'nodeport' && f.to.node === node && f.expectsAnswer && passed(f));
      const mine = open.filter((f) => failed(f) && toNodeAddress(node)(f));
      const still = names(
        answering.map((f) => `${proto(f)} ${f.port}`),
        8,
      );
      const how = bad.every((f) => f.seen === 'refused') ? 'rejects' : bad.some((f) => f.seen === 'filtered') ? 'rejects or drops' : 'refuses';
      findings.push({
        rule: this.id,
        cause:
          `${node} ${how} new connections to its own addresses from pods and other nodes alike (${count(mine.length, 'check')}: ${names(ports, 8)})` +
          `${still ? ` while ${still} on ${node} ${answering.length === 1 ? 'answers' : 'still answer'}` : ''}, and its pods${nodePortsOk ? ' and NodePorts' : ''} answer traffic it forwards: ` +
          `an INPUT firewall on ${node} (firewalld's default zone, an iptables INPUT policy) opened only a few ports — open what the cluster needs on ${node} ` +
          `(kubeadm's required ports, the CNI's, hostNetwork Services'), or trust the pod range and the node network; kubelet, node agents and hostNetwork pods on ${node} are cut off`,
        explains: explainAll(mine, `${node}'s INPUT firewall: its own addresses refuse new connections, its pods answer`),
      });
    }
    return findings;
  },
};
