// The one module that talks undici (STYLE.md §9). The runner speaks HTTPS to the API server
// itself for the pod proxy, because client-node's proxy helper URL-encodes the query string
// away (#550). Failures here are failures of the *control* path and come back as ControlError.
import { Agent, request } from 'undici';
import pLimit from 'p-limit';
import { ControlError, causeCode, messageOf } from './errors.ts';
import type { ControlTransport } from './kube/index.ts';
import { newThrottleCounter, retryThrottled, type ThrottlePolicy } from './kube/throttle.ts';

export interface HttpAnswer {
  status: number;
  body: string;
  elapsedMs: number;
}

export class ControlClient {
  private readonly transport: ControlTransport;
  private readonly agent: Agent;
  private readonly limit: ReturnType<typeof pLimit>;
  /** Requests sent to the API server through this client, retries included. */
  requests = 0;
  /** Throttled answers waited out (429, or 5xx with Retry-After). */
  readonly throttled = newThrottleCounter();
  private readonly throttlePolicy?: ThrottlePolicy;

  constructor(transport: ControlTransport, options: { concurrency: number; throttle?: ThrottlePolicy }) {
    this.transport = transport;
    this.throttlePolicy = options.throttle;
    this.limit = pLimit(Math.max(1, options.concurrency));
    this.agent = new Agent({
      connections: Math.max(1, options.concurrency),
      connect: {
        ca: transport.tls.ca,
        cert: transport.tls.cert,
        key: transport.tls.key,
        rejectUnauthorized: transport.tls.rejectUnauthorized ?? true,
      },
    });
  }

  /**
   * GET a path on the API server (e.g. a pod-proxy URL). Throws ControlError when no HTTP answer
   * came back. A throttled answer (429, or 5xx with Retry-After) is waited out and repeated
   * within bounds (kube/throttle.ts); the last answer stands when they run out.
   */
  get(pathAndQuery: string, options: { timeoutMs: number; what: string }): Promise<HttpAnswer & { retryAfter?: string }> {
    return this.limit(() =>
      retryThrottled(() => this.getOnce(pathAndQuery, options), {
        throttleOf: (o) => ('value' in o && o.value.status >= 429 ? { status: o.value.status, retryAfter: o.value.retryAfter } : undefined),
        idempotent: true,
        counter: this.throttled,
        policy: this.throttlePolicy,
      }),
    );
  }

  private async getOnce(pathAndQuery: string, options: { timeoutMs: number; what: string }): Promise<HttpAnswer & { retryAfter?: string }> {
    this.requests++;
    const started = performance.now();
    try {
      const res = await request(this.transport.server + pathAndQuery, {
        method: 'GET',
        dispatcher: this.agent,
        headers: this.transport.headers,
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      const body = await res.body.text();
      const retryAfter = res.headers['retry-after'];
      return { status: res.statusCode, body, elapsedMs: performance.now() - started, ...(retryAfter ? { retryAfter: String(retryAfter) } : {}) };
    } catch (err) {
      const code = errorCode(err);
      const reason = code === 'TimeoutError' ? `no answer within ${options.timeoutMs / 1000} s` : `${code ?? 'error'}: ${messageOf(err)}`;
      throw new ControlError(`${options.what}: ${reason} (API server ${this.transport.server})`, { code, cause: err });
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

function errorCode(err: unknown): string | undefined {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return 'TimeoutError';
  return causeCode(err);
}

/** The runner's own request to a node address failed; `code` says how (ECONNREFUSED, TimeoutError, EHOSTUNREACH…). */
export class OutsideError extends Error {
  readonly code: string;
  constructor(message: string, options: { code: string; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = 'OutsideError';
    this.code = options.code;
  }
}

/**
 * GET from the runner itself to a node address (the nodeport suite: the runner is the outside
 * client). Plain HTTP, a fresh connection per request (so every try really reaches the node),
 * an exact deadline. Callers pass node addresses only: pod and Service IPs are not reachable
 * from outside the cluster, and from the runner they would leave by its default route.
 */
export async function outsideGet(url: string, options: { timeoutMs: number }): Promise<HttpAnswer> {
  const agent = new Agent({ connections: 1, pipelining: 0, connect: { timeout: options.timeoutMs } });
  const started = performance.now();
  try {
    const res = await request(url, { method: 'GET', dispatcher: agent, signal: AbortSignal.timeout(options.timeoutMs) });
    const body = await res.body.text();
    return { status: res.statusCode, body, elapsedMs: performance.now() - started };
  } catch (err) {
    const code = errorCode(err) ?? 'error';
    throw new OutsideError(`GET ${url}: ${code === 'TimeoutError' || code === 'UND_ERR_CONNECT_TIMEOUT' ? `no answer within ${options.timeoutMs / 1000} s` : `${code}: ${messageOf(err)}`}`, {
      code,
      cause: err,
    });
  } finally {
    await agent.destroy().catch(() => undefined);
  }
}
