// Diagnosis rule `probe-changed`, first of all: rows that failed while a probe they depend on
// was deleted, replaced, restarted or moved — or a node they touch became NotReady or was
// cordoned — were turned into errors by helpers/identity.ts (property probe.changed /
// node.changed). They say nothing about the network, so this rule owns them before any network
// rule can read them as a broken path.
import type { DiagnosisRule, Finding } from './diagnose.ts';
import type { NetworkResult } from './check/types.ts';

export const probeChangedRule: DiagnosisRule = {
  id: 'probe-changed',
  pattern: 'rows that failed while a probe they depend on was deleted/restarted/moved, or a node became NotReady/cordoned, during the run',
  find({ open }) {
    const byChange = new Map<string, NetworkResult[]>();
    for (const r of open) {
      const text = r.properties?.['change.text'];
      if (text && (r.properties?.['probe.changed'] || r.properties?.['node.changed'])) byChange.set(text, [...(byChange.get(text) ?? []), r]);
    }
    return [...byChange].map(([text, rows]): Finding => ({
      rule: 'probe-changed',
      cause: `${text}: ${rows.length} check${rows.length === 1 ? '' : 's'} that depend on it could not be judged and are reported as errors, not network failures — pod churn (an eviction, a drain, someone deleting the pod) is not a network fault; run again on a quiet cluster`,
      explains: rows.map((result) => ({ result, note: `${text}: not a network verdict` })),
    }));
  },
};
