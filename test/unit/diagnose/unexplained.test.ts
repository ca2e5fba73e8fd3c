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

  test('a path no rule knows (a new suite), failing beside a healthy run: only the fallback names it, no rule of another path claims it', () => {
    const healthy = [row(), row({ from: { node: 'worker-2' }, to: { node: 'worker-1' } }), row({ to: { node: 'worker-1', pod: 'probe-b' } })];
    const toy = row({
      suite: 'zz-toy-own-ip',
      name: 'worker-1/probe-a → itself 9/tcp (nothing listens: must fail)',
      to: { node: 'worker-1', pod: 'probe-a' },
      port: 9,
      observed: 'REFUSED',
      outcome: 'failed',
    });
    const { causes } = diagnose([...healthy, toy]);
    expect(causes).toEqual([
      '1 failing check matches no known pattern (e.g. worker-1/probe-a → itself 9/tcp (nothing listens: must fail); zz-toy-own-ip worker-1 → worker-1, TCP, refused): read the detail of the failing rows',
    ]);
  });
});
