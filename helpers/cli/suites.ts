// Runs the suites: vitest in a child process, project `suites`, our collector as the only
// reporter. A child (not startVitest in-process) because vitest's logger exits the process on
// SIGINT/SIGTERM, which would skip our cleanup; in a child, the CLI keeps the signals.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { suiteFiles } from '../check/modules.ts';
import { SetupError } from '../errors.ts';
import type { ControlTransport } from '../kube.ts';
import { CONTROL_ENV, encodeControlTransport, PLAN_ENV, RESULTS_ENV, writePlan, type RunPlan, type SuiteOutput } from '../plan.ts';

export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Every suite file vitest finds (suites/**\/*.test.ts) runs; there is no list of suites here. */
export async function runSuites(options: { plan: RunPlan; control?: ControlTransport; signal?: AbortSignal }): Promise<SuiteOutput> {
  return inChild(options, (resultsFile) => ['run', '--reporter', fileURLToPath(new URL('./collector.ts', import.meta.url))], (resultsFile, code) => {
    if (!fs.existsSync(resultsFile)) throw new SetupError(`the suites did not finish: vitest exited with code ${code} before reporting results (see the output above).`);
    return JSON.parse(fs.readFileSync(resultsFile, 'utf8')) as SuiteOutput;
  });
}

async function inChild<T>(options: { plan: RunPlan; control?: ControlTransport; signal?: AbortSignal }, argsFor: (resultsFile: string) => string[], read: (resultsFile: string, code: number) => T): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netconform-'));
  const planFile = path.join(dir, 'plan.json');
  const resultsFile = path.join(dir, 'results.json');
  writePlan(planFile, options.plan);
  const vitest = fileURLToPath(new URL('vitest.mjs', import.meta.resolve('vitest/package.json')));
  const [command = 'run', ...rest] = argsFor(resultsFile);
  const args = [
    vitest, command,
    '--root', PACKAGE_ROOT,
    '--config', path.join(PACKAGE_ROOT, 'vitest.config.ts'),
    '--project', 'suites',
    // One worker per suite file: suites wait on the network, not the CPU, so they overlap.
    '--maxWorkers', String(Math.max(4, suiteFiles().length)),
    ...rest,
  ];
  try {
    const code = await new Promise<number>((resolve, reject) => {
      const child = spawn(process.execPath, args, {
        cwd: PACKAGE_ROOT,
        env: {
          ...process.env, [PLAN_ENV]: planFile, [RESULTS_ENV]: resultsFile, NETCONFORM_CONCURRENCY: String(options.plan.concurrency),
          ...(options.control ? { [CONTROL_ENV]: encodeControlTransport(options.control) } : {}),
        },
        stdio: ['ignore', 'inherit', 'inherit'],
      });
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
