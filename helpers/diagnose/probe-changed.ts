// First of all: rows that failed while a probe they depend on was deleted, replaced, restarted
// or moved — or a node they touch became NotReady or was cordoned — were turned into errors by
// helpers/probes/identity.ts. They say nothing about the network, so this rule owns them before any
// network rule can read them as a broken path.
import type { Facts } from './facts.ts';
import type { DiagnosisRule, RuleFinding } from './rule.ts';

export const probeChanged: DiagnosisRule = {
  id: 'probe-changed',
  pattern:
    'rows that did not pass while a probe they depend on was deleted, replaced, restarted, moved or went unready, or a node they touch became NotReady/cordoned → that change, first; the rows are errors, not network failures',
  find({ open }) {
    const byChange = new Map<string, Facts[]>();
    for (const f of open) if (f.change) byChange.set(f.change, [...(byChange.get(f.change) ?? []), f]);
    return [...byChange].map(([text, rows]): RuleFinding => ({
      rule: 'probe-changed',
      cause: `${text}: ${rows.length} check${rows.length === 1 ? '' : 's'} that depend on it could not be judged and are reported as errors, not network failures — pod churn (an eviction, a drain, someone deleting the pod) is not a network fault; run again on a quiet cluster`,
      explains: rows.map((facts) => ({ facts, note: `${text}: not a network verdict` })),
    }));
  },
};
