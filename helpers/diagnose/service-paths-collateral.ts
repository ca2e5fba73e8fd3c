// Hairpin and affinity rows on a node where no Service works at all: the Service-proxy cause
// speaks for them; they are not a hairpin or affinity problem of their own.
import { count, explainAll, failed, names, serviceProxyWorksFrom, type DiagnosisRule } from './rule.ts';

export const servicePathsCollateral: DiagnosisRule = {
  id: 'service-paths-collateral',
  pattern: 'hairpin and session-affinity rows fail on a node where no Service row works either → the Service-proxy cause, not their own',
  find({ all, open }) {
    const rows = open.filter(
      (f) =>
        (f.path === 'hairpin' || f.path === 'session-affinity') &&
        failed(f) &&
        !serviceProxyWorksFrom(all, f.from.node) &&
        all.some((x) => x.path === 'pod-to-service' && x.from.node === f.from.node && failed(x)),
    );
    if (rows.length === 0) return [];
    const nodes = names(rows.map((f) => f.from.node));
    return [
      {
        rule: this.id,
        cause: `hairpin and session-affinity Services fail from ${nodes} like every other Service there (${count(rows.length, 'check')}): the same cause as the failing Service rows of ${nodes}, not a hairpin or affinity problem of their own`,
        explains: explainAll(rows, `no Service works from ${nodes}: Service proxy`),
      },
    ];
  },
};
