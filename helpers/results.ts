// The structured record every check produces. JUnit, summary.md, results.json and the
// terminal matrix are four renderings of a list of these (STYLE.md §11); nothing else
// carries results between the suites and the reports.

/** The four network paths we certify, named as the suite files are. */
export type SuiteName = 'pod-to-pod' | 'pod-to-service' | 'nodeport' | 'ports';

export type Protocol = 'tcp' | 'udp';

/** What a check expects to observe (STYLE.md §3: named, never computed inline). */
export type Expectation = 'REACHABLE' | 'REFUSED' | 'FILTERED';

/**
 * What a check observed.
 * - REACHABLE: connected and the answer came from the intended endpoint.
 * - WRONG_ANSWER: connected, but the answer came from someone else (wrong hostname / backend).
 * - REFUSED: reached the host, nothing listening (TCP RST / ICMP port unreachable).
 * - FILTERED: no answer within the timeout.
 * - CONTROL_ERROR: the runner could not drive the probe (API server → pod proxy failed);
 *   says nothing about the data path and is never reported as a network verdict.
 * - NOT_RUN: the check could not run at all (its probe never became ready, or it was skipped);
 *   `reason` says why. Outcome is 'error' (setup failure) or 'skipped'.
 */
export type Observation = 'REACHABLE' | 'WRONG_ANSWER' | 'REFUSED' | 'FILTERED' | 'CONTROL_ERROR' | 'NOT_RUN';

/** How a row ended: passed, failed (network verdict ≠ expectation), error (could not be checked), skipped. */
export type Outcome = 'passed' | 'failed' | 'error' | 'skipped';

/** One end of a check. `node` is a Kubernetes node name; `pod` is absent for host-network ends. */
export interface Endpoint {
  node: string;
  pod?: string;
  ip: string;
  /** e.g. 'pod', 'host', 'service', 'nodeport', 'runner' */
  kind: 'pod' | 'host' | 'service' | 'nodeport' | 'runner';
}

export interface CheckResult {
  suite: SuiteName;
  /** Stable, human title, e.g. "worker-1/probe-a → worker-2/probe-b 10.244.2.7:8080/tcp" */
  name: string;
  from: Endpoint;
  to: Endpoint;
  port: number;
  protocol: Protocol;
  /** Payload size class: 'small' or 'full' (larger than one MTU). */
  payload?: 'small' | 'full';
  expect: Expectation;
  observed: Observation;
  outcome: Outcome;
  /** Human detail: expected vs observed, answering hostname, error text. */
  detail: string;
  /** Why a row was skipped or errored (setup failure, node cordoned, …). */
  reason?: string;
  attempts: number;
  latencyMs: number;
  /** Free-form extras rendered as JUnit properties (e.g. verdict source, sampled range). */
  properties?: Record<string, string>;
  /** Probable cause, filled in by diagnosis after all results are in. */
  diagnosis?: string[];
}

/** A whole run: what every report renders. */
export interface RunResults {
  runId: string;
  cluster: { server: string; context?: string; kubernetesVersion?: string; cni?: string[] };
  startedAt: string;
  finishedAt: string;
  /** Phase name → milliseconds (deploy, wait-ready, each suite, cleanup). */
  phases: Record<string, number>;
  results: CheckResult[];
  /** Diagnosis over the whole run: probable causes, most specific first. */
  diagnosis: string[];
  /** Counters that are not durations, e.g. {'apiRequests.setup': 31, 'apiRequests.checks': 236}. */
  counters?: Record<string, number>;
}
