// The API server's exec WebSocket (channel protocol v5, or v4), one attempt with one transport:
// a command run to its end (execOnce) or a long-lived stream with stdin (openExecStreamOnce).
// ControlClient (http.ts) picks the transport and repeats an attempt whose credentials were
// rejected; nothing here retries.
import type { Dispatcher } from 'undici';
import { ControlError, messageOf } from './errors.ts';
import { undici } from './lazy-deps.ts';
import type { ControlTransport } from './kube/index.ts';

export interface ExecOptions {
  namespace: string;
  pod: string;
  container: string;
  command: string[];
  timeoutMs: number;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface ExecStreamOptions extends ExecOptions {
  onStdout: (text: string) => void;
  onEnd: (why: string) => void;
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
export function execOnce(transport: ControlTransport, dispatcher: Dispatcher, options: ExecOptions): Promise<ExecResult> {
  const query = [`container=${encodeURIComponent(options.container)}`, 'stdout=true', 'stderr=true', ...options.command.map((c) => `command=${encodeURIComponent(c)}`)].join('&');
  const url = `${transport.server.replace(/^http/, 'ws')}/api/v1/namespaces/${encodeURIComponent(options.namespace)}/pods/${encodeURIComponent(options.pod)}/exec?${query}`;
  const what = `exec in pod ${options.namespace}/${options.pod}`;
  return new Promise((resolve, reject) => {
    const ws = new (undici().WebSocket)(url, { protocols: ['v5.channel.k8s.io', 'v4.channel.k8s.io'], dispatcher, headers: transport.headers });
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
      () => finish(() => reject(new ControlError(`exec in pod ${options.pod} did not finish within ${options.timeoutMs / 1000} s (API server ${transport.server})`, { code: 'TimeoutError' }))),
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
      finish(() => reject(new ControlError(`${what}: ${messageOf((event as { error?: unknown }).error ?? 'the WebSocket handshake failed')} (API server ${transport.server})`)));
    });
    ws.addEventListener('open', () => (opened = true));
    ws.addEventListener('close', (event) =>
      finish(() =>
        opened
          ? resolve({ exitCode: -1, stdout, stderr: stderr || 'exec stream closed without a status' })
          : reject(new ControlError(`${what}: the WebSocket handshake failed (code ${event.code}${event.reason ? `: ${event.reason}` : ''}; API server ${transport.server})`)),
      ),
    );
  });
}

/**
 * Open a long-lived exec stream into a container (stdin, stdout and stderr over the API
 * server's exec WebSocket, channel protocol v5 or v4): the probe's command channel, one per
 * probe, carrying many checks (helpers/probes/stream.ts). `onStdout` gets stdout as it
 * arrives; `onEnd` is called once, when the opened stream ended for any reason, with why. Resolves
 * when the socket opened; throws ControlError when the handshake failed (RBAC, kubelet
 * unreachable, no such container) or did not complete within `timeoutMs`.
 */
export function openExecStreamOnce(transport: ControlTransport, dispatcher: Dispatcher, options: ExecStreamOptions): Promise<ExecStream> {
  const query = [`container=${encodeURIComponent(options.container)}`, 'stdin=true', 'stdout=true', 'stderr=true', ...options.command.map((c) => `command=${encodeURIComponent(c)}`)].join('&');
  const url = `${transport.server.replace(/^http/, 'ws')}/api/v1/namespaces/${encodeURIComponent(options.namespace)}/pods/${encodeURIComponent(options.pod)}/exec?${query}`;
  const what = `exec stream into pod ${options.namespace}/${options.pod}`;
  return new Promise((resolve, reject) => {
    const ws = new (undici().WebSocket)(url, { protocols: ['v5.channel.k8s.io', 'v4.channel.k8s.io'], dispatcher, headers: transport.headers });
    ws.binaryType = 'arraybuffer';
    let opened = false;
    let ended = false;
    let stderr = '';
    const end = (why: string) => {
      if (ended) return;
      ended = true;
      // Only a stream that opened has ended: one that never did rejects instead (and may be tried again).
      if (opened) options.onEnd(why);
      if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close();
    };
    const timer = setTimeout(() => {
      if (opened) return;
      reject(new ControlError(`${what}: the WebSocket did not open within ${options.timeoutMs / 1000} s (API server ${transport.server})`, { code: 'TimeoutError' }));
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
      reject(new ControlError(`${what}: ${messageOf((event as { error?: unknown }).error ?? 'the WebSocket handshake failed')} (API server ${transport.server})`));
      end('handshake failed');
    });
    ws.addEventListener('close', (event) => {
      if (!opened) {
        clearTimeout(timer);
        reject(new ControlError(`${what}: the WebSocket handshake failed (code ${event.code}${event.reason ? `: ${event.reason}` : ''}; API server ${transport.server})`));
      }
      end(`${what} closed (code ${event.code}${event.reason ? `: ${event.reason}` : ''})${stderr.trim() ? `; stderr: ${stderr.trim().slice(-300)}` : ''}`);
    });
  });
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
