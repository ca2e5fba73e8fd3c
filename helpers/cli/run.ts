// `run`: flags → topology → rows → probes → results → reports, with cleanup on every way out
// (normal end, failure, Ctrl-C/SIGTERM). Returns the exit code.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { NetconformError, UsageError, messageOf } from '../errors.ts';
import { Kube, loadKubeConfig } from '../kube.ts';
import { setUpRun, tearDownRun, type RunState } from '../lifecycle.ts';
import type { RunPlan } from '../plan.ts';
import type { DetectedCni } from '../ports/cni.ts';
import type { RunResults } from '../results.ts';
import type { Selection } from '../rows.ts';
import { EXIT, type CliOptions } from './args.ts';
import { finishRun, terminalView, writeRunReports } from './reports.ts';
import { runSuites } from './suites.ts';

export interface Io {
  out: (line: string) => void;
  /** Lasting lines: errors, warnings. */
  err: (line: string) => void;
  /** Progress: on a terminal one updating line (suspended while the suites' child process draws its own); otherwise plain lines on err. */
  progress?: { status: (line: string) => void; suspend: () => void };
}

/** Control requests per row before a failing row is reported (one retry absorbs one-off loss). */
const ATTEMPTS = 2;

export function newRunId(): string {
  return randomBytes(4).toString('hex').slice(0, 6);
}

export function selectionOf(options: CliOptions): Selection {
  return { only: options.only, skip: options.skip, short: options.short };
}

export async function runCommand(options: CliOptions, io: Io): Promise<number> {
  const access = loadKubeConfig(options); // UsageError → 2
  const kube = new Kube(access, { requestTimeoutMs: 15_000 });
  const runId = newRunId();
  const namespace = options.namespace ?? `netconform-${runId}`;
  const state: RunState = { phases: {} };
  const abort = new AbortController();
  const startedAt = new Date().toISOString();
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupts++;
    if (interrupts > 1) {
      io.err(`${signal} again: exiting without finishing cleanup; remove leftovers with: kube-netconform cleanup (namespace ${namespace})`);
      process.exit(EXIT.interrupted);
    }
    io.err(`${signal}: stopping and cleaning up namespace ${namespace} (press Ctrl-C again to skip cleanup)`);
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // Warnings stay on screen; the rest is progress (one updating line on a terminal).
  const progress = (m: string) => (io.progress && !/^(warning|error)\b/.test(m) ? io.progress.status(m) : io.err(m));

  let exitCode: number = EXIT.setupFailed;
  let run: RunResults | undefined;
  let checkRequests = 0;
  let detectedCni: DetectedCni[] | undefined;
  try {
    const topology = await setUpRun(kube, {
      runId, namespace, image: options.image, registry: options.registry, imagePullSecret: options.imagePullSecret,
      nodeSelector: options.nodeSelector, hostPort: options.hostPort, readyTimeoutMs: options.timeoutMs,
      concurrency: options.concurrency, podsPerNode: options.podsPerNode, signal: abort.signal, onProgress: progress,
      extraSuites: { profile: options.profile, nodeAddressType: options.nodeAddressType, cniHints: options.cni },
    }, state);
    detectedCni = topology.portsPlan?.cni;
    const plan: RunPlan = { topology, selection: selectionOf(options), kube: { kubeconfig: options.kubeconfig, context: options.context }, concurrency: options.concurrency, attempts: ATTEMPTS };
    progress('running the checks');
    io.progress?.suspend(); // the suites' child process draws the progress line while the checks run
    const suitesStarted = performance.now();
    const output = await runSuites({ plan, control: await kube.controlTransport(), signal: abort.signal });
    if (output.results.length === 0 && output.errors.length === 0) throw new UsageError('--only/--skip selected no checks; see `kube-netconform list` for the check names.');
    state.phases.suites = Math.round(performance.now() - suitesStarted);
    Object.assign(state.phases, output.phases);
    for (const e of output.errors) io.err(`error: ${e}`);
    run = {
      runId, startedAt, finishedAt: '',
      cluster: { server: access.server, context: access.context, kubernetesVersion: state.kubernetesVersion, cni: detectedCni?.map((c) => (c.backend ? `${c.name}/${c.backend}` : c.name)) },
      phases: state.phases, results: output.results, diagnosis: [],
    };
    checkRequests = output.controlRequests ?? 0;
    const bad = output.results.some((r) => r.outcome === 'failed' || r.outcome === 'error') || output.errors.length > 0;
    exitCode = bad ? EXIT.checksFailed : EXIT.passed;
  } catch (err) {
    if (abort.signal.aborted) exitCode = EXIT.interrupted;
    else {
      exitCode = err instanceof NetconformError ? err.exitCode : EXIT.setupFailed;
      io.err(`error: ${messageOf(err)}`);
    }
  } finally {
    try {
      await tearDownRun(kube, state, { keep: options.keep, onProgress: progress });
      if (state.deployment && !options.keep) progress(`cleaned up: ${state.deployment.createdNamespace ? `namespace ${state.deployment.namespace} deleted` : `probes removed from namespace ${state.deployment.namespace}`} in ${((state.phases.cleanup ?? 0) / 1000).toFixed(1)} s`);
    } catch (err) {
      io.err(`error: cleanup failed: ${messageOf(err)}; remove leftovers with: kube-netconform cleanup`);
      if (exitCode === EXIT.passed) exitCode = EXIT.setupFailed;
    }
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (run && !abort.signal.aborted) {
    const counters = { 'apiRequests.setup+cleanup': kube.requests, 'apiRequests.checks': checkRequests, rows: run.results.length };
    const finished = finishRun({ ...run, finishedAt: new Date().toISOString(), phases: state.phases, counters }, { cni: detectedCni });
    const paths = await writeRunReports(finished, { reportDir: options.reportDir, junitPath: options.junit });
    io.out(terminalView(finished));
    io.out(`phases: ${Object.entries(state.phases).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)}s`).join(', ')}; API requests: ${kube.requests} setup+cleanup, ${checkRequests} checks`);
    io.out(`reports: ${[paths.junit, paths.summary, paths.html, paths.json].map((p) => path.relative(process.cwd(), p) || p).join(' ')}`);
  }
  if (exitCode === EXIT.interrupted) io.err('interrupted');
  return exitCode;
}
