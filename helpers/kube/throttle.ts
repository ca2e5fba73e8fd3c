// API server throttling, handled in one place: a 429 (API Priority and Fairness, or a proxy in
// front of the API server) is retried, and so is a 5xx that says when to come back (Retry-After)
// when repeating the request is harmless. Waits follow Retry-After, else an exponential
// backoff; both are bounded per wait, in number and in total, and every retry is counted so a
// run can show how much it was slowed down. Used by the client seam (kube/client.ts) and the
// pod-proxy client (http.ts).

/** What a throttled answer said; `retryAfter` is the raw Retry-After header. */
export interface ThrottleAnswer {
  status: number;
  retryAfter?: string;
}

export interface ThrottlePolicy {
  /** Retries after the first attempt. */
  maxRetries: number;
  /** Longest single wait, whatever Retry-After asks for. */
  maxWaitMs: number;
  /** Longest total wait for one request; past it the last answer stands. */
  maxTotalWaitMs: number;
  /** First backoff without Retry-After; doubles each retry. */
  baseBackoffMs: number;
}

export const DEFAULT_THROTTLE_POLICY: ThrottlePolicy = { maxRetries: 5, maxWaitMs: 10_000, maxTotalWaitMs: 30_000, baseBackoffMs: 250 };

/** How often a client was throttled: shown in the run's phase line and counters. */
export interface ThrottleCounter {
  /** Requests repeated after a throttled answer. */
  retries: number;
  /** Time spent waiting before those retries. */
  waitMs: number;
  /** Requests still throttled when the bounds ran out (their last answer was returned). */
  gaveUp: number;
}

export function newThrottleCounter(): ThrottleCounter {
  return { retries: 0, waitMs: 0, gaveUp: 0 };
}

/** Retry-After as milliseconds: delay-seconds or an HTTP-date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, nowMs = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** Is this answer a throttle to wait out? 429 always; a 5xx only with Retry-After and when repeating is harmless. */
export function isRetryableThrottle(answer: ThrottleAnswer, options: { idempotent: boolean }): boolean {
  if (answer.status === 429) return true;
  return answer.status >= 500 && answer.status <= 599 && options.idempotent && parseRetryAfter(answer.retryAfter) !== undefined;
}

/** The wait before retry number `retry` (0-based). */
export function throttleWaitMs(answer: ThrottleAnswer, retry: number, policy: ThrottlePolicy = DEFAULT_THROTTLE_POLICY, nowMs = Date.now()): number {
  const asked = parseRetryAfter(answer.retryAfter, nowMs);
  return Math.min(asked ?? policy.baseBackoffMs * 2 ** retry, policy.maxWaitMs);
}

export type Attempt<T> = { value: T } | { error: unknown };

export interface RetryOptions<T> {
  /** The throttle an attempt's outcome carries, if any (a 429 response or an exception with a status). */
  throttleOf: (outcome: Attempt<T>) => ThrottleAnswer | undefined;
  /** A request that changes state (create) is repeated only on 429, which the server did not process. */
  idempotent: boolean;
  counter: ThrottleCounter;
  policy?: ThrottlePolicy;
  /** Injected by tests; resolves after `ms`. */
  wait?: (ms: number) => Promise<void>;
  /**
   * A number in [0, 1) that spreads each wait by up to half of it (default Math.random): requests
   * throttled together (APF answers every rejected request `Retry-After: 1`) must not all come back
   * in the same millisecond and be throttled together again. Tests pass () => 0.
   */
  jitter?: () => number;
}

const realWait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Run `attempt` until its outcome is not a retryable throttle or the bounds run out; return (or throw) the last outcome. */
export async function retryThrottled<T>(attempt: () => Promise<T>, options: RetryOptions<T>): Promise<T> {
  const policy = options.policy ?? DEFAULT_THROTTLE_POLICY;
  const wait = options.wait ?? realWait;
  const jitter = options.jitter ?? Math.random;
  let waited = 0;
  for (let retry = 0; ; retry++) {
    let outcome: Attempt<T>;
    try {
      outcome = { value: await attempt() };
    } catch (error) {
      outcome = { error };
    }
    const throttle = options.throttleOf(outcome);
    if (throttle && isRetryableThrottle(throttle, options)) {
      const asked = throttleWaitMs(throttle, retry, policy);
      const ms = Math.min(asked + Math.floor((jitter() * asked) / 2), policy.maxWaitMs);
      if (retry < policy.maxRetries && waited + ms <= policy.maxTotalWaitMs) {
        options.counter.retries++;
        options.counter.waitMs += ms;
        waited += ms;
        await wait(ms);
        continue;
      }
      options.counter.gaveUp++;
    }
    if ('error' in outcome) throw outcome.error;
    return outcome.value;
  }
}
