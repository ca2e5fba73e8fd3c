// Runs the suites: vitest in a child process, with the product's own config
// (suites/vitest.config.ts, compiled beside the suites) and our collector as the only reporter.
// A child (not startVitest in-process) because vitest's logger exits the process on
// SIGINT/SIGTERM, which would skip our cleanup; in a child, the CLI keeps the signals.
// The child is started early (while the CLI deploys) and waits in its globalSetup for the
// hand-over: the run plan and the pod-proxy credentials, written once to an inherited pipe
// (fd HANDOVER_FD) — never in its environment or a file.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { SetupError } from '../errors.ts';
import { suiteOfTestFile } from '../check/file-order.ts';
import type { ControlTransport } from '../kube/index.ts';
import { CODE_EXT, CODE_ROOT, codeFile } from '../package-root.ts';
import { HANDOVER_FD, HANDOVER_FD_ENV, START_FIRST_ENV, HANDOVER_TIMEOUT_ENV, RESULTS_ENV, serializeControlTransport, type Handover, type RunPlan, type SuiteOutput } from '../plan.ts';

export const NO_CHECKS_TITLE = 'no checks selected';

/** A vitest child waiting for its hand-over; `run` hands it over and collects, `abandon` stops it unused. */
export interface SuitesChild {
  run(plan: RunPlan, control: ControlTransport): Promise<SuiteOutput>;
  abandon(): Promise<void>;
}

/**
 * Start the suites' vitest child now, so its start-up overlaps the deployment. Every suite
 * file vitest finds (suites/**\/*.test.*) runs; there is no list of suites here.
 * `handoverTimeoutMs`: how long the child waits for `run` before it gives up.
 */
export function startSuites(options: { concurrency: number; handoverTimeoutMs: number; signal?: AbortSignal; startFirst?: string[] }): SuitesChild {
  const child = spawnVitest((dir) => ['run', '--reporter', codeFile('helpers/cli/collector')], options);
  return {
    run: (plan, control) => (
      collectGarbage(),
      child.handOver({ plan, control: serializeControlTransport(control) }, (dir, code) => {
        if (options.signal?.aborted) throw new SetupError('interrupted while the checks were running');
        const resultsFile = path.join(dir, RESULTS_FILE);
        if (!fs.existsSync(resultsFile)) throw new SetupError(`the suites did not finish: vitest exited with code ${code} before reporting results (see the output above).`);
        return JSON.parse(fs.readFileSync(resultsFile, 'utf8')) as SuiteOutput;
      })
    ),
    abandon: () => child.abandon(),
  };
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

/** The checks the suites would run for this plan: vitest collects them without running any. */
export async function listChecks(options: { plan: RunPlan }): Promise<{ suite: string; title: string }[]> {
  const child = spawnVitest((dir) => ['list', `--json=${path.join(dir, 'list.json')}`], { concurrency: options.plan.concurrency, handoverTimeoutMs: 60_000 });
  return child.handOver({ plan: options.plan }, (dir, code) => {
    const listFile = path.join(dir, 'list.json');
    if (!fs.existsSync(listFile)) throw new SetupError(`listing the checks failed: vitest exited with code ${code} (see the output above).`);
    const tests = JSON.parse(fs.readFileSync(listFile, 'utf8')) as { name: string; file: string }[];
    return tests.map((t) => ({ suite: suiteOfTestFile(t.file), title: t.name.replace(/^[^>]*> /, '') })).filter((t) => t.title !== NO_CHECKS_TITLE);
  });
}

const RESULTS_FILE = 'results.json';

interface VitestChild {
  /** Write the hand-over to the child's pipe and close it; when the child exits, `read` its output from `dir`. */
  handOver<T>(handover: Handover, read: (dir: string, code: number) => T): Promise<T>;
  /** Kill the child (it has not been handed anything) and wait until it is gone. */
  abandon(): Promise<void>;
}

/** Spawn vitest with its own temporary directory (for the results it writes), waiting for the hand-over on fd HANDOVER_FD. */
function spawnVitest(argsFor: (dir: string) => string[], options: { concurrency: number; handoverTimeoutMs: number; signal?: AbortSignal; startFirst?: string[] }): VitestChild {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netconform-'));
  const vitest = fileURLToPath(new URL('vitest.mjs', import.meta.resolve('vitest/package.json')));
  const [command = 'run', ...rest] = argsFor(dir);
  const args = [
    // The suites wait on the network, not on the heap: a young generation kept small (the flag
    // holds for every worker thread too) saves ~30 MB of resident memory at no measurable cost.
    '--max-semi-space-size=1',
    vitest,
    command,
    '--root',
    CODE_ROOT,
    '--config',
    codeFile('suites/vitest.config'),
    // Compiled: Node imports the config as it is; from the sources vite bundles the TypeScript.
    ...(CODE_EXT === '.js' ? ['--configLoader', 'native'] : []),
    // Two workers: the suite files overlap (their time is waiting on the network); a worker runs
    // its share of files one after another, the longest first (suites/vitest.config.ts), so two
    // finish as soon as four did (measured: suites 3.9-4.4 s either way) and each extra worker
    // thread costs ~25 MB.
    '--maxWorkers',
    '2',
    ...rest,
  ];
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: CODE_ROOT,
    env: {
      ...process.env,
      [RESULTS_ENV]: path.join(dir, RESULTS_FILE),
      NETCONFORM_CONCURRENCY: String(options.concurrency),
      ...(options.startFirst?.length ? { [START_FIRST_ENV]: options.startFirst.join(',') } : {}),
      [HANDOVER_FD_ENV]: String(HANDOVER_FD),
      [HANDOVER_TIMEOUT_ENV]: String(options.handoverTimeoutMs),
    },
    // fd 3: the hand-over, written once and closed (read by suites/setup.ts).
    stdio: ['ignore', 'inherit', 'inherit', 'pipe'],
  });
  const pipe = child.stdio[HANDOVER_FD] as NodeJS.WritableStream;
  pipe.on('error', () => undefined); // the child died before reading: its exit code tells
  const stop = () => child.kill('SIGTERM');
  options.signal?.addEventListener('abort', stop, { once: true });
  const exited = new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 128 : 1)));
  }).finally(() => options.signal?.removeEventListener('abort', stop));
  const cleanup = () => fs.rmSync(dir, { recursive: true, force: true });
  return {
    async handOver(handover, read) {
      pipe.end(JSON.stringify(handover));
      try {
        return read(dir, await exited);
      } finally {
        cleanup();
      }
    },
    async abandon() {
      child.kill('SIGKILL');
      pipe.end();
      await exited.catch(() => undefined);
      cleanup();
    },
  };
}
