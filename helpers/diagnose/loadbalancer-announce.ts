import type { Facts } from './facts.ts';
import { explainAll, failed, names, passed, proto, type DiagnosisRule } from './rule.ts';

const isClusterNodePort = (f: Facts) => f.path === 'nodeport' && f.nodePortPolicy === 'Cluster' && f.expectsAnswer;

/**
 * The LoadBalancer address fails from the runner while the Cluster NodePorts of every node pass:
 * kube-proxy forwards outside traffic, so what is broken is the LoadBalancer implementation's
 * delivery of its address to a node (L2: answering ARP/NDP for it; BGP: announcing its route).
 * Refused instead: a node takes the address but nothing serves it there (the Service proxy has
 * no rules for the ingress address).
 */
export const loadBalancerAnnounce: DiagnosisRule = {
  id: 'loadbalancer-announce',
  pattern:
    'the LoadBalancer address fails from the runner while the Cluster NodePorts of every node answer → the LoadBalancer implementation does not deliver its address to a node (L2: its speaker does not answer ARP/NDP for it; BGP: the route is not announced), not kube-proxy; all refused instead → a host takes the address but the Service proxy has no rules for it',
  find({ all, open }) {
    const rows = open.filter((f) => f.path === 'loadbalancer' && failed(f));
    if (rows.length === 0) return [];
    const nodePorts = all.filter(isClusterNodePort);
    if (nodePorts.length === 0 || !nodePorts.every(passed)) return [];
    const nodes = names(nodePorts.map((f) => f.to.node));
    const address = names(rows.map((f) => f.to.ip));
    const what = names(rows.map((f) => `${proto(f)} ${f.port}`));
    if (rows.every((f) => f.seen === 'refused')) {
      return [
        {
          rule: this.id,
          cause: `the LoadBalancer address ${address} is refused (${what}) while the NodePorts of ${nodes} answer: a host answers for the address but has no rules for it — the Service proxy (kube-proxy) does not program status.loadBalancer.ingress, or the address is also held by a host that is not a node`,
          explains: explainAll(rows, `${address} is refused while the NodePorts answer`),
        },
      ];
    }
    return [
      {
        rule: this.id,
        cause: `the LoadBalancer address ${address} does not answer (${what}) while the NodePorts of ${nodes} do: kube-proxy forwards traffic from outside, so the LoadBalancer implementation does not deliver ${address} to a node — in L2 mode its speaker does not answer ARP/NDP for ${address} on the node network, in BGP mode it does not announce the route; check the implementation's speaker/announcer (e.g. MetalLB's speaker logs and its L2Advertisement/BGPAdvertisement)`,
        explains: explainAll(rows, `${address} is not announced to the node network`),
      },
    ];
  },
};
