// The NetworkPolicy row of `npm run bench -- --vs-upstream`, on a lab with an enforcer (`lab up
// --netpol kube-router`): upstream's NetworkPolicy specs (`npm run lab -- upstream-e2e --netpol`,
// test/e2e/network/netpol, serially) and kube-netconform's full network-policy case set
// (`--network-policy full --only '^network-policy '`), back to back on the same running lab: wall
// time of each and how many passed, and spec by spec where the two test the same thing
// (netpol-compare.ts). On a lab without an enforcer the row says so and nothing runs.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { RunResults } from '../helpers/check/types.ts';
import { parseUpstreamJunit, problemLines, summaryLine, type UpstreamResult } from '../lab/upstream-junit.ts';
import type { RunSample } from './figures.ts';
import { compareNetpol, renderComparison, type NetpolComparison } from './netpol-compare.ts';

export const NETPOL_ONLY = '^network-policy ';

export interface NetpolVs {
  upstreamMs: number;
  upstream: UpstreamResult;
  oursMs: number;
  /** The full set's rows: how many, how many as the model says, the ids of the others. */
  ours: { cases: number; passed: number; notPassed: string[] };
  /** Upstream's specs against our cases, spec by spec (absent in figures saved before it existed). */
  comparison?: NetpolComparison;
}

/** Upstream's selected NetworkPolicy specs by context: TCP ("between server and client") and UDP ("… using UDP"). */
export function upstreamNetpolSpecs(upstream: UpstreamResult): { tcp: number; udp: number; passed: number } {
  const specs = upstream.cases.filter((c) => c.spec && c.status !== 'not-selected' && /NetworkPolicy between server and client/.test(c.name));
  const udp = specs.filter((c) => /using UDP/.test(c.name)).length;
  return { tcp: specs.length - udp, udp, passed: specs.filter((c) => c.status === 'passed').length };
}

export function oursOf(run: RunResults): NetpolVs['ours'] {
  const rows = run.results.filter((r) => r.suite === 'network-policy');
  return { cases: rows.length, passed: rows.filter((r) => r.outcome === 'passed').length, notPassed: rows.filter((r) => r.outcome !== 'passed').map((r) => r.name) };
}

/** The two rows the comparison table gains (or one saying why not). */
export function renderNetpolRows(v: NetpolVs | { skipped: string }): string[] {
  if ('skipped' in v) return [`| \`network-policy\` | not run: ${v.skipped} | not run |`];
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const u = upstreamNetpolSpecs(v.upstream);
  const others = v.ours.notPassed.length ? ` (not: ${v.ours.notPassed.join(', ')})` : '';
  const ratio = v.oursMs > 0 ? ` — **${(v.upstreamMs / v.oursMs).toFixed(1)}× faster**` : '';
  return [
    `| \`network-policy\` | ${u.passed}/${u.tcp + u.udp} NetworkPolicy specs passed (${u.tcp} TCP, ${u.udp} UDP; each a 9-pod truth table) | ${v.ours.passed}/${v.ours.cases} cases as the model says${others} |`,
    `| **wall time, NetworkPolicy** | ${s(v.upstreamMs)} | ${s(v.oursMs)} (one run)${ratio} |`,
  ];
}

/** The spec-by-spec table that follows the comparison table (nothing when the row did not run). */
export function renderNetpolSpecs(v: NetpolVs | { skipped: string }): string[] {
  if ('skipped' in v || !v.comparison) return [];
  return ['', "NetworkPolicy, spec by spec (upstream's specs against our cases where they test the same thing; bench/netpol-spec-map.ts):", '', renderComparison(v.comparison)];
}

type CliRun = (label: string, args: string[]) => Promise<{ sample: RunSample; run: RunResults }>;

/** Whether the running lab has a NetworkPolicy enforcer, from `lab status`'s first line (undefined: it has; else why not). */
export function enforcerMissing(statusLine: string): string | undefined {
  return /NetworkPolicy \S+/.test(statusLine) ? undefined : 'the lab runs no NetworkPolicy enforcer (lab up --netpol kube-router)';
}

/** Upstream's NetworkPolicy specs, then kube-netconform's full set, on the running lab. */
export async function vsUpstreamNetpol(root: string, cliRun: CliRun): Promise<NetpolVs | { skipped: string }> {
  const lab = path.join(root, 'lab', 'lab.sh');
  const status = spawnSync('bash', [lab, 'status'], { encoding: 'utf8' }).stdout.split('\n')[0] ?? '';
  const missing = enforcerMissing(status);
  if (missing) return { skipped: missing };
  execFileSync('bash', [lab, 'upstream-e2e', '--build-only'], { stdio: 'inherit' });
  console.log('upstream e2e NetworkPolicy specs: npm run lab -- upstream-e2e --netpol');
  const t0 = performance.now();
  const up = spawnSync('bash', [lab, 'upstream-e2e', '--netpol'], { stdio: 'inherit' });
  const upstreamMs = performance.now() - t0;
  const junit = path.join(root, 'reports', 'upstream-e2e-netpol', 'junit.xml');
  if (!fs.existsSync(junit)) throw new Error(`upstream e2e --netpol wrote no ${junit} (exit ${up.status})`);
  const upstream = parseUpstreamJunit(fs.readFileSync(junit, 'utf8'));
  console.log(`\n${summaryLine(upstream, upstreamMs / 1000)}`);
  for (const l of problemLines(upstream)) console.log(l);
  const { sample, run } = await cliRun('kube-netconform network-policy full', ['--network-policy', 'full', '--only', NETPOL_ONLY]);
  // Printed (and saved) with the comparison table by vs-upstream.ts's renderVs.
  return { upstreamMs, upstream, oursMs: sample.wallMs, ours: oursOf(run), comparison: compareNetpol(upstream, run) };
}
