// The one module that talks undici. The runner speaks to the API server itself for the probes'
// exec streams (a WebSocket per probe, stdin included: exec-socket.ts) and plain GETs such as a
// container's log, with one connection pool and no client library in the suite workers.
// Failures here are failures of the *control* path and come back as ControlError. Credentials
// come from a source that reads them again when they expire or are rejected
// (kube/credentials.ts): a request or exec handshake refused with 401 is repeated once with
// fresh ones; an exec stream already open keeps the credentials it was opened with.
import type { Agent } from 'undici';
import pLimit from 'p-limit';
import { ControlError, causeCode, messageOf } from './errors.ts';
import { undici } from './lazy-deps.ts';
import { execOnce, openExecStreamOnce, type ExecOptions, type ExecResult, type ExecStream, type ExecStreamOptions } from './exec-socket.ts';
import type { ControlTransport } from './kube/index.ts';
import { fixedCredentials, isCredentialSource, sameTls, withRenewal, type CredentialSource } from './kube/credentials.ts';
import { newThrottleCounter, retryThrottled, type ThrottlePolicy } from './kube/throttle.ts';

export { execExitCode, type ExecStream } from './exec-socket.ts';

export interface HttpAnswer {
  status: number;
  body: string;
  elapsedMs: number;
}

/** How long the check of a refused exec handshake's credentials may take (one GET /version). */
const CREDENTIALS_CHECK_MS = 10_000;

/** The connections of one set of TLS material: bounded for GETs, and the exec sockets' own (upgraded connections leave the pool). */
interface Pool {
  basis: ControlTransport;
  agent: Agent;
  exec: Agent;
}

export class ControlClient {
  /** Where each request's transport comes from (read again when expired or rejected). */
  readonly credentials: CredentialSource;
  private readonly concurrency: number;
  private pool?: Pool;
  /** Pools of TLS material replaced by renewed credentials: open exec streams may still use them, closed at close(). */
  private readonly retired: Pool[] = [];
  private readonly limit: ReturnType<typeof pLimit>;
  /** Requests sent to the API server through this client, retries included. */
  requests = 0;
  /** Exec streams opened through this client (each is one of `requests`). */
  execStreams = 0;
  /** Throttled answers waited out (429, or 5xx with Retry-After). */
  readonly throttled = newThrottleCounter();
  private readonly throttlePolicy?: ThrottlePolicy;

  /** `credentials`: a source (Kube.credentials, the suites' credential channel) or one fixed transport. */
  constructor(credentials: CredentialSource | ControlTransport, options: { concurrency: number; throttle?: ThrottlePolicy }) {
    this.credentials = isCredentialSource(credentials) ? credentials : fixedCredentials(credentials);
    this.throttlePolicy = options.throttle;
    this.concurrency = Math.max(1, options.concurrency);
    this.limit = pLimit(this.concurrency);
  }

  /** The connection pool for `t`'s TLS material (a new one when renewed credentials brought other material). */
  private poolFor(t: ControlTransport): Pool {
    if (this.pool && sameTls(this.pool.basis, t)) return this.pool;
    if (this.pool) this.retired.push(this.pool);
    const connect = { ca: t.tls.ca, cert: t.tls.cert, key: t.tls.key, rejectUnauthorized: t.tls.rejectUnauthorized ?? true };
    this.pool = { basis: t, agent: new (undici().Agent)({ connections: this.concurrency, connect }), exec: new (undici().Agent)({ connect }) };
    return this.pool;
  }

  /**
   * GET a path on the API server (e.g. a pod-proxy URL). Throws ControlError when no HTTP answer
   * came back. A throttled answer (429, or 5xx with Retry-After) is waited out and repeated
   * within bounds (kube/throttle.ts); the last answer stands when they run out. A 401 has the
   * credentials read again and the GET repeated once.
   */
  get(pathAndQuery: string, options: { timeoutMs: number; what: string }): Promise<HttpAnswer & { retryAfter?: string }> {
    return this.limit(() =>
      withRenewal(
        this.credentials,
        (t) =>
          retryThrottled(() => this.getOnce(t, pathAndQuery, options), {
            throttleOf: (o) => ('value' in o && o.value.status >= 429 ? { status: o.value.status, retryAfter: o.value.retryAfter } : undefined),
            idempotent: true,
            counter: this.throttled,
            policy: this.throttlePolicy,
          }),
        (o) => 'value' in o && o.value.status === 401,
      ),
    );
  }

  private async getOnce(t: ControlTransport, pathAndQuery: string, options: { timeoutMs: number; what: string }): Promise<HttpAnswer & { retryAfter?: string }> {
    this.requests++;
    const started = performance.now();
    try {
      const res = await undici().request(t.server + pathAndQuery, {
        method: 'GET',
        dispatcher: this.poolFor(t).agent,
        headers: t.headers,
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      const body = await res.body.text();
      const retryAfter = res.headers['retry-after'];
      return { status: res.statusCode, body, elapsedMs: performance.now() - started, ...(retryAfter ? { retryAfter: String(retryAfter) } : {}) };
    } catch (err) {
      const code = errorCode(err);
      const reason = code === 'TimeoutError' ? `no answer within ${options.timeoutMs / 1000} s` : `${code ?? 'error'}: ${messageOf(err)}`;
      throw new ControlError(`${options.what}: ${reason} (API server ${t.server})`, { code, cause: err });
    }
  }

  /** Run a command in a container to its end (exec-socket.ts, execOnce); a handshake refused for its credentials is repeated once with fresh ones. */
  exec(options: ExecOptions): Promise<ExecResult> {
    return withRenewal(
      this.credentials,
      (t) => {
        this.requests++;
        return this.explained(t, execOnce(t, this.poolFor(t).exec, options));
      },
      unauthorized,
    );
  }

  /**
   * Open a long-lived exec stream into a container (exec-socket.ts, openExecStreamOnce): the
   * probe's command channel. A handshake refused for its credentials is repeated once with
   * fresh ones; once open, the stream lives on whatever happens to the credentials. `onEnd`
   * is called for the stream that opened only: an attempt that never opened rejects instead
   * (a refused first handshake must not end the stream its repeat opens).
   */
  openExecStream(options: ExecStreamOptions): Promise<ExecStream> {
    return withRenewal(
      this.credentials,
      (t) => {
        this.requests++;
        this.execStreams++;
        return this.explained(t, openExecStreamOnce(t, this.poolFor(t).exec, options));
      },
      unauthorized,
    );
  }

  /**
   * A WebSocket handshake that failed does not say the HTTP status (undici keeps it): when one
   * fails, a GET /version with the same credentials (readable by every identity) tells whether
   * the API server rejects them (401). A timeout is not a refusal and is not checked.
   */
  private async explained<T>(t: ControlTransport, attempt: Promise<T>): Promise<T> {
    try {
      return await attempt;
    } catch (err) {
      if (!(err instanceof ControlError) || err.code === 'TimeoutError' || !(await this.rejects(t))) throw err;
      throw new ControlError(`${err.message}: the API server rejected the credentials (401 Unauthorized)`, { status: 401, code: 'Unauthorized', cause: err });
    }
  }

  private async rejects(t: ControlTransport): Promise<boolean> {
    try {
      return (await this.getOnce(t, '/version', { timeoutMs: CREDENTIALS_CHECK_MS, what: 'GET /version' })).status === 401;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    const pools = [...this.retired.splice(0), ...(this.pool ? [this.pool] : [])];
    this.pool = undefined;
    await Promise.all(pools.flatMap((p) => [p.agent.close(), p.exec.close()]));
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
  const agent = new (undici().Agent)({ connections: 1, pipelining: 0, connect: { timeout: options.timeoutMs } });
  const started = performance.now();
  // Our own deadline: undici checks its connect timeout on a 0.5 s tick and an abort does not
  // end a connection attempt in flight, so a dropped SYN took up to 0.5 s past the deadline.
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new Error(`no answer within ${options.timeoutMs / 1000} s`);
      err.name = 'TimeoutError';
      abort.abort(err);
      reject(err);
    }, options.timeoutMs);
  });
  try {
    const answer = (async () => {
      const res = await undici().request(url, { method: 'GET', dispatcher: agent, signal: abort.signal });
      return { status: res.statusCode, body: await res.body.text() };
    })();
    answer.catch(() => undefined); // settled after the deadline: nobody waits for it any more
    const { status, body } = await Promise.race([answer, deadline]);
    return { status, body, elapsedMs: performance.now() - started };
  } catch (err) {
    const code = errorCode(err) ?? 'error';
    throw new OutsideError(`GET ${url}: ${code === 'TimeoutError' || code === 'UND_ERR_CONNECT_TIMEOUT' ? `no answer within ${options.timeoutMs / 1000} s` : `${code}: ${messageOf(err)}`}`, {
      code,
      cause: err,
    });
  } finally {
    clearTimeout(timer);
    // Not awaited: a connection attempt still in flight ends on its own.
    void agent.destroy().catch(() => undefined);
  }
}

/** An exec attempt the API server refused for its credentials (ControlClient.explained). */
function unauthorized(o: { value: unknown } | { error: unknown }): boolean {
  return 'error' in o && o.error instanceof ControlError && o.error.status === 401;
}
