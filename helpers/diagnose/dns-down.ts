// Cluster DNS answers no lookup from any node: its pods are down, not ready or not selected by
// the Service. Every failing dns row is then this one cause.
import { count, dnsAnswered, dnsServer, explainAll, failed, isDns, judged, lookupFailed, lookupResults, type DiagnosisRule } from './rule.ts';

export const dnsDown: DiagnosisRule = {
  id: 'dns-down',
  pattern: "no lookup answered from any node (timeouts, refused; the DNS Service's ready endpoints named) → cluster DNS down, not ready or not selected by its Service",
  find({ all, open }) {
    const rows = open.filter(lookupFailed);
    const dnsRows = all.filter((f) => isDns(f) && judged(f));
    const nodes = new Set(dnsRows.map((f) => f.from.node));
    if (rows.length === 0 || nodes.size < 2 || dnsRows.some(dnsAnswered) || [...nodes].some((n) => !rows.some((f) => f.from.node === n))) return [];
    const endpoints = rows.find((f) => f.lookup?.serverEndpoints !== undefined)?.lookup?.serverEndpoints;
    const refused = rows.some((f) => f.lookup?.result === 'REFUSED' || f.lookup?.result === 'UNREACHABLE');
    return [
      {
        rule: this.id,
        cause:
          `cluster DNS answers no lookup from any node (${count(rows.length, 'check')}, ${lookupResults(rows)}) on ${dnsServer(rows)}` +
          `${endpoints === 0 ? ', which had no ready endpoints when the run started' : refused ? ' (refused or rejected: as kube-proxy does for a Service with no ready endpoints)' : ''}: ` +
          `the DNS pods are down, not ready or not selected by the Service — check \`kubectl -n kube-system get pods -l k8s-app=kube-dns\`, their logs, and the Service's EndpointSlices`,
        explains: [
          ...explainAll(rows, 'cluster DNS down: no lookup answered from any node'),
          ...explainAll(
            open.filter((f) => isDns(f) && failed(f) && !rows.includes(f)),
            'cluster DNS down',
          ),
        ],
      },
    ];
  },
};
