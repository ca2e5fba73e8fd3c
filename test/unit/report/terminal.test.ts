import { describe, expect, test } from 'vitest';
import { renderTerminal } from '../../../helpers/report/terminal.ts';
import { podToPod, run } from '../fixtures/results.ts';

const cutWorker2 = (r: { from: { node: string }; to: { node: string } }) => (r.from.node !== r.to.node && (r.from.node === 'worker-2' || r.to.node === 'worker-2') ? ('FILTERED' as const) : undefined);

describe('terminal view', () => {
  test('the matrix marks the broken pairs and the verdict is the last line', () => {
    const text = renderTerminal(run(podToPod({ fault: cutWorker2 }), { diagnosis: ['pod route of worker-2'] }), { color: false });
    const lines = text.split('\n');
    expect(lines.at(-1)).toBe('FAIL: 16 of 36 checks failed on 3 nodes');
    expect(lines).toContain('worker-1   ✓ 4/4  ✓ 4/4     ✗ 0/4');
    expect(lines).toContain('probable cause: pod route of worker-2');
    expect(text).not.toContain('\x1b[');
  });

  test('colour only when asked (TTY), never in plain output', () => {
    const coloured = renderTerminal(run(podToPod()), { color: true });
    expect(coloured).toContain('\x1b[32mPASS: all 36 checks passed on 3 nodes\x1b[39m');
  });

  test('wide clusters collapse to one line per source naming the failing destinations', () => {
    const text = renderTerminal(run(podToPod({ fault: cutWorker2 })), { color: false, maxColumns: 2 });
    expect(text).toContain('worker-1 → ✗ 1 of 3 destinations: worker-2');
    expect(text).toContain('cp-1 → ✗ 1 of 3 destinations: worker-2');
    expect(text).toContain('worker-2 → ✗ 2 of 3 destinations: cp-1, worker-1');
  });
});
