import { count, explainAll, failed, names, passed, type DiagnosisRule, type RuleFinding } from './rule.ts';

export const serviceProxy: DiagnosisRule = {
  id: 'service-proxy',
  pattern:
    "pod IPs pass but ClusterIPs fail from one node → kube-proxy on that node (the kubernetes Service's rows from there too); from every node → Service proxying broken cluster-wide; only the kubernetes Service fails while other Services work → the API server's port",
  find({ all, open }) {
    const rows = open.filter((f) => f.path === 'pod-to-service' && failed(f));
    const findings: RuleFinding[] = [];
    const proxied = rows.filter((f) => !f.apiServer);
    // Per source node, not run-wide: a node whose own proxy is down sees no Service work.
    const otherServiceOkFrom = (node: string) => all.some((f) => f.path === 'pod-to-service' && !f.apiServer && f.from.node === node && passed(f));
    const sources = new Set(proxied.map((f) => f.from.node));
    const anyServiceOk = all.some((f) => f.path === 'pod-to-service' && passed(f));
    if (proxied.length > 0 && !anyServiceOk) {
      findings.push({
        rule: this.id,
        cause: `Service ClusterIPs fail from every node (${count(proxied.length, 'check')}): Service proxying is broken cluster-wide — kube-proxy (or the CNI's replacement) is not running, or the probe Service has no ready endpoints`,
        explains: explainAll(proxied, 'ClusterIP fails from every node: Service proxy broken cluster-wide'),
      });
      return findings;
    }
    // kube-proxy on one node first: it also explains that node's kubernetes Service rows when no
    // other Service works from there either (every VIP fails there, the API server's included).
    for (const node of sources) {
      const podRows = all.filter((f) => f.path === 'pod-to-pod' && f.from.node === node);
      if (!podRows.every(passed)) continue; // pod IPs must work from here, or it is not the proxy
      const mine = proxied.filter((f) => f.from.node === node);
      const apiMine = otherServiceOkFrom(node) ? [] : rows.filter((f) => f.apiServer && f.from.node === node);
      const nodePorts = open.filter((f) => f.path === 'nodeport' && f.to.node === node && failed(f));
      const apiText = apiMine.length > 0 ? `; the kubernetes Service ${apiMine[0]!.to.ip}:${apiMine[0]!.port} fails from there too` : '';
      findings.push({
        rule: this.id,
        cause:
          `pods on ${node} reach pod IPs but not Service ClusterIPs (${count(mine.length + apiMine.length, 'check')}, e.g. ${mine[0]!.to.ip}:${mine[0]!.port}/${mine[0]!.protocol}${apiText})` +
          `${nodePorts.length > 0 ? `, and NodePorts on ${node} fail too` : ''}: kube-proxy on ${node} is not running or its rules are missing — ` +
          `check its pod (\`kubectl -n kube-system get pods -o wide --field-selector spec.nodeName=${node}\`) and logs`,
        explains: [
          ...explainAll(mine, `kube-proxy on ${node}: pod IPs work, ClusterIP does not`),
          ...explainAll(apiMine, `kube-proxy on ${node}: the kubernetes Service VIP fails like every other ClusterIP from ${node}`),
          ...explainAll(nodePorts, `kube-proxy on ${node} also serves its NodePorts`),
        ],
      });
    }
    // Only the kubernetes Service fails, from nodes where other Services demonstrably work (the
    // complement of the kube-proxy rows above); from anywhere else it is left unexplained.
    const apiRows = rows.filter((f) => f.apiServer && otherServiceOkFrom(f.from.node));
    if (apiRows.length > 0) {
      findings.push({
        rule: this.id,
        cause:
          `pods on ${names(apiRows.map((f) => f.from.node))} cannot reach the API server through the kubernetes Service ${apiRows[0]!.to.ip}:${apiRows[0]!.port} while other Services work: ` +
          `the API server's own address and port (\`kubectl get endpoints kubernetes\`) is blocked from those nodes — check the firewall on the control-plane node(s) for that port`,
        explains: explainAll(apiRows, 'kubernetes Service fails while other Services work: API server port blocked'),
      });
    }
    return findings;
  },
};
