// Rules of the cluster DNS path (issue 12). They still read results, not typed facts: they run
// through the adapter in result-rules.ts until they are ported one rule per file.
import type { NetworkResult } from '../check/types.ts';
import type { ResultRule as DiagnosisRule, ResultFinding as Finding } from './result-rules.ts';

import { count, names } from './rule.ts';
import { explainAll, failed, passed, podNetworkBroken, portsOf, proto, type Rows } from './result-rules.ts';

const isDns = (r: NetworkResult) => r.suite === 'dns';
const lookupOf = (r: NetworkResult) => r.properties?.['dns.result'];
/** The lookup itself failed (no answer, refused, SERVFAIL): the DNS path, not the resolved address. */
const lookupFailed = (r: NetworkResult) => isDns(r) && failed(r) && ['TIMEOUT', 'REFUSED', 'UNREACHABLE', 'OTHER'].includes(lookupOf(r) ?? '');
/** The DNS server answered this lookup (rightly or wrongly). */
const dnsAnswered = (r: NetworkResult) => ['NOERROR', 'NXDOMAIN', 'SERVFAIL'].includes(lookupOf(r) ?? '') || (isDns(r) && passed(r));
const transportOf = (r: NetworkResult) => r.properties?.['dns.transport'] ?? 'udp';
const dnsServer = (rows: Rows) => rows.find((r) => r.properties?.['dns.server'])?.properties?.['dns.server'] ?? 'the cluster DNS Service';
const resultsText = (rows: Rows) => names(rows.map((r) => lookupOf(r) ?? r.observed));
const okFrom = (all: Rows, node: string) => all.some((r) => isDns(r) && r.from.node === node && passed(r));

export const dnsDown: DiagnosisRule = {
  id: 'dns-down',
  pattern: 'no lookup is answered from any node (timeouts, refused): cluster DNS is down or has no ready endpoints',
  find({ all, open }) {
    const rows = open.filter(lookupFailed);
    const dnsRows = all.filter((r) => isDns(r) && (passed(r) || failed(r)));
    const nodes = new Set(dnsRows.map((r) => r.from.node));
    if (rows.length === 0 || nodes.size < 2 || dnsRows.some(dnsAnswered) || [...nodes].some((n) => !rows.some((r) => r.from.node === n))) return [];
    const endpoints = rows.find((r) => r.properties?.['dns.server.endpoints'] !== undefined)?.properties?.['dns.server.endpoints'];
    const refused = rows.some((r) => lookupOf(r) === 'REFUSED' || lookupOf(r) === 'UNREACHABLE');
    return [
      {
        rule: this.id,
        cause:
          `cluster DNS answers no lookup from any node (${count(rows.length, 'check')}, ${resultsText(rows)}) on ${dnsServer(rows)}` +
          `${endpoints === '0' ? ', which had no ready endpoints when the run started' : refused ? ' (refused or rejected: as kube-proxy does for a Service with no ready endpoints)' : ''}: ` +
          `the DNS pods are down, not ready or not selected by the Service — check \`kubectl -n kube-system get pods -l k8s-app=kube-dns\`, their logs, and the Service's EndpointSlices`,
        explains: [
          ...explainAll(rows, 'cluster DNS down: no lookup answered from any node'),
          ...explainAll(
            open.filter((r) => isDns(r) && failed(r) && !rows.includes(r)),
            'cluster DNS down',
          ),
        ],
      },
    ];
  },
};

export const dnsUdpBlocked: DiagnosisRule = {
  id: 'dns-udp-blocked',
  pattern: "lookups over UDP time out from a node's pods while lookups over TCP from the same node work: UDP 53 dropped",
  find({ all, open }) {
    const findings: Finding[] = [];
    const udp = open.filter((r) => lookupFailed(r) && transportOf(r) === 'udp' && lookupOf(r) === 'TIMEOUT' && r.from.kind === 'pod');
    for (const node of new Set(udp.map((r) => r.from.node))) {
      const tcpOk = all.some((r) => isDns(r) && r.from.node === node && transportOf(r) === 'tcp' && passed(r));
      if (!tcpOk) continue;
      const mine = udp.filter((r) => r.from.node === node);
      const hostOk = all.some((r) => isDns(r) && r.from.node === node && r.from.kind === 'host' && passed(r));
      findings.push({
        rule: this.id,
        cause:
          `DNS over UDP times out from pods on ${node} (${count(mine.length, 'check')}) while DNS over TCP from ${node} works${hostOk ? ` (and ${node}'s host network resolves)` : ''}: ` +
          `UDP 53 from ${node}'s pods to ${dnsServer(mine)} and the DNS pods is dropped — a firewall or NetworkPolicy on ${node} for UDP 53 (most workloads resolve over UDP only)`,
        explains: explainAll(mine, `UDP 53 dropped from ${node}'s pods; TCP 53 works`),
      });
    }
    return findings;
  },
};

export const dnsUnreachableFromNode: DiagnosisRule = {
  id: 'dns-unreachable-from-node',
  pattern: "lookups fail from one node while other nodes resolve: that node's path to the DNS Service (kube-proxy, port 53 firewall)",
  find({ all, open }) {
    const findings: Finding[] = [];
    const rows = open.filter(lookupFailed);
    for (const node of new Set(rows.map((r) => r.from.node))) {
      const mine = rows.filter((r) => r.from.node === node);
      const others = all.some((r) => isDns(r) && r.from.node !== node && passed(r));
      if (!others) continue;
      const servicesFail = all.some((r) => r.suite === 'pod-to-service' && r.from.node === node && failed(r)) && !all.some((r) => r.suite === 'pod-to-service' && r.from.node === node && passed(r));
      const podNetwork = all.some((r) => r.suite === 'pod-to-pod' && failed(r) && (r.payload ?? 'small') === 'small' && r.from.node !== r.to.node && (r.from.node === node || r.to.node === node));
      const transports = names(mine.map((r) => transportOf(r).toUpperCase()));
      if (podNetwork) {
        findings.push({
          rule: this.id,
          cause: `name lookups from ${node} fail where ${node}'s cross-node pod traffic fails too (${count(mine.length, 'check')}): the DNS pods may sit across that break — the pod-network cause explains it`,
          explains: explainAll(mine, `${node}'s pod network is broken: DNS pods across it`),
        });
        continue;
      }
      findings.push({
        rule: this.id,
        cause: servicesFail
          ? `name lookups fail from ${node} (${count(mine.length, 'check')}) like every Service there: the DNS Service is a Service too — the Service-proxy cause on ${node} explains it`
          : `pods on ${node} cannot reach the cluster DNS Service ${dnsServer(mine)} (${count(mine.length, 'check')}, DNS over ${transports}: ${resultsText(mine)}) while other nodes resolve${okFrom(all, node) ? ` (some lookups from ${node} work)` : ''}: ` +
            `kube-proxy's rules for the DNS Service on ${node}, or a firewall on ${node} or on the DNS pods' nodes for port 53 from ${node}`,
        explains: explainAll(mine, servicesFail ? `no Service works from ${node}: DNS is one of them` : `${node} cannot reach the cluster DNS`),
      });
    }
    return findings;
  },
};

export const dnsAnswers: DiagnosisRule = {
  id: 'dns-answers',
  pattern: 'the cluster DNS answers, but wrongly: existing names get NXDOMAIN, a missing name resolves or gets SERVFAIL, a name resolves to an address a stranger answers on',
  find({ open }) {
    const findings: Finding[] = [];
    const dns = open.filter((r) => isDns(r) && failed(r));
    const missing = dns.filter((r) => r.properties?.['dns.what'] !== 'nxdomain' && lookupOf(r) === 'NXDOMAIN');
    const servfail = dns.filter((r) => r.properties?.['dns.what'] !== 'nxdomain' && lookupOf(r) === 'SERVFAIL');
    if (servfail.length) {
      findings.push({
        rule: this.id,
        cause: `the cluster DNS answers SERVFAIL for names of existing Services (${count(servfail.length, 'check')} from ${names(servfail.map((r) => r.from.node))}, e.g. ${servfail[0]!.properties?.['dns.name']}): it runs but cannot serve the cluster zone — check the DNS pods' logs (API access, RBAC, Corefile)`,
        explains: explainAll(servfail, 'SERVFAIL for an existing name'),
      });
    }
    if (missing.length) {
      findings.push({
        rule: this.id,
        cause: `names of existing Services get NXDOMAIN from the cluster DNS (${count(missing.length, 'check')}, e.g. ${missing[0]!.properties?.['dns.name']}): the DNS server does not see these Services (its API access: RBAC, a stale cache) or serves another cluster domain`,
        explains: explainAll(missing, 'existing name answered NXDOMAIN'),
      });
    }
    const nx = dns.filter((r) => r.properties?.['dns.what'] === 'nxdomain' && (lookupOf(r) === 'NOERROR' || lookupOf(r) === 'SERVFAIL'));
    if (nx.length) {
      const resolved = nx.some((r) => lookupOf(r) === 'NOERROR');
      findings.push({
        rule: this.id,
        cause: resolved
          ? `a name that does not exist resolves (${count(nx.length, 'check')}): a wildcard record or a search-path domain answers for any name — workloads mistyping a name reach something else`
          : `a name that does not exist gets SERVFAIL instead of NXDOMAIN (${count(nx.length, 'check')}): the DNS server is not authoritative for the cluster domain, or fails (check its logs) — resolvers then retry and wait instead of failing fast`,
        explains: explainAll(nx, resolved ? 'missing name resolved' : 'SERVFAIL instead of NXDOMAIN'),
      });
    }
    const wrong = dns.filter((r) => r.observed === 'WRONG_ANSWER' && !lookupOf(r) && r.properties?.['dns.what'] === 'headless');
    if (wrong.length) {
      findings.push({
        rule: this.id,
        cause: `a headless Service's name resolves to addresses of pods it does not select (${count(wrong.length, 'check')}): stale DNS records — the DNS server's view of the EndpointSlices lags or its cache is stale`,
        explains: explainAll(wrong, 'headless name answered by a pod it does not select: stale record'),
      });
    }
    return findings;
  },
};

/** Names resolved, but the address did not answer: the data path, which the other causes name. */
export const dnsResolvedDataPath: DiagnosisRule = {
  id: 'dns-resolved-data-path',
  pattern: 'a name resolved but its address did not answer: the pod network or Service path, not DNS',
  find({ open }) {
    const rows = open.filter((r) => isDns(r) && failed(r) && !lookupOf(r));
    if (rows.length === 0) return [];
    return [
      {
        rule: this.id,
        cause: `names resolved but their addresses did not answer (${count(rows.length, 'check')} from ${names(rows.map((r) => r.from.node))}): not a DNS problem — the Service or pod path they use fails (see the pod-to-pod / pod-to-service causes)`,
        explains: explainAll(rows, 'resolved; the address did not answer: data path'),
      },
    ];
  },
};

/** Session-affinity rows that got no answer from a node whose cross-node pod traffic fails: the one backend is across the break. */
