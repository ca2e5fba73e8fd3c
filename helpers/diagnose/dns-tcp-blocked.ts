// Lookups over TCP time out from a node's pods while their lookups over UDP work: TCP 53 is
// dropped on the way (a firewall, security group or NetworkPolicy opened for UDP 53 only).
// Everyday lookups still work; answers too large for UDP (truncated, retried over TCP) fail.
// The mirror of dns-udp-blocked, with the same demand on the evidence: no TCP lookup from the
// node's pods works, every UDP lookup from them does, and their other TCP traffic passes.
import { count, crossNodePodTrafficFails, dnsServer, explainAll, isDns, lookupFailed, passed, type DiagnosisRule, type RuleFinding } from './rule.ts';

export const dnsTcpBlocked: DiagnosisRule = {
  id: 'dns-tcp-blocked',
  pattern: "lookups over TCP time out from one node's pods while their UDP lookups and other TCP traffic work → TCP 53 dropped on that node (answers too large for UDP fail)",
  find({ all, open }) {
    const findings: RuleFinding[] = [];
    const tcp = open.filter((f) => lookupFailed(f) && f.lookup?.transport === 'tcp' && f.lookup.result === 'TIMEOUT' && f.from.kind === 'pod');
    for (const node of new Set(tcp.map((f) => f.from.node))) {
      const fromPods = all.filter((f) => f.from.node === node && f.source === 'pod');
      const udpLookups = fromPods.filter((f) => isDns(f) && f.lookup?.transport !== 'tcp');
      const udpOk = udpLookups.length > 0 && udpLookups.every(passed);
      const tcpLookupWorks = fromPods.some((f) => isDns(f) && f.lookup?.transport === 'tcp' && passed(f));
      const otherTcp = fromPods.filter((f) => (f.path === 'pod-to-service' || f.path === 'pod-to-pod') && f.protocol === 'tcp' && (f.payload ?? 'small') === 'small');
      const otherTcpOk = otherTcp.length === 0 || otherTcp.some(passed);
      if (!udpOk || tcpLookupWorks || !otherTcpOk || crossNodePodTrafficFails(all, node)) continue;
      const mine = tcp.filter((f) => f.from.node === node);
      findings.push({
        rule: this.id,
        cause:
          `DNS over TCP times out from pods on ${node} (${count(mine.length, 'check')}) while DNS over UDP from ${node} works: ` +
          `TCP 53 from ${node}'s pods to ${dnsServer(mine)} and the DNS pods is dropped — a firewall, security group or NetworkPolicy on ${node} opened for UDP 53 only; ` +
          `answers too large for UDP (truncated, retried over TCP) fail there`,
        explains: explainAll(mine, `TCP 53 dropped from ${node}'s pods; UDP 53 works`),
      });
    }
    return findings;
  },
};
