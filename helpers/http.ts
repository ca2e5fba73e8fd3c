// The one module that talks undici. The runner speaks to the API server itself for the probes'
// exec streams (a WebSocket per probe, stdin included) and plain GETs such as a container's log,
// with one connection pool and no client library in the suite workers. Failures here are
// failures of the *control* path and come back as ControlError.
import { Agent, WebSocket, request } from 'undici';
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
  /** Exec streams opened through this client (each is one of `requests`). */
  execStreams = 0;
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

  /**
   * Run a command in a container through the API server's exec WebSocket (channel protocol v5,
   * or v4: byte 0 of each message names the stream, 1 stdout, 2 stderr, 3 the final status), on
   * the same transport as the pod proxy: no client library in the suite workers. Settles on the
   * status, on close, on error or on `timeoutMs`, and always lets go of the socket. Throws
   * ControlError when the exec path itself failed (a refused handshake, the kubelet unreachable,
   * no status within the timeout); a stream that opened and closed with no status resolves
   * with exit code -1 (its command's fate is unknown: a control failure to the callers).
   */
  exec(options: { namespace: string; pod: string; container: string; command: string[]; timeoutMs: number }): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    this.requests++;
    const query = [`container=${encodeURIComponent(options.container)}`, 'stdout=true', 'stderr=true', ...options.command.map((c) => `command=${encodeURIComponent(c)}`)].join('&');
    const url = `${this.transport.server.replace(/^http/, 'ws')}/api/v1/namespaces/${encodeURIComponent(options.namespace)}/pods/${encodeURIComponent(options.pod)}/exec?${query}`;
    const what = `exec in pod ${options.namespace}/${options.pod}`;
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { protocols: ['v5.channel.k8s.io', 'v4.channel.k8s.io'], dispatcher: this.execAgent, headers: this.transport.headers });
      ws.binaryType = 'arraybuffer';
      let stdout = '';
      let stderr = '';
      let done = false;
      /** Opened and then closed with no status: the command's fate is unknown (exit -1, a control failure to the callers). */
      let opened = false;
      const finish = (fn: () => void) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        fn();
        if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close();
      };
      const timer = setTimeout(
        () => finish(() => reject(new ControlError(`exec in pod ${options.pod} did not finish within ${options.timeoutMs / 1000} s (API server ${this.transport.server})`, { code: 'TimeoutError' }))),
        options.timeoutMs,
      );
      ws.addEventListener('message', (event) => {
        const data = Buffer.from(event.data as ArrayBuffer);
        if (data.length === 0) return;
        const text = data.subarray(1).toString('utf8');
        if (data[0] === 1) stdout += text;
        else if (data[0] === 2) stderr += text;
        else if (data[0] === 3 && text) finish(() => resolve({ exitCode: execExitCode(text), stdout, stderr }));
      });
      ws.addEventListener('error', (event) => {
        if (opened) return; // the close that follows settles it
        finish(() => reject(new ControlError(`${what}: ${messageOf((event as { error?: unknown }).error ?? 'the WebSocket handshake failed')} (API server ${this.transport.server})`)));
      });
      ws.addEventListener('open', () => (opened = true));
      ws.addEventListener('close', (event) =>
        finish(() =>
          opened
            ? resolve({ exitCode: -1, stdout, stderr: stderr || 'exec stream closed without a status' })
            : reject(new ControlError(`${what}: the WebSocket handshake failed (code ${event.code}${event.reason ? `: ${event.reason}` : ''}; API server ${this.transport.server})`)),
        ),
      );
    });
  }

  /**
   * Open a long-lived exec stream into a container (stdin, stdout and stderr over the API
   * server's exec WebSocket, channel protocol v5 or v4): the probe's command channel, one per
   * probe, carrying many checks (helpers/probes/stream.ts). `onStdout` gets stdout as it
   * arrives; `onEnd` is called once, when the stream ended for any reason, with why. Resolves
   * when the socket opened; throws ControlError when the handshake failed (RBAC, kubelet
   * unreachable, no such container) or did not complete within `timeoutMs`.
   */
  openExecStream(options: {
    namespace: string;
    pod: string;
    container: string;
    command: string[];
    timeoutMs: number;
    onStdout: (text: string) => void;
    onEnd: (why: string) => void;
  }): Promise<ExecStream> {
    this.requests++;
    this.execStreams++;
    const query = [`container=${encodeURIComponent(options.container)}`, 'stdin=true', 'stdout=true', 'stderr=true', ...options.command.map((c) => `command=${encodeURIComponent(c)}`)].join('&');
    const url = `${this.transport.server.replace(/^http/, 'ws')}/api/v1/namespaces/${encodeURIComponent(options.namespace)}/pods/${encodeURIComponent(options.pod)}/exec?${query}`;
    const what = `exec stream into pod ${options.namespace}/${options.pod}`;
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { protocols: ['v5.channel.k8s.io', 'v4.channel.k8s.io'], dispatcher: this.execAgent, headers: this.transport.headers });
      ws.binaryType = 'arraybuffer';
      let opened = false;
      let ended = false;
      let stderr = '';
      const end = (why: string) => {
        if (ended) return;
        ended = true;
        options.onEnd(why);
        if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close();
      };
      const timer = setTimeout(() => {
        if (opened) return;
        reject(new ControlError(`${what}: the WebSocket did not open within ${options.timeoutMs / 1000} s (API server ${this.transport.server})`, { code: 'TimeoutError' }));
        end('never opened');
      }, options.timeoutMs);
      ws.addEventListener('message', (event) => {
        const data = Buffer.from(event.data as ArrayBuffer);
        if (data.length === 0) return;
        const text = data.subarray(1).toString('utf8');
        if (data[0] === 1) options.onStdout(text);
        else if (data[0] === 2) stderr = (stderr + text).slice(-2000);
        else if (data[0] === 3 && text) end(`the command in the probe ended (exit ${execExitCode(text)})${stderr.trim() ? `: ${stderr.trim().slice(-300)}` : ''}`);
      });
      ws.addEventListener('open', () => {
        opened = true;
        clearTimeout(timer);
        resolve({
          write: (text: string) => {
            if (ended || ws.readyState !== ws.OPEN) return false;
            ws.send(Buffer.concat([Buffer.from([0]), Buffer.from(text, 'utf8')]));
            return true;
          },
          close: () => end('closed by the runner'),
          stderr: () => stderr,
        });
      });
      ws.addEventListener('error', (event) => {
        if (opened) return end(`${what} failed: ${messageOf((event as { error?: unknown }).error ?? 'WebSocket error')}`);
        clearTimeout(timer);
        reject(new ControlError(`${what}: ${messageOf((event as { error?: unknown }).error ?? 'the WebSocket handshake failed')} (API server ${this.transport.server})`));
        end('handshake failed');
      });
      ws.addEventListener('close', (event) => {
        if (!opened) {
          clearTimeout(timer);
          reject(new ControlError(`${what}: the WebSocket handshake failed (code ${event.code}${event.reason ? `: ${event.reason}` : ''}; API server ${this.transport.server})`));
        }
        end(`${what} closed (code ${event.code}${event.reason ? `: ${event.reason}` : ''})${stderr.trim() ? `; stderr: ${stderr.trim().slice(-300)}` : ''}`);
      });
    });
  }

  /** Exec sockets are upgraded connections that leave the pool: their own agent, not the pod proxy's bounded one. */
  private get execAgent(): Agent {
    return (this.execDispatcher ??= new Agent({
      connect: { ca: this.transport.tls.ca, cert: this.transport.tls.cert, key: this.transport.tls.key, rejectUnauthorized: this.transport.tls.rejectUnauthorized ?? true },
    }));
  }
  private execDispatcher?: Agent;

  async close(): Promise<void> {
    await Promise.all([this.agent.close(), this.execDispatcher?.close()]);
  }
}

/** An open exec stream: `write` sends to the command's stdin (false once the stream ended). */
export interface ExecStream {
  write(text: string): boolean;
  close(): void;
  /** The last of what the command wrote to stderr. */
  stderr(): string;
}

/** The exit code in an exec status (metav1.Status): 0 on Success, the ExitCode cause on a non-zero exit, else 1. */
export function execExitCode(statusJson: string): number {
  try {
    const status = JSON.parse(statusJson) as { status?: string; details?: { causes?: { reason?: string; message?: string }[] } };
    if (status.status === 'Success') return 0;
    const code = Number(status.details?.causes?.find((c) => c.reason === 'ExitCode')?.message);
    return Number.isInteger(code) ? code : 1;
  } catch {
    return 1;
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
      const res = await request(url, { method: 'GET', dispatcher: agent, signal: abort.signal });
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
