// `run`: flags → topology → rows → probes → results → reports, with cleanup on every way out
// (normal end, failure, Ctrl-C/SIGTERM). Returns the exit code.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { NetconformError, SetupError, UsageError, messageOf } from '../errors.ts';
import { Kube, loadKubeConfig, type ThrottleCounter } from '../kube/index.ts';
import { setUpRun, tearDownRun, type RunState } from '../lifecycle.ts';
import type { RunPlan } from '../plan.ts';
import type { PortsPlan } from '../ports/types.ts';
import { startFirstOrder } from '../check/file-order.ts';
import { undici } from '../lazy-deps.ts';
import { loadSuiteModules } from '../check/modules.ts';
import { rowsOf, type Selection } from '../check/select.ts';
import type { SuiteModule, SuiteOptions } from '../check/suite.ts';
import type { RunResults } from '../check/types.ts';
import type { NodePortTopology } from '../nodeport/types.ts';
import type { Topology } from '../topology.ts';
import { EXIT, type CliOptions } from './args.ts';
import { prepareSuites, startSuites, type PreparedSuites, type RunningSuites } from './suites.ts';
import { recheckIdentity } from '../probes/identity-check.ts';

export interface Io {
  out: (line: string) => void;
  /** Lasting lines: errors, warnings. */
  err: (line: string) => void;
  /** Progress: on a terminal one updating line (suspended while the suites' collector draws its own); otherwise plain lines on err. */
  progress?: { status: (line: string) => void; suspend: () => void };
}

/** Control requests per row before a failing row is reported (one retry absorbs one-off loss). */
const ATTEMPTS = 2;

export function newRunId(): string {
  return randomBytes(4).toString('hex').slice(0, 6);
}

export function selectionOf(options: CliOptions): Selection {
  return { only: options.only, skip: options.skip, short: options.short, ...(options.ipFamily ? { family: options.ipFamily } : {}) };
}

/**
 * The flags the suite modules read. The network-policy suite's (--network-policy,
 * --require-network-policy, --policy-timeout) ride along beyond SuiteOptions['flags'] (suites/network-policy.ts reads them).
 */
export function suiteFlags(options: CliOptions): SuiteOptions['flags'] {
  const flags = {
    profile: options.profile,
    nodeAddressType: options.nodeAddressType,
    cniHints: options.cni,
    lbTimeoutMs: options.lbTimeoutMs,
    ...(options.networkPolicy
      ? { networkPolicy: options.networkPolicy, requireNetworkPolicy: options.requireNetworkPolicy, ...(options.policyTimeoutMs !== undefined ? { policyTimeoutMs: options.policyTimeoutMs } : {}) }
      : {}),
  };
  return flags;
}

/** Every row the modules make for this topology, after --short/--only/--skip. */
export function plannedRows(modules: readonly SuiteModule[], topology: Topology, selection: Selection) {
  return modules.flatMap((m) => rowsOf(m, topology, selection));
}

/** The CNI the ports suite detected, as "name/backend" (the ports module's plan). */
export function detectedCni(topology: Topology): string[] | undefined {
  return (topology.plans.ports as PortsPlan | undefined)?.cni.map((c) => (c.backend ? `${c.name}/${c.backend}` : c.name));
}

/** The diagnosis and the report writers: needed only once the checks are done. */
async function loadReporting() {
  const [diagnose, report] = await Promise.all([import('../diagnose/index.ts'), import('../report/index.ts')]);
  return { withDiagnosis: diagnose.withDiagnosis, renderTerminal: report.renderTerminal, writeReports: report.writeReports };
}

export async function runCommand(options: CliOptions, io: Io): Promise<number> {
  const access = loadKubeConfig(options); // UsageError → 2
  const modules = await loadSuiteModules();
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
  let checkStreams = 0;
  let cni: string[] | undefined;
  let reporting: ReturnType<typeof loadReporting> | undefined;
  const selection = selectionOf(options);
  // vitest is loaded and created while the probes start (this thread only: the probes' start-up is
  // mostly the kubelets' and the runtime's latency) and started once the probes passed the
  // preflight, as the modules settle: its workers' start-up is CPU that, earlier, slowed the
  // deploy's requests and the probes' start, while the settles mostly wait (kube-proxy programs
  // the run's NodePorts about a second after their endpoints). Each suite file waits for its
  // suite's plan, and a suite whose settle is done runs its checks while others still settle.
  let suites: RunningSuites | undefined;
  /** Vitest loaded and created while the probes start, until startSuites takes it. */
  let prepared: PreparedSuites | undefined;
  /** When the first suite's plan was offered: the checks' start. */
  let checks: { at: number; epoch: number } | undefined;
  const planFor = (topology: Topology): RunPlan => ({
    topology,
    selection,
    kube: { kubeconfig: options.kubeconfig, context: options.context },
    concurrency: options.concurrency,
    attempts: ATTEMPTS,
    samples: options.samples,
    maxLossPct: options.maxLossPct,
  });
  try {
    const topology = await setUpRun(
      kube,
      {
        runId,
        namespace,
        image: options.image,
        registry: options.registry,
        imagePullSecret: options.imagePullSecret,
        nodeSelector: options.nodeSelector,
        hostPort: options.hostPort,
        readyTimeoutMs: options.timeoutMs,
        concurrency: options.concurrency,
        podsPerNode: options.podsPerNode,
        signal: abort.signal,
        onProgress: progress,
        modules,
        selection,
        flags: suiteFlags(options),
        // Before anything is created: a selection that matches nothing is a usage error.
        beforeDeploy: (planned) => {
          if (plannedRows(modules, planned, selection).length === 0) throw new UsageError('--only/--skip selected no checks; see `kube-netconform list` for the check names.');
        },
        // While the probes start (this thread idles): vitest, and undici for the preflight's exec streams (helpers/lazy-deps.ts).
        afterDeploy: () => {
          prepared = prepareSuites(options.concurrency);
          undici();
        },
        beforeSettle: (streams) => {
          suites = startSuites({
            concurrency: options.concurrency,
            credentials: kube.credentials,
            streams,
            signal: abort.signal,
            startFirst: startFirstOrder(modules),
            ...(prepared ? { prepared } : {}),
          });
          prepared = undefined;
        },
        // A suite's checks start once its plan is final, while other suites may still settle.
        onReady: (module, topology) => {
          if (!checks) {
            checks = { at: performance.now(), epoch: Date.now() };
            progress('running the checks');
            io.progress?.suspend(); // the suites' collector draws the progress line while the checks run
          }
          suites?.plans.offer(module, planFor(topology));
        },
      },
      state,
    );
    cni = detectedCni(topology);
    if (!suites || !checks) throw new SetupError('internal: the suites were not started with the run');
    const child = suites;
    suites = undefined; // every plan offered: from here vitest ends by itself
    const output = await child.finish();
    state.phases.suites = Math.round(performance.now() - checks.at);
    // The suites phase split: the wait for the first suite file to start after the first plan, the checks, vitest's exit.
    if (output.span) {
      state.phases['suites.start'] = Math.max(0, output.span.firstStart - checks.epoch);
      state.phases['suites.exit'] = Math.max(0, Date.now() - output.span.lastEnd);
    }
    const checksFrom = new Date(checks.epoch).toISOString();
    // Were the probes and nodes the checks relied on the same ones at the end? (helpers/probes/identity.ts)
    output.results = await recheckIdentity(kube, topology, output.results, { from: checksFrom, onProgress: progress });
    Object.assign(state.phases, output.phases);
    for (const e of output.errors) io.err(`error: ${e}`);
    run = {
      runId,
      startedAt,
      finishedAt: '',
      cluster: { server: access.server, context: access.context, kubernetesVersion: state.kubernetesVersion, cni },
      suites: modules.map((m) => ({ name: m.name, must: m.must })),
      phases: state.phases,
      results: output.results,
      diagnosis: [],
    };
    // The run's exec streams were opened by the control preflight and carried every check (and the settle hooks' commands).
    checkRequests = (output.controlRequests ?? 0) + (state.streams?.control.requests ?? 0);
    checkStreams = (output.execStreams ?? 0) + (state.streams?.streamsOpened() ?? 0);
    const bad = output.results.some((r) => r.outcome === 'failed' || r.outcome === 'error') || output.errors.length > 0;
    exitCode = bad ? EXIT.checksFailed : EXIT.passed;
  } catch (err) {
    if (abort.signal.aborted) exitCode = EXIT.interrupted;
    else {
      exitCode = err instanceof NetconformError ? err.exitCode : EXIT.setupFailed;
      io.err(`error: ${messageOf(err)}`);
    }
  } finally {
    await suites?.abandon();
    await prepared?.discard();
    // The diagnosis and the reports load while the run's pods stop (the CLI's thread only waits
    // there): ~0.1 s of module loading off the CLI's start, where the run waits for it.
    if (run) reporting = loadReporting();
    try {
      await tearDownRun(kube, state, { keep: options.keep, onProgress: progress });
      if (state.deployment && !options.keep)
        progress(
          `cleaned up in ${((state.phases.cleanup ?? 0) / 1000).toFixed(1)} s: ${
            state.deployment.createdNamespace
              ? `namespace ${state.deployment.namespace} deleted, no Service left in it and every pod in it stopped on its node (their kubelets remove the stopped pods within a second, then the namespace controller drops the namespace)`
              : `probes removed from namespace ${state.deployment.namespace}`
          }`,
        );
    } catch (err) {
      io.err(`error: cleanup failed: ${messageOf(err)}; remove leftovers with: kube-netconform cleanup`);
      if (exitCode === EXIT.passed) exitCode = EXIT.setupFailed;
    }
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (run && !abort.signal.aborted) {
    const throttled = kube.throttled;
    const counters = {
      'apiRequests.setup+cleanup': kube.requests,
      'apiRequests.checks': checkRequests,
      'execStreams.checks': checkStreams,
      probes: state.topology?.probes.length ?? 0,
      rows: run.results.length,
      ...(throttled.retries || throttled.gaveUp ? { 'apiThrottled.retries': throttled.retries, 'apiThrottled.waitMs': throttled.waitMs, 'apiThrottled.gaveUp': throttled.gaveUp } : {}),
      // Credentials read again after a 401 (helpers/kube/credentials.ts), the suite workers' asks included.
      ...(kube.credentialReloads ? { 'credentials.reloads': kube.credentialReloads } : {}),
    };
    const plans = state.topology?.plans;
    const { withDiagnosis, renderTerminal, writeReports } = await (reporting ?? loadReporting());
    const finished = withDiagnosis(
      { ...run, finishedAt: new Date().toISOString(), phases: state.phases, counters },
      {
        cni: (plans?.ports as PortsPlan | undefined)?.cni,
        nodePortRange: (plans?.nodeport as NodePortTopology | undefined)?.range,
      },
    );
    const paths = await writeReports(finished, { reportDir: options.reportDir, junitPath: options.junit });
    io.out(renderTerminal(finished));
    io.out(
      `phases: ${Object.entries(state.phases)
        .map(([k, v]) => `${k} ${(v / 1000).toFixed(1)}s`)
        .join(
          ', ',
        )}; API requests: ${kube.requests} setup+cleanup, ${checkRequests} checks (${checkStreams} exec streams into ${state.topology?.probes.length ?? 0} probes for ${run.results.length} rows)${describeThrottling(throttled)}`,
    );
    io.out(`reports: ${[paths.junit, paths.summary, paths.html, paths.json].map((p) => path.relative(process.cwd(), p) || p).join(' ')}`);
  }
  if (exitCode === EXIT.interrupted) io.err('interrupted');
  return exitCode;
}

/** "; throttled by the API server: 4 retries, 2.5 s waited" — nothing when the run was not throttled. */
export function describeThrottling(t: ThrottleCounter): string {
  if (!t.retries && !t.gaveUp) return '';
  return `; throttled by the API server: ${t.retries} ${t.retries === 1 ? 'retry' : 'retries'}, ${(t.waitMs / 1000).toFixed(1)} s waited${t.gaveUp ? `, ${t.gaveUp} still throttled after the retry bounds` : ''}`;
}
