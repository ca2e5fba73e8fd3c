// What the CLI hands to the suites (helpers/cli/suites.ts) when it starts them, while the probes
// start: the API server transport (server, TLS material, auth header) the CLI resolved from the
// kubeconfig, and the names of the channels on which the CLI's thread answers — with fresh
// credentials (credential-channel.ts), with each suite's run plan once that suite's setup is
// done (plan-channel.ts: the topology, the row selection, how to reach the cluster), and with the
// results of the workers' commands in the probes (probes/stream-broker.ts). Never in an
// environment variable or a file: `run` starts vitest in the CLI's own process and offers the
// hand-over in memory (offerHandover); `list` needs no vitest. The suites' globalSetup takes it
// once and provides it to the workers in memory, so workers need not load the client library
// (~70 MB each).
import type { ControlTransport, KubeTarget } from './kube/index.ts';
import type { Selection } from './check/select.ts';
import type { Topology } from './topology.ts';
import type { CheckResult } from './check/types.ts';

/** The suites whose files the suite workers start first (modules' `startsFirst`), comma-separated: read by suites/vitest.config.ts. */
export const START_FIRST_ENV = 'NETCONFORM_START_FIRST';

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
  expiresAt?: number;
  generation?: number;
}

/** What the suites receive: the transport the checks ride on, where to ask for each suite's plan (plan-channel.ts) and for fresh credentials (credential-channel.ts). */
export interface Handover {
  /** The name of the in-process channel the CLI's thread answers each suite file's plan on. */
  planChannel: string;
  control?: SerializedControlTransport;
  /** The name of the in-process channel the CLI's thread answers on (no secret). */
  credentialChannel?: string;
  /** The name of the in-process channel on which the CLI's thread runs the workers' commands in the probes, on the run's exec streams (probes/stream-broker.ts). */
  streamChannel?: string;
}

const asText = (v: string | Buffer | undefined) => (v === undefined ? undefined : Buffer.isBuffer(v) ? v.toString('utf8') : v);

export function serializeControlTransport(t: ControlTransport): SerializedControlTransport {
  return {
    server: t.server,
    headers: t.headers,
    tls: { ca: asText(t.tls.ca), cert: asText(t.tls.cert), key: asText(t.tls.key), rejectUnauthorized: t.tls.rejectUnauthorized },
    ...(t.expiresAt === undefined ? {} : { expiresAt: t.expiresAt }),
    ...(t.generation === undefined ? {} : { generation: t.generation }),
  };
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
