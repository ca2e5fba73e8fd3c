import type { Facts } from './facts.ts';
import { count, explainAll, failed, groupBy, involves, isCrossNode, type DiagnosisRule } from './rule.ts';

/**
 * NodePort rows: the nodeport suite's, and ports-suite rows that must be open on a port inside
 * the cluster's NodePort range (read from the cluster, not assumed).
 */
export const isNodePortRow = (f: Facts) => f.path === 'nodeport' || (f.path === 'ports' && f.inNodePortRange === true && f.portRule?.expect === 'open');

export const nodePortOverPodNetwork: DiagnosisRule = {
  id: 'nodeport-over-pod-network',
  pattern:
    "NodePorts (and ports-suite rows inside the cluster's NodePort range) fail into a node whose cross-node pod traffic fails → collateral of that pod-network cause (a NodePort forwards to its backend over the pod network), not a firewall",
  find({ all, open }) {
    const podNetworkBrokenAt = (node: string) => all.some((f) => f.path === 'pod-to-pod' && f.payload === 'small' && failed(f) && isCrossNode(f) && involves(f, node));
    const rows = open.filter((f) => isNodePortRow(f) && failed(f) && f.to.node && podNetworkBrokenAt(f.to.node));
    return [...groupBy(rows, (f) => f.to.node)].map(([node, mine]) => ({
      rule: this.id,
      cause: `NodePorts into ${node} fail too (${count(mine.length, 'check')}): a NodePort forwards to backend pods over the pod network, which is broken at ${node} (the pod-network cause above) — fix that first, then re-run`,
      explains: explainAll(mine, `NodePort into ${node}: its traffic to the backend crosses the pod network broken at ${node}`),
    }));
  },
};
