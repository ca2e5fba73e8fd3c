// A node stops SNATing the Service traffic kube-proxy marks for it. Two paths need that SNAT
// and both break on that node only: a NodePort into it that picks a backend on another node
// (without the node's address as source, the backend answers the client directly, from an
// address the client never dialled), and a pod reaching itself through its Service (hairpin,
// which is SNATed to the node). Tries of the same NodePort that pick a backend on the node
// itself still answer, as do NodePorts into the other nodes and that node's pods' ordinary
// Service traffic. Runs before hairpin, which would otherwise name the bridge.
import type { Facts } from './facts.ts';
import { count, explainAll, failed, isRunService, passed, type DiagnosisRule, type RuleFinding } from './rule.ts';

const clusterNodePort = (f: Facts) => f.path === 'nodeport' && f.expectsAnswer && f.nodePortPolicy !== 'Local';

export const serviceMasquerade: DiagnosisRule = {
  id: 'service-masquerade',
  pattern:
    "NodePorts into one node answer only from that node's own backends and its pods cannot reach themselves through a Service, while NodePorts into other nodes answer → that node no longer SNATs the traffic kube-proxy marks for masquerade",
  find({ all, open }) {
    const findings: RuleFinding[] = [];
    const nodes = new Set(open.filter((f) => f.path === 'hairpin' && failed(f)).map((f) => f.from.node));
    for (const node of nodes) {
      const into = all.filter((f) => clusterNodePort(f) && f.to.node === node);
      const bad = into.filter(failed);
      if (bad.length === 0) continue;
      // Answers into the node came only from its own backends; other nodes' NodePorts work.
      const answeredHere = into.flatMap((f) => f.backends ?? []);
      if (answeredHere.some((b) => b.node !== node)) continue;
      // And something the node serves without SNAT answers: its own backends through the Cluster
      // NodePort, or its Local NodePort (no SNAT there). Nothing at all is a proxy or firewall matter.
      const localOk = all.some((f) => f.path === 'nodeport' && f.nodePortPolicy === 'Local' && f.to.node === node && passed(f));
      if (answeredHere.length === 0 && !localOk) continue;
      const othersOk = all.some((f) => clusterNodePort(f) && f.to.node !== node && passed(f));
      // The node's pods' ordinary Service traffic (no SNAT needed) works.
      const servicesOk = all.some((f) => isRunService(f) && f.from.node === node && f.source === 'pod' && (passed(f) || f.answeredBy !== undefined));
      if (!othersOk || !servicesOk) continue;
      const hairpins = open.filter((f) => f.path === 'hairpin' && failed(f) && f.from.node === node);
      const nodePorts = open.filter((f) => clusterNodePort(f) && failed(f) && f.to.node === node);
      const ports = open.filter((f) => f.path === 'ports' && failed(f) && f.to.node === node && f.inNodePortRange === true);
      const selfTries = open.filter((f) => isRunService(f) && failed(f) && f.from.node === node && f.source === 'pod' && f.seen === 'filtered');
      findings.push({
        rule: this.id,
        cause:
          `NodePorts into ${node} fail (${count(nodePorts.length, 'check')})${answeredHere.length > 0 ? `, answered only by backends on ${node} itself,` : ''} while NodePorts into the other nodes answer, ` +
          `and pods on ${node} cannot reach themselves through their Service (${count(hairpins.length, 'check')}), while their other Service traffic works: ` +
          `${node} does not masquerade (SNAT) the Service traffic kube-proxy marks for it — a backend on another node answers the client directly, and a hairpin answer never returns. ` +
          `Check nat POSTROUTING on ${node} (\`iptables -t nat -S POSTROUTING\`): something ahead of KUBE-POSTROUTING (an ACCEPT or RETURN, an ip-masq rule written too wide) skips its MASQUERADE`,
        explains: [
          ...explainAll(nodePorts, `${node} does not SNAT NodePort traffic it forwards to other nodes' backends`),
          ...explainAll(hairpins, `${node} does not SNAT hairpin Service traffic`),
          ...explainAll(ports, `the NodePort range is checked through NodePorts into ${node}, which ${node} does not SNAT`),
          ...explainAll(selfTries, `a try that picked the calling pod itself is a hairpin, which ${node} does not SNAT`),
        ],
      });
    }
    return findings;
  },
};
