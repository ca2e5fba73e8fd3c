// A sessionAffinity: ClientIP Service must keep one client on one backend; a client whose
// requests were answered by several backends shows the Service proxy ignores the affinity.
import { count, explainAll, failed, names, type DiagnosisRule } from './rule.ts';

export const sessionAffinity: DiagnosisRule = {
  id: 'session-affinity',
  pattern: "one client's requests to a `sessionAffinity: ClientIP` Service reach several backends → affinity ignored by the Service proxy",
  find({ open }) {
    const rows = open.filter((f) => f.path === 'session-affinity' && failed(f) && f.seen === 'wrong-answer' && (f.answeredBy ?? []).length > 1);
    if (rows.length === 0) return [];
    return [
      {
        rule: this.id,
        cause:
          `sessionAffinity: ClientIP is not honoured from ${names(rows.map((f) => f.from.node))} (${count(rows.length, 'check')}: one client's requests reached several backends): ` +
          `the Service proxy there ignores session affinity — check kube-proxy's mode and version (or the CNI's Service implementation replacing it)`,
        explains: explainAll(rows, 'one client, several backends: session affinity ignored'),
      },
    ];
  },
};
