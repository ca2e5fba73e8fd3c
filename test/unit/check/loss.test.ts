import { describe, expect, test } from 'vitest';
import { classify, judgeLoss } from '../../../helpers/check/classify.ts';
import { percentile, sampleStats, samplesOf } from '../../../helpers/check/run.ts';
import type { AnswerCheck, NetworkCheck, WireEvent } from '../../../helpers/check/types.ts';

const host: AnswerCheck = { kind: 'hostname', expected: ['b'] };
const answer: WireEvent = { kind: 'answer', text: 'b' };
const lostTry: WireEvent = { kind: 'timeout', text: 'i/o timeout' };

describe('loss: each try is a sample', () => {
  test('lost tries are counted; with --max-loss 0 one lost sample fails the attempt as "lost K of N"', () => {
    const v = classify([answer, lostTry, answer], host);
    expect(v).toMatchObject({ observed: 'FILTERED', tries: 3, lost: 1, detail: expect.stringMatching(/^lost 1 of 3 \(2 answered: b\)/) });
  });

  test('within --max-loss a lossy path passes, and says what it lost; a wrong answer is never tolerated', () => {
    expect(classify([answer, lostTry, answer, answer], host, { maxLossPct: 25 })).toMatchObject({
      observed: 'REACHABLE',
      lost: 1,
      detail: expect.stringContaining('lost 1 of 4 (within --max-loss 25 %)'),
    });
    expect(classify([answer, lostTry], host, { maxLossPct: 25 }).observed).toBe('FILTERED');
    expect(classify([{ kind: 'answer', text: 'x' }, lostTry, answer, answer], host, { maxLossPct: 50 }).observed).toBe('WRONG_ANSWER');
    expect(classify([lostTry, lostTry], host, { maxLossPct: 100 }).observed).toBe('FILTERED');
  });

  test('over all attempts: a retry that came back clean does not hide earlier loss', () => {
    const clean = classify([answer, answer, answer], host);
    expect(judgeLoss(clean, { sent: 6, lost: 1 }, 0)).toMatchObject({ observed: 'FILTERED', detail: expect.stringMatching(/^lost 1 of 6 samples \(16.7 %, more than --max-loss 0 %\)/) });
    expect(judgeLoss(clean, { sent: 6, lost: 1 }, 20).observed).toBe('REACHABLE');
    expect(judgeLoss(clean, { sent: 6, lost: 0 }, 0)).toBe(clean);
  });

  test('latency percentiles by nearest rank; loss in percent with one decimal', () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(percentile([1, 2, 3, 4], 99)).toBe(4);
    expect(percentile([], 50)).toBeUndefined();
    expect(sampleStats(3, 1, [2.04, 1.0])).toEqual({ sent: 3, lost: 1, lossPct: 33.3, p50Ms: 1, p99Ms: 2 });
  });

  test('--samples applies to single small requests; Service spreads, full payloads and exec keep their own tries', () => {
    const dial = (tries: number, a: AnswerCheck = host) => ({ expect: 'REACHABLE', answer: a, drive: { via: 'probe', control: { pod: 'p' }, target: { host: 'h', port: 1 }, tries } }) as NetworkCheck;
    expect(samplesOf(dial(1), 5)).toBe(5);
    expect(samplesOf(dial(6), 5)).toBe(6);
    expect(samplesOf(dial(1, { kind: 'echo', bytes: 20480 }), 5)).toBe(1);
    expect(samplesOf({ expect: 'REACHABLE', answer: host, drive: { via: 'outside', target: { host: 'h', port: 1 }, timeoutMs: 1 } } as NetworkCheck, 4)).toBe(4);
    // A NodePort that must not answer would only wait out more timeouts.
    expect(samplesOf({ expect: 'CLOSED', answer: { kind: 'connect' }, drive: { via: 'outside', target: { host: 'h', port: 1 }, timeoutMs: 1 } } as NetworkCheck, 4)).toBe(1);
    expect(samplesOf({ expect: 'REACHABLE', answer: { kind: 'connect' }, drive: { via: 'connect', control: { pod: 'p' }, target: { host: 'h', port: 1 } } } as NetworkCheck, 4)).toBe(1);
  });
});
