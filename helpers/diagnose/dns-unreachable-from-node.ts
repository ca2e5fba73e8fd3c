// Lookups fail from one node while other nodes resolve: that node's path to the DNS Service.
// Where that node's pod network or every Service there fails too, that broader cause is named.
import { count, crossNodePodTrafficFails, dnsServer, explainAll, failed, isDns, lookupFailed, lookupResults, names, passed, type DiagnosisRule, type RuleFinding } from './rule.ts';

export const dnsUnreachableFromNode: DiagnosisRule = {
  id: 'dns-unreachable-from-node',
  pattern:
    "lookups fail from one node while other nodes resolve → that node's path to the DNS Service (kube-proxy, port 53 firewall); collateral of the Service-proxy or pod-network cause where those hold",
  find({ all, open }) {
    const findings: RuleFinding[] = [];
    const rows = open.filter(lookupFailed);
    for (const node of new Set(rows.map((f) => f.from.node))) {
      const mine = rows.filter((f) => f.from.node === node);
      const others = all.some((f) => isDns(f) && f.from.node !== node && passed(f));
      if (!others) continue;
      const services = all.filter((f) => f.path === 'pod-to-service' && f.from.node === node);
      const servicesFail = services.some(failed) && !services.some(passed);
      const transports = names(mine.map((f) => (f.lookup?.transport ?? 'udp').toUpperCase()));
      if (crossNodePodTrafficFails(all, node)) {
        findings.push({
          rule: this.id,
          cause: `name lookups from ${node} fail where ${node}'s cross-node pod traffic fails too (${count(mine.length, 'check')}): the DNS pods may sit across that break — the pod-network cause explains it`,
          explains: explainAll(mine, `${node}'s pod network is broken: DNS pods across it`),
        });
        continue;
      }
      const someResolve = all.some((f) => isDns(f) && f.from.node === node && passed(f));
      findings.push({
        rule: this.id,
        cause: servicesFail
          ? `name lookups fail from ${node} (${count(mine.length, 'check')}) like every Service there: the DNS Service is a Service too — the Service-proxy cause on ${node} explains it`
          : `pods on ${node} cannot reach the cluster DNS Service ${dnsServer(mine)} (${count(mine.length, 'check')}, DNS over ${transports}: ${lookupResults(mine)}) while other nodes resolve${someResolve ? ` (some lookups from ${node} work)` : ''}: ` +
            `kube-proxy's rules for the DNS Service on ${node}, or a firewall on ${node} or on the DNS pods' nodes for port 53 from ${node}`,
        explains: explainAll(mine, servicesFail ? `no Service works from ${node}: DNS is one of them` : `${node} cannot reach the cluster DNS`),
      });
    }
    return findings;
  },
};
