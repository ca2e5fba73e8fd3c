// Pod IPs work from a node but its Service VIPs do not: the Service proxy there. Which reading
// depends on what else the run saw from that node: every VIP fails (kube-proxy not running, its
// rules gone); only the Services this run made fail while the ones that existed before still
// work (kube-proxy hung or cut from the API server: its old rules stay, nothing new is
// written); some run-made Service rows from there worked → not the proxy at all, left for the
// rules that read backends (or unexplained).
import { clusterServicesWorkFrom, count, explainAll, failed, isRunService, names, passed, serviceProxyWorksFrom, type DiagnosisRule, type RuleFinding } from './rule.ts';

export const serviceProxy: DiagnosisRule = {
  id: 'service-proxy',
  pattern:
    "pod IPs pass but ClusterIPs fail from one node → kube-proxy on that node (the kubernetes Service's, hairpin, affinity and DNS rows from there too); only the Services made during the run fail while the kubernetes Service and DNS work → kube-proxy there stopped programming (hung, exited without cleanup, cut from the API server); never where a run-made Service worked from that node; from every node → Service proxying broken cluster-wide; only the kubernetes Service fails while other Services work → the API server's port",
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
      // Some Service this run made works from here: the proxy programs rules; not its cause.
      if (serviceProxyWorksFrom(all, node)) continue;
      const mine = proxied.filter((f) => f.from.node === node);
      // Hairpin and affinity Services are Services too: from there they fail with the rest.
      const alike = open.filter((f) => (f.path === 'hairpin' || f.path === 'session-affinity') && failed(f) && f.from.node === node);
      if (clusterServicesWorkFrom(all, node) && mine.every(isRunService)) {
        const nodePorts = open.filter((f) => f.path === 'nodeport' && f.to.node === node && failed(f));
        // Names of this run's Services resolve from there (DNS is an older Service), but their addresses have no rules.
        const resolvedOnly = open.filter((f) => f.path === 'dns' && failed(f) && f.from.node === node && !f.lookup?.result);
        const old = all.filter((f) => f.from.node === node && passed(f) && (f.apiServer || f.path === 'dns'));
        findings.push({
          rule: this.id,
          cause:
            `pods on ${node} reach pod IPs, and the Services that existed before this run (${names(old.map((f) => (f.apiServer ? 'kubernetes' : 'cluster DNS')))}) still work from there, ` +
            `but every Service this run made fails from ${node} (${count(mine.length, 'check')}, e.g. ${mine[0]!.to.ip}:${mine[0]!.port}/${mine[0]!.protocol})` +
            `${nodePorts.length > 0 ? ` and so do its NodePorts on ${node}` : ''}: kube-proxy on ${node} has stopped programming new Services — hung, exited without cleaning up, or cut from the API server; ` +
            `its old rules stay in force. Check its process, logs and sync metrics on ${node} (\`kubectl -n kube-system logs\` of its pod), and restart it`,
          explains: [
            ...explainAll(mine, `kube-proxy on ${node} wrote no rules for this run's Services; older Services still work`),
            ...explainAll(nodePorts, `kube-proxy on ${node} wrote no rules for this run's NodePorts`),
            ...explainAll(alike, `kube-proxy on ${node} wrote no rules for this run's Services`),
            ...explainAll(resolvedOnly, `the name resolved; kube-proxy on ${node} wrote no rules for the Service it names`),
          ],
        });
        continue;
      }
      const apiMine = otherServiceOkFrom(node) ? [] : rows.filter((f) => f.apiServer && f.from.node === node);
      const nodePorts = open.filter((f) => f.path === 'nodeport' && f.to.node === node && failed(f));
      // The cluster DNS Service is a Service too: lookups from there fail with the rest (when nothing from there resolves).
      const dnsMine = all.some((f) => f.path === 'dns' && f.from.node === node && passed(f)) ? [] : open.filter((f) => f.path === 'dns' && failed(f) && f.from.node === node);
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
          ...explainAll(alike, `kube-proxy on ${node}: no Service works from there`),
          ...explainAll(dnsMine, `kube-proxy on ${node} also serves the cluster DNS Service`),
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
