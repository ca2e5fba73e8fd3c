// Failing rows no rule explains: listed with the pattern they make (which paths, from where to
// where, over what, and what was seen), so a person can read it — never guessed at.
import type { Facts } from './facts.ts';
import { count, failed, groupBy, names, proto, type DiagnosisRule } from './rule.ts';

const side = (f: Facts, end: 'from' | 'to') => {
  const e = f[end];
  if (e.kind === 'runner') return 'the runner';
  if (e.kind === 'service') return 'Services';
  return e.node ? `${e.node}${e.kind === 'host' ? ' (host)' : e.kind === 'nodeport' ? ' (NodePort)' : ''}` : e.kind;
};

/** "pod-to-service: lab-worker-2 → Services, TCP, filtered" for each path, the largest first. */
function pattern(rows: readonly Facts[]): string {
  return [...groupBy(rows, (f) => f.path)]
    .sort((a, b) => b[1].length - a[1].length)
    .slice(0, 3)
    .map(
      ([path, mine]) =>
        `${path} ${names(
          mine.map((f) => side(f, 'from')),
          3,
        )} → ${names(
          mine.map((f) => side(f, 'to')),
          3,
        )}, ${names(mine.map(proto))}, ${names(mine.map((f) => f.seen))}`,
    )
    .join('; ');
}

export const unexplained: DiagnosisRule = {
  id: 'unexplained',
  pattern: 'failing rows no rule explains → listed with the pattern they make (paths, ends, protocols, what was seen), not guessed at',
  find({ open }) {
    const rows = open.filter(failed);
    if (rows.length === 0) return [];
    return [
      {
        rule: this.id,
        cause: `${count(rows.length, 'failing check')} ${rows.length === 1 ? 'matches' : 'match'} no known pattern (e.g. ${rows[0]!.quote.title}; ${pattern(rows)}): read the detail of the failing rows`,
        explains: [],
      },
    ];
  },
};
