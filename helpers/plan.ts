// What the CLI hands to the suites (helpers/cli/suites.ts): the run plan — the topology, the row
// selection, how to reach the cluster — and the pod-proxy transport (server, TLS material, auth
// header) the CLI resolved from the kubeconfig. Never in an environment variable or a file:
// `run` starts vitest in the CLI's own process and offers the hand-over in memory
// (offerHandover); `list` starts a vitest child and writes it to an inherited pipe (fd
// HANDOVER_FD, named in $NETCONFORM_HANDOVER_FD). The suites' globalSetup takes it once and
// provides it to the workers in memory, so workers need not load the client library (~70 MB each).
import net from 'node:net';
import type { ControlTransport, KubeTarget } from './kube/index.ts';
import type { Selection } from './check/select.ts';
import type { Topology } from './topology.ts';
import type { CheckResult } from './check/types.ts';

/** Names the inherited file descriptor the hand-over arrives on (a number, not a secret). */
/** The suites whose files the suite workers start first (modules' `startsFirst`), comma-separated: read by suites/vitest.config.ts. */
export const START_FIRST_ENV = 'NETCONFORM_START_FIRST';
export const HANDOVER_FD_ENV = 'NETCONFORM_HANDOVER_FD';
/** How long (ms) the child waits for the hand-over: the CLI deploys meanwhile. */
export const HANDOVER_TIMEOUT_ENV = 'NETCONFORM_HANDOVER_TIMEOUT_MS';
/** The child's stdio slot for the hand-over: after stdin, stdout, stderr. */
export const HANDOVER_FD = 3;

/** Where an in-process hand-over waits (global: the CLI's and vitest's module graphs may be separate copies of this file). */
const SLOT = Symbol.for('kube-netconform.handover');
type Slot = { [SLOT]?: Promise<Handover> };

/** The CLI, before it starts vitest in its own process: the globalSetup will await `handover`. */
export function offerHandover(handover: Promise<Handover> | undefined): void {
  (globalThis as Slot)[SLOT] = handover;
}

/** The globalSetup: the hand-over offered in this process, if any (taken once). */
export function takeOfferedHandover(): Promise<Handover> | undefined {
  const offered = (globalThis as Slot)[SLOT];
  (globalThis as Slot)[SLOT] = undefined;
  return offered;
}

/** The transport as plain, structured-cloneable data (PEM material as text). */
export interface SerializedControlTransport {
  server: string;
  headers: Record<string, string>;
  tls: { ca?: string; cert?: string; key?: string; rejectUnauthorized?: boolean };
}

/** What the child receives: the plan, and the transport when checks will run (not for `list`). */
export interface Handover {
  plan: RunPlan;
  control?: SerializedControlTransport;
}

const asText = (v: string | Buffer | undefined) => (v === undefined ? undefined : Buffer.isBuffer(v) ? v.toString('utf8') : v);

export function serializeControlTransport(t: ControlTransport): SerializedControlTransport {
  return { server: t.server, headers: t.headers, tls: { ca: asText(t.tls.ca), cert: asText(t.tls.cert), key: asText(t.tls.key), rejectUnauthorized: t.tls.rejectUnauthorized } };
}

/**
 * Read the hand-over the parent writes to the inherited pipe `fd`, to its end (the parent
 * closes its side after writing). Rejects when the pipe closes with nothing on it (the parent
 * gave up: its setup failed) or nothing came within `timeoutMs`.
 */
export function readHandover(fd: number, options: { timeoutMs: number }): Promise<Handover> {
  return new Promise((resolve, reject) => {
    const pipe = new net.Socket({ fd, readable: true, writable: false });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      pipe.destroy();
      reject(new Error(`timed out after ${options.timeoutMs / 1000} s waiting for the run plan from kube-netconform on fd ${fd}`));
    }, options.timeoutMs);
    pipe.on('data', (c: Buffer) => chunks.push(c));
    pipe.on('error', (err) => (clearTimeout(timer), reject(err)));
    pipe.on('end', () => {
      clearTimeout(timer);
      pipe.destroy();
      const text = Buffer.concat(chunks).toString('utf8');
      if (!text) reject(new Error(`kube-netconform closed the hand-over pipe (fd ${fd}) without a run plan`));
      else resolve(JSON.parse(text) as Handover);
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
  /** Samples per attempt on single-request rows (--samples) and the loss a row may have (--max-loss, %). */
  samples?: number;
  maxLossPct?: number;
}

/** What the collector reporter writes for the CLI when the suites end. */
export interface SuiteOutput {
  results: CheckResult[];
  /** Suite name → wall-clock ms. */
  phases: Record<string, number>;
  /** Errors outside any check (a suite file that failed to load, …). */
  errors: string[];
  /** API requests the suites made (exec streams, log reads), summed over workers when known. */
  controlRequests?: number;
  /** Exec streams the suites opened into the probes (one per probe and suite file), summed over workers. */
  execStreams?: number;
  /** Epoch ms: the first suite file started, the last one ended (the child's start-up and exit are the rest of the suites phase). */
  span?: { firstStart: number; lastEnd: number };
}
