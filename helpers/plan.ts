// What the CLI hands to the suites (through a file named by $NETCONFORM_PLAN, because vitest
// runs in a child process): the topology, the row selection and how to reach the cluster.
// Credentials are never in it. The pod-proxy transport (server, TLS material, auth header) the
// CLI resolved from the kubeconfig goes to the child in $NETCONFORM_CONTROL instead — memory
// only, never on disk — so suite workers need not load the client library (~70 MB each).
import fs from 'node:fs';
import type { ControlTransport, KubeTarget } from './kube.ts';
import type { Selection } from './check/select.ts';
import type { Topology } from './topology.ts';
import type { CheckResult } from './check/types.ts';

export const PLAN_ENV = 'NETCONFORM_PLAN';
export const RESULTS_ENV = 'NETCONFORM_RESULTS';
export const CONTROL_ENV = 'NETCONFORM_CONTROL';

const asText = (v: string | Buffer | undefined) => (v === undefined ? undefined : Buffer.isBuffer(v) ? v.toString('utf8') : v);

/** ControlTransport → one environment value (PEM material is text). */
export function encodeControlTransport(t: ControlTransport): string {
  return JSON.stringify({ server: t.server, headers: t.headers, tls: { ca: asText(t.tls.ca), cert: asText(t.tls.cert), key: asText(t.tls.key), rejectUnauthorized: t.tls.rejectUnauthorized } });
}

export function decodeControlTransport(text: string): ControlTransport {
  return JSON.parse(text) as ControlTransport;
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
  /** API requests the suites made (pod proxy), summed over workers when known. */
  controlRequests?: number;
}

export function readPlan(file: string): RunPlan {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as RunPlan;
}

export function writePlan(file: string, plan: RunPlan): void {
  fs.writeFileSync(file, JSON.stringify(plan), { mode: 0o600 });
}
