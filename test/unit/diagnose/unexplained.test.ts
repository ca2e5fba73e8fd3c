import { describe, expect, test } from 'vitest';
import { diagnose } from '../../../helpers/diagnose/index.ts';
import { row } from '../fixtures/results.ts';

describe('diagnosis: unexplained', () => {
  test('a failure no rule explains is listed, not guessed at', () => {
    const odd = row({
      suite: 'nodeport',
      from: { node: '', ip: '192.168.1.50', kind: 'runner' },
      to: { node: 'cp-1', kind: 'nodeport' },
      expect: 'CLOSED',
      observed: 'REACHABLE',
      outcome: 'failed',
      name: 'odd row',
    });
    const { causes } = diagnose([odd]);
    expect(causes).toEqual(['1 failing check matches no known pattern (e.g. odd row; nodeport the runner → cp-1 (NodePort), TCP, answered): read the detail of the failing rows']);
  });
});
