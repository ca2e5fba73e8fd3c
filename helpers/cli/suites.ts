// Runs the suites: vitest in a child process, with the product's own config
// (suites/vitest.config.ts, compiled beside the suites) and our collector as the only reporter.
// A child (not startVitest in-process) because vitest's logger exits the process on
// SIGINT/SIGTERM, which would skip our cleanup; in a child, the CLI keeps the signals.
// The pod-proxy credentials go to the child through an inherited pipe (fd CONTROL_FD), never
// in its environment or the plan file.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SetupError } from '../errors.ts';
import type { ControlTransport } from '../kube.ts';
import { CODE_EXT, CODE_ROOT, codeFile } from '../package-root.ts';
import { CONTROL_FD, CONTROL_FD_ENV, PLAN_ENV, RESULTS_ENV, serializeControlTransport, writePlan, type RunPlan, type SuiteOutput } from '../plan.ts';

/** A suite's name from its file (suites/pod-to-pod.test.ts or the compiled .js). */
export function suiteNameOf(file: string): string {
  return path.basename(file).replace(/\.test\.[cm]?[jt]s$/, '');
}

/** Every suite file vitest finds (suites/**\/*.test.*) runs; there is no list of suites here. */
export async function runSuites(options: { plan: RunPlan; control?: ControlTransport; signal?: AbortSignal }): Promise<SuiteOutput> {
  return inChild(options, () => ['run', '--reporter', codeFile('helpers/cli/collector')], (resultsFile, code) => {
    if (!fs.existsSync(resultsFile)) throw new SetupError(`the suites did not finish: vitest exited with code ${code} before reporting results (see the output above).`);
    return JSON.parse(fs.readFileSync(resultsFile, 'utf8')) as SuiteOutput;
  });
}

/** The checks the suites would run for this plan: vitest collects them without running any. */
export async function listChecks(options: { plan: RunPlan }): Promise<{ suite: string; title: string }[]> {
  return inChild(options, (resultsFile) => ['list', `--json=${resultsFile}`], (resultsFile, code) => {
    if (!fs.existsSync(resultsFile)) throw new SetupError(`listing the checks failed: vitest exited with code ${code} (see the output above).`);
    const tests = JSON.parse(fs.readFileSync(resultsFile, 'utf8')) as { name: string; file: string }[];
    return tests
      .map((t) => ({ suite: suiteNameOf(t.file), title: t.name.replace(/^[^>]*> /, '') }))
      .filter((t) => t.title !== NO_CHECKS_TITLE);
  });
}

export const NO_CHECKS_TITLE = 'no checks selected';

async function inChild<T>(options: { plan: RunPlan; control?: ControlTransport; signal?: AbortSignal }, argsFor: (resultsFile: string) => string[], read: (resultsFile: string, code: number) => T): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netconform-'));
  const planFile = path.join(dir, 'plan.json');
  const resultsFile = path.join(dir, 'results.json');
  writePlan(planFile, options.plan);
  const vitest = fileURLToPath(new URL('vitest.mjs', import.meta.resolve('vitest/package.json')));
  const [command = 'run', ...rest] = argsFor(resultsFile);
  const args = [
    // The suites wait on the network, not on the heap: a young generation kept small (the flag
    // holds for every worker thread too) saves ~30 MB of resident memory at no measurable cost.
    '--max-semi-space-size=1',
    vitest, command,
    '--root', CODE_ROOT,
    '--config', codeFile('suites/vitest.config'),
    // Compiled: Node imports the config as it is; from the sources vite bundles the TypeScript.
    ...(CODE_EXT === '.js' ? ['--configLoader', 'native'] : []),
    // Two workers: the suite files overlap (their time is waiting on the network) while each
    // extra worker thread would cost ~25 MB and, on a small machine, CPU for its start-up.
    '--maxWorkers', '2',
    ...rest,
  ];
  try {
    const code = await new Promise<number>((resolve, reject) => {
      const child = spawn(process.execPath, args, {
        cwd: CODE_ROOT,
        env: {
          ...process.env, [PLAN_ENV]: planFile, [RESULTS_ENV]: resultsFile, NETCONFORM_CONCURRENCY: String(options.plan.concurrency),
          ...(options.control ? { [CONTROL_FD_ENV]: String(CONTROL_FD) } : {}),
        },
        // fd 3: the control transport, written once and closed (read by suites/setup.ts).
        stdio: ['ignore', 'inherit', 'inherit', options.control ? 'pipe' : 'ignore'],
      });
      if (options.control) {
        const pipe = child.stdio[CONTROL_FD] as NodeJS.WritableStream;
        pipe.on('error', () => undefined); // the child died before reading: its exit code tells
        pipe.end(JSON.stringify(serializeControlTransport(options.control)));
      }
      const stop = () => child.kill('SIGTERM');
      options.signal?.addEventListener('abort', stop, { once: true });
      child.on('error', reject);
      child.on('exit', (exitCode, signal) => {
        options.signal?.removeEventListener('abort', stop);
        resolve(exitCode ?? (signal ? 128 : 1));
      });
    });
    if (options.signal?.aborted) throw new SetupError('interrupted while the checks were running');
    return read(resultsFile, code);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
