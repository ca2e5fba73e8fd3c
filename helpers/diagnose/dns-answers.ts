// The cluster DNS answers, but wrongly: names of existing Services get NXDOMAIN or SERVFAIL, a
// name that must not exist resolves or gets SERVFAIL, a headless name resolves to pods its
// Service does not select. Reachability of the DNS server is not the question here.
import { count, explainAll, failed, isDns, names, type DiagnosisRule, type RuleFinding } from './rule.ts';

export const dnsAnswers: DiagnosisRule = {
  id: 'dns-answers',
  pattern:
    'the cluster DNS answers, but wrongly: existing names NXDOMAIN or SERVFAIL, a missing name resolving or SERVFAIL, a headless name answered by a pod it does not select → wrong DNS answers (RBAC, stale records, wildcard)',
  find({ open }) {
    const findings: RuleFinding[] = [];
    const dns = open.filter((f) => isDns(f) && failed(f));
    const existing = dns.filter((f) => f.lookup?.what !== 'nxdomain');
    const servfail = existing.filter((f) => f.lookup?.result === 'SERVFAIL');
    const missing = existing.filter((f) => f.lookup?.result === 'NXDOMAIN');
    if (servfail.length) {
      findings.push({
        rule: this.id,
        cause: `the cluster DNS answers SERVFAIL for names of existing Services (${count(servfail.length, 'check')} from ${names(servfail.map((f) => f.from.node))}, e.g. ${servfail[0]!.lookup?.name}): it runs but cannot serve the cluster zone — check the DNS pods' logs (API access, RBAC, Corefile)`,
        explains: explainAll(servfail, 'SERVFAIL for an existing name'),
      });
    }
    if (missing.length) {
      findings.push({
        rule: this.id,
        cause: `names of existing Services get NXDOMAIN from the cluster DNS (${count(missing.length, 'check')}, e.g. ${missing[0]!.lookup?.name}): the DNS server does not see these Services (its API access: RBAC, a stale cache) or serves another cluster domain`,
        explains: explainAll(missing, 'existing name answered NXDOMAIN'),
      });
    }
    const nx = dns.filter((f) => f.lookup?.what === 'nxdomain' && (f.lookup.result === 'NOERROR' || f.lookup.result === 'SERVFAIL'));
    if (nx.length) {
      const resolved = nx.some((f) => f.lookup?.result === 'NOERROR');
      findings.push({
        rule: this.id,
        cause: resolved
          ? `a name that does not exist resolves (${count(nx.length, 'check')}): a wildcard record or a search-path domain answers for any name — workloads mistyping a name reach something else`
          : `a name that does not exist gets SERVFAIL instead of NXDOMAIN (${count(nx.length, 'check')}): the DNS server is not authoritative for the cluster domain, or fails (check its logs) — resolvers then retry and wait instead of failing fast`,
        explains: explainAll(nx, resolved ? 'missing name resolved' : 'SERVFAIL instead of NXDOMAIN'),
      });
    }
    const wrong = dns.filter((f) => f.seen === 'wrong-answer' && !f.lookup?.result && f.lookup?.what === 'headless');
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
