// The detection run: for each fault case of the lab's network mode, inject → run the full
// suite (or the case's own selection: runArgs) through the CLI → heal, and judge the results.
// Talks to the lab through its CLI only.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { RunResults } from '../../helpers/check/types.ts';
import { judgeDetection, type DetectionVerdict, type FaultCase, type LabIpFamily, type LabNetpol, type LabNetwork, type ProxyMode } from './compare.ts';

const execFileAsync = promisify(execFile);
const repoRoot = path.resolve(import.meta.dirname, '..', '..');

export interface CaseRun {
  case: FaultCase;
  verdict: DetectionVerdict;
  run: RunResults;
  exitCode: number;
  elapsedMs: number;
}

async function labCli(args: string[]): Promise<string> {
  const { stdout } = await execFileAsync('bash', [path.join(repoRoot, 'lab', 'lab.sh'), ...args], { timeout: 120_000 });
  return stdout.trim();
}

/** The running lab's pod network, kube-proxy mode and NetworkPolicy implementation, from `npm run lab -- status`. */
export async function labMode(): Promise<{ network: LabNetwork; proxyMode: ProxyMode; netpol: LabNetpol }> {
  const status = await labCli(['status']);
  const m = /lab: up, \d+ nodes, ([a-z-]+) pod network, kube-proxy (iptables|nftables) mode/.exec(status);
  if (!m) throw new Error(`the lab is not up (npm run lab -- status said: ${status.split('\n')[0]}); start it with: npm run lab -- up`);
  const netpol = /, NetworkPolicy ([a-z-]+),/.exec(status.split('\n')[0] ?? '')?.[1] ?? 'none';
  return { network: m[1] as LabNetwork, proxyMode: m[2] as ProxyMode, netpol: netpol as LabNetpol };
}

/** One full CLI run against the lab; the results come from its results.json. */
export async function runSuite(options: { reportDir: string; extraArgs?: string[] }): Promise<{ run: RunResults; exitCode: number; elapsedMs: number; stderr: string }> {
  const kubeconfig = await labCli(['kubeconfig']);
  fs.rmSync(options.reportDir, { recursive: true, force: true });
  const started = performance.now();
  let exitCode = 0;
  let stderr = '';
  try {
    ({ stderr } = await execFileAsync('node', [path.join(repoRoot, 'bin', 'kube-netconform.js'), 'run', '--kubeconfig', kubeconfig, '--report-dir', options.reportDir, ...(options.extraArgs ?? [])], {
      timeout: 600_000,
      maxBuffer: 64 << 20,
    }));
  } catch (err) {
    const e = err as { code?: number; stderr?: string };
    exitCode = typeof e.code === 'number' ? e.code : -1;
    stderr = e.stderr ?? '';
    if (exitCode !== 1) throw new Error(`kube-netconform run exited ${exitCode} (not a check failure): ${e.stderr?.trim().split('\n').slice(-5).join(' | ')}`);
  }
  const run = JSON.parse(fs.readFileSync(path.join(options.reportDir, 'results.json'), 'utf8')) as RunResults;
  return { run, exitCode, elapsedMs: performance.now() - started, stderr };
}

/**
 * The report folder of one lab combination (`npm run detect`'s and the detection test's, which
 * `--from` reads back): `routed`, `vxlan-nftables`, `routed-dual`, `routed-kube-router`.
 */
export function modeName(c: { network: string; proxyMode: string; ipFamily?: LabIpFamily; netpol?: LabNetpol }): string {
  return [c.network, c.proxyMode === 'iptables' ? '' : c.proxyMode, (c.ipFamily ?? 'ipv4') === 'ipv4' ? '' : c.ipFamily, (c.netpol ?? 'none') === 'none' ? '' : c.netpol].filter(Boolean).join('-');
}

export async function runCase(c: FaultCase, options: { reportRoot: string }): Promise<CaseRun> {
  await labCli(['heal']);
  await labCli(['fault', ...c.fault]);
  try {
    const { run, exitCode, elapsedMs } = await runSuite({ reportDir: path.join(options.reportRoot, c.id), extraArgs: c.runArgs ?? [] });
    return { case: c, verdict: judgeDetection(c, run), run, exitCode, elapsedMs };
  } finally {
    await labCli(['heal']);
  }
}
