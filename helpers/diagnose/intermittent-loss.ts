// A path that drops some packets is not a broken path. When rows between two nodes lost some
// of their samples while other samples of the same rows came back, the pair has intermittent
// loss; every failing row between those two nodes is explained by it (a full-size payload or a
// retry that lost every sample on such a path is the same fault). A broken path (cut route,
// firewall) loses every sample of its rows, so it never matches here and falls to the narrower
// rules. Runs before the MTU and pod-network rules. Only rows no earlier rule explained can show
// the loss: a probe that restarted during the run (probe-changed) loses samples of its rows
// without the path dropping anything.
import type { Facts } from './facts.ts';
import type { DiagnosisRule, RuleFinding } from './rule.ts';

const pairKey = (a: string, b: string) => [a, b].sort().join('\u0000');

/**
 * Some samples answered and some were lost, within one row. A row that ended refused is not
 * one: its samples that were not lost were refusals, not answers — a firewall that REJECTs
 * answers some tries "refused" and lets the rest time out (the kernel rate-limits its ICMP
 * errors), which is a closed path, not a lossy one.
 */
export const partialLoss = (f: Pick<Facts, 'samples'> & Partial<Pick<Facts, 'seen'>>) => Boolean(f.samples && f.samples.lost > 0 && f.samples.lost < f.samples.sent && f.seen !== 'refused');

export const intermittentLoss: DiagnosisRule = {
  id: 'intermittent-loss',
  pattern:
    'rows between two nodes lose some of their samples while other samples of the same rows answer → "intermittent loss between A and B: K %" (a path that works but drops packets), not a broken path (a refused row is not lossy: a REJECT answers some tries); owns every failing row between the pair',
  find({ all, open }) {
    const between = (f: Facts) => f.direction === 'node-to-node';
    const lossy = new Set(open.filter((f) => between(f) && partialLoss(f)).map((f) => pairKey(f.from.node, f.to.node)));
    const findings: RuleFinding[] = [];
    for (const key of lossy) {
      const [a = '', b = ''] = key.split('\u0000');
      const pairRows = all.filter((f) => between(f) && pairKey(f.from.node, f.to.node) === key && f.samples);
      const sent = pairRows.reduce((n, f) => n + (f.samples?.sent ?? 0), 0);
      const lost = pairRows.reduce((n, f) => n + (f.samples?.lost ?? 0), 0);
      const explained = open.filter((f) => between(f) && pairKey(f.from.node, f.to.node) === key && f.outcome === 'failed');
      if (explained.length === 0) continue;
      const other = (n: string) => (n === a ? b : n === b ? a : undefined);
      // Collateral: traffic that crosses the pair on its way — a NodePort on one of the two
      // forwarding to its backend on the other, a Service VIP used from one of them (its backend
      // may be on the other) — loses packets too.
      const crossing = open.filter(
        (f) =>
          f.outcome === 'failed' &&
          !explained.includes(f) &&
          ((f.path === 'nodeport' && f.direction === 'from-runner' && other(f.to.node) !== undefined && f.backendNode === other(f.to.node)) ||
            (f.direction === 'to-service' && (f.from.node === a || f.from.node === b) && f.seen === 'filtered')),
      );
      const pct = sent > 0 ? Math.round((lost / sent) * 1000) / 10 : 0;
      const note = `intermittent loss between ${a} and ${b} (${pct} % of samples lost)`;
      findings.push({
        rule: 'intermittent-loss',
        cause: `intermittent loss between ${a} and ${b}: ${pct} % (lost ${lost} of ${sent} samples over ${pairRows.length} checks between them; some samples of the same checks answered, so the path works but drops packets)${crossing.length ? `; ${crossing.length} NodePort/Service check${crossing.length === 1 ? '' : 's'} whose traffic crosses the pair fail${crossing.length === 1 ? 's' : ''} with it` : ''} — look for a flaky link, NIC errors or a rate-limiting/overloaded firewall between ${a} and ${b}`,
        explains: [
          ...explained.map((facts) => ({ facts, note })),
          ...crossing.map((facts) => ({
            facts,
            note: `${note}: this check's traffic crosses that pair (${facts.path === 'nodeport' ? `NodePort on ${facts.to.node} → backend on ${facts.backendNode}` : 'Service backend may be on the other node'})`,
          })),
        ],
      });
    }
    return findings;
  },
};
