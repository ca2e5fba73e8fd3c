// Driving the real CLI against the lab: spawn `bin/kube-netconform.js`, read its reports, and
// count what a run left in the cluster (by label, with the lab's kubectl).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CheckResult, NetworkResult, RunResults, StaticResult } from '../../helpers/check/types.ts';
import { decide, kubernetesBinDir, labStatus } from '../tools/lab-expected.ts';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const labSh = path.join(repoRoot, 'lab', 'lab.sh');

/**
 * Whether a test that needs the lab runs: `describe.skipIf(!requireLab())(…)`, or with the mode the
 * file needs, `requireLab({ ipFamily: 'dual' })`. Under LAB_EXPECTED=1 (test/run-all.sh's lab
 * steps) a lab that is down or in another mode fails the file with `lab status`'s words instead of
 * skipping it; see test/tools/lab-expected.ts. requireMachine: the same for chromium, kubectl.
 */
export { requireLab, requireMachine, type LabMode } from '../tools/lab-expected.ts';

/** Suites that make no row in a default run: opt-in by a flag (--network-policy core|full). */
export const OPT_IN_SUITES: readonly string[] = ['network-policy'];

/** The lab's kubectl (lab/versions.env's Kubernetes, in the lab's binary cache), and its folder. */
export const labKubectlDir = (): string => kubernetesBinDir();
export const labKubectl = (): string => path.join(kubernetesBinDir(), 'kubectl');

/** `lab status` printed "lab: up" (any mode); never throws. Tests use requireLab, which does not skip silently. */
export function labIsUp(): boolean {
  return decide({ fileMode: {}, env: {}, status: labStatus() }).run;
}

export function lab(...args: string[]): string {
  return execFileSync('bash', [labSh, ...args], { encoding: 'utf8', timeout: 300_000 });
}

export function kubeconfig(): string {
  return lab('kubeconfig').trim();
}

export function kubectl(...args: string[]): string {
  return execFileSync('kubectl', ['--kubeconfig', kubeconfig(), ...args], { encoding: 'utf8', timeout: 60_000 });
}

/**
 * Namespaces, pods and services carrying the run label, anywhere in the cluster: of one run, or
 * of any run. (Scope to your run when other tests may be running against the same lab.)
 */
export function objectsLeft(runId?: string): string[] {
  const selector = runId ? `netconform.io/run-id=${runId}` : 'netconform.io/run-id';
  const list = () => kubectl('get', 'namespaces,pods,services', '--all-namespaces', '-l', selector, '-o', 'name').split('\n').filter(Boolean);
  // A run exits once its pods and Services are gone and its namespace is terminating; the
  // namespace controller drops the empty namespace a fixed 5 s after its deletion. Wait for
  // exactly that (a condition wait, bounded), then list: a namespace still there is left over.
  const terminating = kubectl('get', 'namespaces', '-l', selector, '-o', 'jsonpath={range .items[?(@.metadata.deletionTimestamp)]}{.metadata.name}{"\\n"}{end}').split('\n').filter(Boolean);
  if (terminating.length) {
    try {
      kubectl('wait', '--for=delete', '--timeout=30s', ...terminating.map((n) => `namespace/${n}`));
    } catch {
      // still there after 30 s: listed below as left over
    }
  }
  return list();
}

/** The run id a CLI run printed ("namespace netconform-<id> created"); a --namespace run prints the id on --keep only. */
/** Wait (polling, with a named timeout) until no object of any run is left: a quiet cluster, e.g. before comparing `list` with a run. */
export async function untilNoRunLeft(timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let left = objectsLeft(); left.length > 0; left = objectsLeft()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for earlier runs' objects to be gone: ${left.slice(0, 5).join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 500)); // poll interval of a condition wait
  }
}

export function runIdOf(run: { stderr: string }): string {
  const id = /namespace netconform-([0-9a-f]{6}) created/.exec(run.stderr)?.[1] ?? /run id ([0-9a-f]{6})/.exec(run.stderr)?.[1];
  if (!id) throw new Error(`no run id in the CLI output:\n${run.stderr}`);
  return id;
}

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  reportDir: string;
}

/**
 * Run the CLI as a user does (the bin/ file on Node). `nodeArgs` go to Node before the script
 * (e.g. `--import` of a test observer), `env` is added to this process's environment.
 */
export function startCli(args: string[], options: { onStderr?: (text: string, child: ChildProcess) => void; nodeArgs?: string[]; env?: Record<string, string> } = {}): Promise<CliRun> {
  const reportDir = fs.mkdtempSync(path.join(os.tmpdir(), 'netconform-e2e-'));
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), path.join(repoRoot, 'bin', 'kube-netconform.js'), ...args, '--report-dir', reportDir], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.env ? { env: { ...process.env, ...options.env } } : {}),
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    options.onStderr?.(stderr, child);
  });
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr, reportDir })));
}

/**
 * A test's view of a run's rows: every row shaped like a network row, so one filter reads them
 * all. Static rows (skips, setup failures, facts) get empty peers, port 0 and their status as
 * the observation; the product's results.json never carries such made-up fields.
 */
export type Row = NetworkResult & { status?: StaticResult['status'] };

export function asRow(r: CheckResult): Row {
  if (r.kind === 'network') return r;
  const end = { kind: 'host' as const, node: r.node ?? '', ip: '', family: 'ipv4' as const };
  return { ...r, kind: 'network', from: end, to: end, port: 0, protocol: 'tcp', family: 'ipv4', expect: 'REACHABLE', observed: r.status.toUpperCase() as Row['observed'], attempts: 0, latencyMs: 0 };
}

export function resultsOf(run: CliRun): Omit<RunResults, 'results'> & { results: Row[] } {
  const raw = JSON.parse(fs.readFileSync(path.join(run.reportDir, 'results.json'), 'utf8')) as RunResults;
  return { ...raw, results: raw.results.map(asRow) };
}

export function junitCounts(run: CliRun): { tests: number; failures: number; errors: number; testcases: number } {
  const xml = fs.readFileSync(path.join(run.reportDir, 'junit.xml'), 'utf8');
  const head = /<testsuites[^>]*>/.exec(xml)?.[0] ?? '';
  const attr = (name: string) => Number(new RegExp(`${name}="(\\d+)"`).exec(head)?.[1] ?? NaN);
  return { tests: attr('tests'), failures: attr('failures'), errors: attr('errors'), testcases: (xml.match(/<testcase /g) ?? []).length };
}

export const notPassed = (r: Row) => r.outcome !== 'passed';
export const describeRow = (r: Row) => `${r.suite} ${r.name} → ${r.outcome} (${r.observed}: ${r.detail.slice(0, 160)})`;

/**
 * A user's shell environment with npm's global prefix moved to `prefix` (so `npm link` and
 * `npm install -g` stay inside the test). npx/npm export their own lower-case npm_config_* to the
 * processes they start (npm_config_prefix=/usr among them), which would beat an upper-case
 * NPM_CONFIG_PREFIX: drop them all and set the prefix in the spelling npm reads last.
 */
export function npmUserEnv(prefix: string, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(base)) if (!/^npm_/i.test(k)) env[k] = v;
  env.npm_config_prefix = prefix;
  if (base.npm_config_cache) env.npm_config_cache = base.npm_config_cache;
  return env;
}
