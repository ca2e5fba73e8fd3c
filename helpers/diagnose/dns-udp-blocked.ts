// Lookups over UDP time out from a node's pods while lookups over TCP from that node work, and
// the same pods' other UDP traffic passes: UDP 53 is dropped on the way (most workloads resolve over UDP only). Not where that node's
// cross-node pod traffic fails too: a lookup may then pick a DNS pod across the break, whichever
// transport it used (dns-unreachable-from-node names the pod network).
import { count, crossNodePodTrafficFails, dnsServer, explainAll, isDns, lookupFailed, passed, type DiagnosisRule, type RuleFinding } from './rule.ts';

export const dnsUdpBlocked: DiagnosisRule = {
  id: 'dns-udp-blocked',
  pattern: "every lookup over UDP times out from one node's pods while all their TCP lookups and other UDP traffic work → UDP 53 dropped on that node",
  find({ all, open }) {
    const findings: RuleFinding[] = [];
    const udp = open.filter((f) => lookupFailed(f) && f.lookup?.transport === 'udp' && f.lookup.result === 'TIMEOUT' && f.from.kind === 'pod');
    for (const node of new Set(udp.map((f) => f.from.node))) {
      // What a drop of UDP 53 predicts, all of it: no lookup over UDP from the node's pods works,
      // every lookup over TCP from them does, and their other UDP traffic (Services, pods) passes.
      const fromPods = all.filter((f) => f.from.node === node && f.source === 'pod');
      const tcpLookups = fromPods.filter((f) => isDns(f) && f.lookup?.transport === 'tcp');
      const tcpOk = tcpLookups.length > 0 && tcpLookups.every(passed);
      const udpLookupWorks = fromPods.some((f) => isDns(f) && f.lookup?.transport !== 'tcp' && passed(f));
      const otherUdp = fromPods.filter((f) => (f.path === 'pod-to-service' || f.path === 'pod-to-pod') && f.protocol === 'udp' && (f.payload ?? 'small') === 'small');
      const otherUdpOk = otherUdp.length === 0 || otherUdp.some(passed);
      if (!tcpOk || udpLookupWorks || !otherUdpOk || crossNodePodTrafficFails(all, node)) continue;
      const mine = udp.filter((f) => f.from.node === node);
      const hostOk = all.some((f) => isDns(f) && f.from.node === node && f.from.kind === 'host' && passed(f));
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
