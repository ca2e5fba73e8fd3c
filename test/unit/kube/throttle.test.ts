import { describe, expect, test } from 'vitest';
import { DEFAULT_THROTTLE_POLICY, isRetryableThrottle, newThrottleCounter, parseRetryAfter, retryThrottled, throttleWaitMs, type Attempt } from '../../../helpers/kube/throttle.ts';

/** A scripted server: each attempt takes the next answer (a status, or 200). */
function scripted(statuses: number[], retryAfter?: string) {
  let i = 0;
  const attempt = async () => ({ status: statuses[Math.min(i++, statuses.length - 1)]!, retryAfter });
  const throttleOf = (o: Attempt<{ status: number; retryAfter?: string }>) => ('value' in o && o.value.status !== 200 ? o.value : undefined);
  return { attempt, throttleOf, attempts: () => i };
}

function recorder() {
  const waits: number[] = [];
  return { waits, wait: async (ms: number) => void waits.push(ms) };
}

describe('Retry-After', () => {
  test('delay-seconds and HTTP-date are read; junk is not', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(' 0 ')).toBe(0);
    const now = Date.parse('2026-12-01T12:00:00Z');
    expect(parseRetryAfter('Tue, 01 Dec 2026 12:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Tue, 01 Dec 2026 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });

  test('429 is always a throttle; 5xx only with Retry-After and only for requests safe to repeat', () => {
    expect(isRetryableThrottle({ status: 429 }, { idempotent: false })).toBe(true);
    expect(isRetryableThrottle({ status: 503, retryAfter: '1' }, { idempotent: true })).toBe(true);
    expect(isRetryableThrottle({ status: 503, retryAfter: '1' }, { idempotent: false })).toBe(false);
    expect(isRetryableThrottle({ status: 503 }, { idempotent: true })).toBe(false);
    expect(isRetryableThrottle({ status: 500, retryAfter: 'soon' }, { idempotent: true })).toBe(false);
    expect(isRetryableThrottle({ status: 404, retryAfter: '1' }, { idempotent: true })).toBe(false);
  });

  test('waits follow Retry-After, capped; without it an exponential backoff', () => {
    expect(throttleWaitMs({ status: 429, retryAfter: '2' }, 0)).toBe(2000);
    expect(throttleWaitMs({ status: 429, retryAfter: '3600' }, 0)).toBe(DEFAULT_THROTTLE_POLICY.maxWaitMs);
    expect([0, 1, 2, 3].map((n) => throttleWaitMs({ status: 429 }, n))).toEqual([250, 500, 1000, 2000]);
  });
});

describe('retryThrottled', () => {
  test('two 429s then an answer → the answer, 2 retries counted with their waits', async () => {
    const server = scripted([429, 429, 200], '1');
    const counter = newThrottleCounter();
    const { waits, wait } = recorder();
    const answer = await retryThrottled(server.attempt, { throttleOf: server.throttleOf, idempotent: true, counter, wait, jitter: () => 0 });
    expect(answer.status).toBe(200);
    expect(server.attempts()).toBe(3);
    expect(waits).toEqual([1000, 1000]);
    expect(counter).toEqual({ retries: 2, waitMs: 2000, gaveUp: 0 });
  });

  test('bounded in number: a server that always throttles gets maxRetries retries, then its last answer stands', async () => {
    const server = scripted([429]);
    const counter = newThrottleCounter();
    const { wait } = recorder();
    const answer = await retryThrottled(server.attempt, { throttleOf: server.throttleOf, idempotent: true, counter, wait, jitter: () => 0 });
    expect(answer.status).toBe(429);
    expect(server.attempts()).toBe(DEFAULT_THROTTLE_POLICY.maxRetries + 1);
    expect(counter.gaveUp).toBe(1);
  });

  test('bounded in total wait: Retry-After 10 s stops after 30 s of waiting', async () => {
    const server = scripted([429], '10');
    const counter = newThrottleCounter();
    const { waits, wait } = recorder();
    await retryThrottled(server.attempt, { throttleOf: server.throttleOf, idempotent: true, counter, wait, jitter: () => 0 });
    expect(waits).toEqual([10_000, 10_000, 10_000]);
    expect(counter).toEqual({ retries: 3, waitMs: 30_000, gaveUp: 1 });
  });

  test('waits are spread by up to half (requests throttled together do not return together), still within the bounds', async () => {
    const server = scripted([429, 429, 200], '1');
    const counter = newThrottleCounter();
    const { waits, wait } = recorder();
    let n = 0;
    await retryThrottled(server.attempt, { throttleOf: server.throttleOf, idempotent: true, counter, wait, jitter: () => [0.5, 0.999][n++] ?? 0 });
    expect(waits).toEqual([1250, 1499]);
    expect(counter.waitMs).toBe(2749);
    const long = scripted([429], '10');
    const { waits: capped, wait: wait2 } = recorder();
    await retryThrottled(long.attempt, { throttleOf: long.throttleOf, idempotent: true, counter: newThrottleCounter(), wait: wait2, jitter: () => 0.9 });
    expect(capped.every((ms) => ms <= DEFAULT_THROTTLE_POLICY.maxWaitMs)).toBe(true);
  });

  test('a create under 503 + Retry-After is not repeated (it may have been applied); errors pass through unchanged', async () => {
    const counter = newThrottleCounter();
    const failure = Object.assign(new Error('HTTP 503'), { status: 503 });
    const throttleOf = (o: Attempt<never>) => ('error' in o ? { status: 503, retryAfter: '1' } : undefined);
    await expect(
      retryThrottled(
        async () => {
          throw failure;
        },
        { throttleOf, idempotent: false, counter, wait: recorder().wait, jitter: () => 0 },
      ),
    ).rejects.toBe(failure);
    expect(counter).toEqual({ retries: 0, waitMs: 0, gaveUp: 0 });
  });
});

describe("the run's phase line", async () => {
  const { describeThrottling } = await import('../../../helpers/cli/run.ts');
  test('says nothing when the run was not throttled, and how much it was slowed down when it was', () => {
    expect(describeThrottling(newThrottleCounter())).toBe('');
    expect(describeThrottling({ retries: 4, waitMs: 2500, gaveUp: 0 })).toBe('; throttled by the API server: 4 retries, 2.5 s waited');
    expect(describeThrottling({ retries: 1, waitMs: 250, gaveUp: 1 })).toBe('; throttled by the API server: 1 retry, 0.3 s waited, 1 still throttled after the retry bounds');
  });
});
