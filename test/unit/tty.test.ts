// Terminal manners: when to colour, when to rewrite one progress line, and what each mode writes.
import { describe, expect, test } from 'vitest';
import { Progress, colorEnabled, formatElapsed, liveProgress, painter, type ProgressStream } from '../../helpers/tty.ts';

const tty = (env: Record<string, string | undefined> = {}) => ({ isTTY: true, env });
const pipe = (env: Record<string, string | undefined> = {}) => ({ isTTY: false, env });

describe('decisions', () => {
  test.each([
    ['a terminal', tty(), true],
    ['a terminal with NO_COLOR=1', tty({ NO_COLOR: '1' }), false],
    ['a terminal with NO_COLOR set to anything', tty({ NO_COLOR: 'yes please' }), false],
    ['a terminal with an empty NO_COLOR (no-color.org: means unset)', tty({ NO_COLOR: '' }), true],
    ['a dumb terminal', tty({ TERM: 'dumb' }), false],
    ['a pipe / CI log', pipe(), false],
    ['a pipe even with FORCE_COLOR', pipe({ FORCE_COLOR: '1' }), false],
  ])('colour on %s: %s', (_, facts, expected) => {
    expect(colorEnabled(facts)).toBe(expected);
  });

  test.each([
    ['a terminal', tty(), true],
    ['a terminal with NO_COLOR (colour is not motion)', tty({ NO_COLOR: '1' }), true],
    ['a dumb terminal', tty({ TERM: 'dumb' }), false],
    ['a pipe / CI log', pipe(), false],
  ])('live progress line on %s: %s', (_, facts, expected) => {
    expect(liveProgress(facts)).toBe(expected);
  });

  test('painter: styleText codes when on, the text untouched when off', () => {
    expect(painter(true)('FAIL', 'red')).toBe('\x1b[31mFAIL\x1b[39m');
    expect(painter(false)('FAIL', 'red')).toBe('FAIL');
  });

  test('elapsed time', () => {
    expect(formatElapsed(850)).toBe('850 ms');
    expect(formatElapsed(12_340)).toBe('12.3 s');
    expect(formatElapsed(125_000)).toBe('2m05s');
  });
});

/** A stream that records writes and keeps what a terminal would show (for the \r / clear-line codes readline writes). */
function fakeStream(options: { isTTY: boolean; columns?: number }): ProgressStream & { writes: string[]; screen: () => string[] } {
  const writes: string[] = [];
  return {
    ...options,
    writes,
    write(text: string) {
      writes.push(text);
      return true;
    },
    screen() {
      // Replay: "\x1b[2K" clears the line, "\x1b[1G"/"\r" returns to column 0 (what readline emits).
      const lines = [''];
      for (const chunk of writes.join('').split(/(\x1b\[2K|\x1b\[1G|\r|\n)/)) {
        if (chunk === '\n') lines.push('');
        else if (chunk === '\x1b[2K') lines[lines.length - 1] = '';
        else if (chunk === '\x1b[1G' || chunk === '\r' || chunk === '') continue;
        else lines[lines.length - 1] += chunk;
      }
      return lines;
    },
  };
}

describe('Progress', () => {
  test('not a terminal: every status and note is its own plain line, as before', () => {
    const s = fakeStream({ isTTY: false });
    const p = new Progress(s, { live: false });
    p.status('creating 9 probe pods');
    p.status('probes ready: 3/9');
    p.note('warning: something');
    p.suspend();
    expect(s.writes).toEqual(['creating 9 probe pods\n', 'probes ready: 3/9\n', 'warning: something\n']);
  });

  test('a terminal: one line rewritten in place with the elapsed time; notes stay above it', () => {
    let now = 0;
    const s = fakeStream({ isTTY: true, columns: 80 });
    const p = new Progress(s, { live: true, now: () => now, tickMs: 0 });
    now = 1200;
    p.status('probes ready: 3/9');
    now = 4200;
    p.status('probes ready: 9/9');
    expect(s.writes.join('')).not.toContain('\n');
    expect(s.screen()).toEqual(['probes ready: 9/9 · 4.2 s']);
    p.note('warning: the API server cannot reach 1 probe');
    expect(s.screen()).toEqual(['warning: the API server cannot reach 1 probe', 'probes ready: 9/9 · 4.2 s']);
    p.suspend();
    expect(s.screen()).toEqual(['warning: the API server cannot reach 1 probe', '']);
  });

  test('a terminal: a status longer than the terminal is cut to one line, so the rewrite still works', () => {
    const s = fakeStream({ isTTY: true, columns: 40 });
    const p = new Progress(s, { live: true, now: () => 0, tickMs: 0 });
    p.status(`probes ready: 1/9 (waiting for ${'x'.repeat(100)})`);
    const [line] = s.screen();
    expect(line!.length).toBeLessThanOrEqual(39);
    expect(line).toMatch(/…/);
  });

  test('a terminal: the ticker keeps the elapsed time moving during a wait', async () => {
    let now = 0;
    const s = fakeStream({ isTTY: true });
    const p = new Progress(s, { live: true, now: () => now, tickMs: 5 });
    p.status('waiting for endpoints');
    now = 3000;
    await expect.poll(() => s.screen()[0], { timeout: 2000 }).toBe('waiting for endpoints · 3.0 s');
    p.suspend();
  });
});
