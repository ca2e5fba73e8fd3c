// What the CLI hands to the suites (through a file named by $NETCONFORM_PLAN, because vitest
// runs in a child process): the topology, the row selection and how to reach the cluster.
// Credentials are not in it: each vitest worker loads the kubeconfig itself.
import fs from 'node:fs';
import type { KubeTarget } from './kube.ts';
import type { Selection } from './rows.ts';
import type { Topology } from './topology.ts';
import type { CheckResult } from './results.ts';

export const PLAN_ENV = 'NETCONFORM_PLAN';
export const RESULTS_ENV = 'NETCONFORM_RESULTS';

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
