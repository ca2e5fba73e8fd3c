// Names resolved, but the address did not answer: the data path, which the other causes name.
import { count, explainAll, failed, isDns, names, type DiagnosisRule } from './rule.ts';

export const dnsResolvedDataPath: DiagnosisRule = {
  id: 'dns-resolved-data-path',
  pattern: 'a name resolved but its address did not answer → the data path (the pod-network or Service-proxy cause), not DNS',
  find({ open }) {
    const rows = open.filter((f) => isDns(f) && failed(f) && !f.lookup?.result);
    if (rows.length === 0) return [];
    return [
      {
        rule: this.id,
        cause: `names resolved but their addresses did not answer (${count(rows.length, 'check')} from ${names(rows.map((f) => f.from.node))}): not a DNS problem — the Service or pod path they use fails (see the pod-to-pod / pod-to-service causes)`,
        explains: explainAll(rows, 'resolved; the address did not answer: data path'),
      },
    ];
  },
};
