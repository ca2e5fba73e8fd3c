import { count, failed, type DiagnosisRule } from './rule.ts';

export const unexplained: DiagnosisRule = {
  id: 'unexplained',
  pattern: 'failing rows no rule explains: listed, not guessed at',
  find({ open }) {
    const rows = open.filter(failed);
    if (rows.length === 0) return [];
    return [
      {
        rule: this.id,
        cause: `${count(rows.length, 'failing check')} ${rows.length === 1 ? 'matches' : 'match'} no known pattern (e.g. ${rows[0]!.quote.title}): read the detail of the failing rows`,
        explains: [],
      },
    ];
  },
};
