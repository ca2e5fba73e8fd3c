// Run a command in a container over the API server's exec WebSocket, and always let go of the
// socket: on the status message, on close, on error and on our own timeout.
import { PassThrough } from 'node:stream';
import * as k8s from '@kubernetes/client-node';
import { SetupError } from '../errors.ts';
import type { KubeAccess } from './config.ts';
import { asError, translateApiError, type CallSite } from './errors.ts';

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

type Socket = Awaited<ReturnType<k8s.Exec['exec']>>;

/**
 * client-node resolves exec() when the WebSocket opens and may never call the status callback
 * (#714), so we settle on the first of status / close / error / our own timeout — and then
 * close the socket, or it stays open (and the command's stream on the kubelet with it) for as
 * long as the process lives. A socket that opens after we gave up is closed as soon as it opens.
 */
export function execInPod(access: KubeAccess, options: ExecOptions): Promise<ExecResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let errText = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (errText += d.toString()));
  const site: CallSite = { verb: 'create', resource: 'pods/exec', namespace: options.namespace, name: options.pod };
  return new Promise<ExecResult>((resolve, reject) => {
    let socket: Socket | undefined;
    let settled: 'done' | 'abandoned' | undefined;
    /** Done: say goodbye (close handshake). Abandoned (timeout, error): drop the connection. */
    const release = () => {
      if (!socket || socket.readyState === socket.CLOSED) return;
      if (settled === 'done' && socket.readyState === socket.OPEN) socket.close();
      else socket.terminate();
    };
    const settle = (how: 'done' | 'abandoned', fn: () => void) => {
      if (settled) return;
      settled = how;
      clearTimeout(timer);
      fn();
      release();
    };
    const timer = setTimeout(() => settle('abandoned', () => reject(new SetupError(`exec in pod ${options.pod} did not finish within ${options.timeoutMs / 1000} s`))), options.timeoutMs);
    new k8s.Exec(access.kc)
      .exec(options.namespace, options.pod, options.container, options.command, stdout, stderr, null, false, (status) => {
        settle('done', () => resolve({ exitCode: exitCodeOf(status), stdout: out, stderr: errText }));
      })
      .then((ws) => {
        socket = ws;
        if (settled) return release();
        ws.on('close', () => setImmediate(() => settle('done', () => resolve({ exitCode: -1, stdout: out, stderr: errText || 'exec stream closed without a status' }))));
        ws.on('error', (err: Error) => settle('abandoned', () => reject(translateApiError(err, site, access))));
      })
      .catch((err: unknown) => settle('abandoned', () => reject(translateApiError(asError(err), site, access))));
  });
}

function exitCodeOf(status: k8s.V1Status): number {
  if (status.status === 'Success') return 0;
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  return cause?.message ? Number(cause.message) : 1;
}
