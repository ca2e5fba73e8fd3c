// Runs the suites with the product's own vitest config (suites/vitest.config.ts, compiled beside
// the suites). `run`: vitest in the CLI's own process, our collector its only reporter — one
// Node process less than a child (the runtime and its libraries are loaded once: 15-25 MB less
// peak RSS, measured by `npm run bench`). Vitest's logger registers SIGINT/SIGTERM/unhandledRejection listeners that
// exit the process; they are removed at once, so the CLI keeps its signals and its cleanup.
// Vitest is started once the run's objects are created (while the probes start); its globalSetup
// takes the hand-over — the API server credentials and the channels this thread answers on —
// offered in memory, never in an environment or a file; each suite file then asks for its plan,
// and while the suites run, the workers ask this thread for fresh credentials and send it their
// commands for the probes.
// (`list` needs no vitest: the rows come from the suite modules themselves.)
import { Writable } from 'node:stream';
import vm from 'node:vm';
import type { Vitest } from 'vitest/node';
import { SetupError } from '../errors.ts';
import { serveCredentials, type ServedSource } from '../credential-channel.ts';
import { serveStreams } from '../probes/stream-broker.ts';
import type { ProbeStreams } from '../probes/stream.ts';
import { CODE_EXT, CODE_ROOT, codeFile } from '../package-root.ts';
import { START_FIRST_ENV, offerHandover, serializeControlTransport, type Handover, type SuiteOutput } from '../plan.ts';
import { servePlans, type PlanServer } from '../plan-channel.ts';
import { Collector } from './collector.ts';

/** Vitest started with its hand-over; the CLI offers each suite's plan as it becomes final, then collects. */
export interface RunningSuites {
  /** Where the CLI offers each suite's plan (plan-channel.ts). */
  plans: PlanServer;
  /** Wait for the suites to end (every plan offered) and collect their results. */
  finish(): Promise<SuiteOutput>;
  /** The run ended before its checks: no plan will come; stop vitest. */
  abandon(): Promise<void>;
}

/**
 * Four workers: the suite files overlap (their time is waiting on the network); a worker runs its
 * share one after another, the longest first (suites/vitest.config.ts). On a broken network every
 * suite waits out its timeouts: cut-route on the routed lab took 51 s with two workers, 37 s with
 * three (no-forwarding 68 s, 59 s; 2026-12-07). On a healthy one, four against three: suites
 * phase median 3.2 s against 3.6 s, wall 10.9 s against 11.4 s, peak RSS 273 MB against 260 MB
 * (`npm run bench`, 6 runs alternated, 2026-12-08). A worker thread costs ~12-15 MB (it never
 * loads the client library).
 */
const WORKERS = 4;
/** How long a run that ends before its checks waits for vitest to close. */
const ABANDON_WAIT_MS = 5_000;
/** Process listeners vitest's logger adds (each ends the process) and the CLI takes back. */
const VITEST_LISTENED = ['SIGINT', 'SIGTERM', 'exit', 'unhandledRejection'] as const;

/**
 * Vitest created but not started: its module and the product's config loaded, its reporter
 * ready, no worker and no suite file yet. The CLI makes it while the probes start (the import is
 * ~0.3-0.5 s of this thread's CPU, which the probes' start-up, mostly the kubelets' and the
 * runtime's latency, leaves room for), then starts it once the probes passed the preflight.
 */
export interface PreparedSuites {
  vitest: Promise<Vitest>;
  collector: Collector;
  /** Not started after all (the run ended before its checks): close it, bounded. */
  discard(): Promise<void>;
}

export function prepareSuites(concurrency: number): PreparedSuites {
  const collector = new Collector();
  const vitest = createInProcess(collector, concurrency);
  vitest.catch(() => undefined); // its failure is the run's once started (finish), or nothing (discard)
  return { vitest, collector, discard: () => bounded(vitest.then((v) => v.close()).catch(() => undefined)) };
}

/**
 * Start the suites' vitest now, in this process (the one `prepared` beforehand, else a new one):
 * its workers start and import the suite files, and each file waits for its suite's plan
 * (plan-channel.ts). The hand-over — the control transport and the channels the CLI's thread
 * answers on: fresh credentials (`credentials`: the CLI's reload-aware source, Kube.credentials),
 * the suites' plans, and the workers' commands on the run's exec streams (`streams`) — is offered
 * at once. Every suite file vitest finds (suites/**\/*.test.*) runs; there is no list of suites here.
 */
export function startSuites(options: {
  concurrency: number;
  credentials: ServedSource;
  streams?: ProbeStreams;
  signal?: AbortSignal;
  startFirst?: string[];
  prepared?: PreparedSuites;
}): RunningSuites {
  collectGarbage();
  const served = serveCredentials(options.credentials);
  const commands = options.streams ? serveStreams(options.streams) : undefined;
  const plans = servePlans();
  const handover: Promise<Handover> = options.credentials.current().then((control) => ({
    planChannel: plans.name,
    control: serializeControlTransport(control),
    credentialChannel: served.name,
    ...(commands ? { streamChannel: commands.name } : {}),
  }));
  handover.catch(() => undefined); // awaited by the globalSetup, and by finish()
  offerHandover(handover);
  // Read by suites/vitest.config.ts's sequencer when it orders the files (a list of suite names, no secret).
  if (options.startFirst?.length) process.env[START_FIRST_ENV] = options.startFirst.join(',');
  // What vitest's own listener did with a stray rejection (print it, end the process) would skip
  // the cleanup: it becomes an error of the run instead, so the run cannot pass.
  const stray: string[] = [];
  const onStray = (err: unknown) => void stray.push(err instanceof Error ? err.message : String(err));
  process.on('unhandledRejection', onStray);
  const { vitest, collector } = options.prepared ?? prepareSuites(options.concurrency);
  // Started at once: vitest finds the suite files, its globalSetup takes the hand-over, the workers start.
  const ran = vitest
    .then((v) => v.start())
    .then(
      () => undefined,
      (err: unknown) => err,
    );
  let closed: Promise<void> | undefined;
  const close = () =>
    (closed ??= (async () => {
      plans.fail('the run ended before its checks');
      offerHandover(undefined);
      const v = await vitest.catch(() => undefined);
      await v?.close();
      process.off('unhandledRejection', onStray);
      served.close();
      commands?.close();
      plans.close();
    })());
  const stop = () => void close();
  options.signal?.addEventListener('abort', stop, { once: true });
  return {
    plans,
    async finish() {
      // Credentials that cannot be read (an exec plugin failing) end vitest unused, as a run that ends before its checks does.
      await handover.catch(async (err: unknown) => {
        await close();
        throw err;
      });
      const failure = await ran;
      options.signal?.removeEventListener('abort', stop);
      await close();
      if (options.signal?.aborted) throw new SetupError('interrupted while the checks were running');
      if (!collector.output)
        throw new SetupError(
          `the suites did not finish: vitest stopped before reporting results${failure ? `: ${failure instanceof Error ? failure.message : String(failure)}` : ' (see the output above)'}.`,
        );
      const { output } = collector;
      return { ...output, errors: [...output.errors, ...stray.map((m) => `unhandled rejection while the suites ran: ${m}`)] };
    },
    async abandon() {
      options.signal?.removeEventListener('abort', stop);
      // No check will run. Bounded, so a vitest that does not close cannot hold up a run that
      // failed before its checks (the CLI exits right after).
      await bounded(close().then(() => ran));
    },
  };
}

/** Wait for `closing`, at most ABANDON_WAIT_MS. */
async function bounded(closing: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, ABANDON_WAIT_MS).unref()));
  await Promise.race([closing, bound]);
  clearTimeout(timer);
}

/** createVitest with the product's config, its listeners that would end the process taken back before it can get a signal. */
function createInProcess(collector: Collector, concurrency: number): Promise<Vitest> {
  return import('vitest/node').then(({ createVitest }) => {
    const listeners = (e: string) => process.listeners(e as NodeJS.Signals) as unknown[];
    const before = new Map(VITEST_LISTENED.map((e) => [e, new Set(listeners(e))]));
    // Vitest's own output goes to stderr, and never as a terminal (it would hide the cursor): the CLI's stdout is its summary.
    const stdout = new Writable({ write: (chunk, _enc, done) => void process.stderr.write(chunk, done) });
    const created = createVitest(
      'test',
      {
        root: CODE_ROOT,
        config: codeFile('suites/vitest.config'),
        // Compiled: Node imports the config as it is; from the sources vite bundles the TypeScript.
        ...(CODE_EXT === '.js' ? { configLoader: 'native' as const } : {}),
        reporters: [collector],
        maxWorkers: WORKERS,
        maxConcurrency: concurrency,
        watch: false,
      },
      {},
      { stdout, stderr: process.stderr },
    );
    // The logger was made synchronously inside createVitest: its listeners exist now.
    for (const e of VITEST_LISTENED) for (const l of listeners(e)) if (!before.get(e)!.has(l)) process.off(e, l as () => void);
    return created;
  });
}

/**
 * A full garbage collection now: the CLI idles while the suites run, and what the deployment
 * left on its heap would otherwise stay resident beside them (~30 MB). Needs --expose-gc, which
 * bin/ sets; without it (e.g. the sources run through tsx) this does nothing.
 */
function collectGarbage(): void {
  try {
    (vm.runInNewContext('gc') as (() => void) | undefined)?.();
  } catch {
    // gc not exposed
  }
}
