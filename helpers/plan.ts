// What the CLI hands to the suites (through a file named by $NETCONFORM_PLAN, because vitest
// runs in a child process): the topology, the row selection and how to reach the cluster.
// Credentials are never in it, nor in any environment variable: the pod-proxy transport
// (server, TLS material, auth header) the CLI resolved from the kubeconfig goes to the child
// through an inherited pipe (fd CONTROL_FD, named in $NETCONFORM_CONTROL_FD), read once by the
// suites' globalSetup and provided to the workers in memory — so workers need not load the
// client library (~70 MB each).
import fs from 'node:fs';
import net from 'node:net';
import type { ControlTransport, KubeTarget } from './kube.ts';
import type { Selection } from './rows.ts';
import type { Topology } from './topology.ts';
import type { CheckResult } from './results.ts';

export const PLAN_ENV = 'NETCONFORM_PLAN';
export const RESULTS_ENV = 'NETCONFORM_RESULTS';
/** Names the inherited file descriptor the control transport arrives on (a number, not a secret). */
export const CONTROL_FD_ENV = 'NETCONFORM_CONTROL_FD';
/** The child's stdio slot for the control transport: after stdin, stdout, stderr. */
export const CONTROL_FD = 3;

/** The transport as plain, structured-cloneable data (PEM material as text). */
export interface SerializedControlTransport {
  server: string;
  headers: Record<string, string>;
  tls: { ca?: string; cert?: string; key?: string; rejectUnauthorized?: boolean };
}

const asText = (v: string | Buffer | undefined) => (v === undefined ? undefined : Buffer.isBuffer(v) ? v.toString('utf8') : v);

export function serializeControlTransport(t: ControlTransport): SerializedControlTransport {
  return { server: t.server, headers: t.headers, tls: { ca: asText(t.tls.ca), cert: asText(t.tls.cert), key: asText(t.tls.key), rejectUnauthorized: t.tls.rejectUnauthorized } };
}

/**
 * Read the control transport the parent wrote to the inherited pipe `fd`, to its end (the
 * parent closes its side after writing). Rejects when the pipe closes with nothing on it.
 */
export function readControlTransport(fd: number, options: { timeoutMs: number }): Promise<SerializedControlTransport> {
  return new Promise((resolve, reject) => {
    const pipe = new net.Socket({ fd, readable: true, writable: false });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      pipe.destroy();
      reject(new Error(`timed out after ${options.timeoutMs / 1000} s waiting for the control transport on fd ${fd}`));
    }, options.timeoutMs);
    pipe.on('data', (c: Buffer) => chunks.push(c));
    pipe.on('error', (err) => (clearTimeout(timer), reject(err)));
    pipe.on('end', () => {
      clearTimeout(timer);
      pipe.destroy();
      const text = Buffer.concat(chunks).toString('utf8');
      if (!text) reject(new Error(`the control transport pipe (fd ${fd}) closed empty`));
      else resolve(JSON.parse(text) as SerializedControlTransport);
    });
  });
}

export interface RunPlan {
  topology: Topology;
  selection: Selection;
  kube: KubeTarget;
  /** In-flight control requests per suite worker. */
  concurrency: number;
  /** Control requests per row before a row that did not pass is given up. */
  attempts: number;
}

/** What the collector reporter writes for the CLI when the suites end. */
export interface SuiteOutput {
  results: CheckResult[];
  /** Suite name → wall-clock ms. */
  phases: Record<string, number>;
  /** Errors outside any check (a suite file that failed to load, …). */
  errors: string[];
  /** API requests the suites made (pod proxy), summed over workers when known. */
  controlRequests?: number;
}

export function readPlan(file: string): RunPlan {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as RunPlan;
}

export function writePlan(file: string, plan: RunPlan): void {
  fs.writeFileSync(file, JSON.stringify(plan), { mode: 0o600 });
}
