// `npm run bench -- --vs-upstream`: upstream Kubernetes' own network e2e tests (the Granular Checks,
// `npm run lab -- upstream-e2e`) and kube-netconform's run of the same paths, back to back on the same
// running lab: wall time of each, the ratio, and what each covers per path.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isNetwork, type RunResults } from '../helpers/check/types.ts';
import { parseUpstreamJunit, problemLines, summaryLine, upstreamPassed, type UpstreamResult } from '../lab/upstream-junit.ts';
import type { RunSample } from './figures.ts';
import { renderNetpolRows, renderNetpolSpecs, vsUpstreamNetpol, type NetpolVs } from './vs-upstream-netpol.ts';

/** The paths upstream's selected Granular Checks test, as a `--only` for kube-netconform. */
export const VS_UPSTREAM_PATHS = ['pod-to-pod', 'pod-to-service', 'nodeport'] as const;
export type VsPath = (typeof VS_UPSTREAM_PATHS)[number];
export const VS_UPSTREAM_ONLY = `^(${VS_UPSTREAM_PATHS.join('|')}) `;
/** kube-netconform's runs per comparison (one upstream run takes minutes; ours, seconds): the median is compared. */
export const VS_UPSTREAM_OUR_RUNS = 3;

/** The kube-netconform path an upstream Granular Check exercises (undefined: none of the three). */
export function upstreamPath(name: string): VsPath | undefined {
  if (/Pods should function for (intra-pod|node-pod) communication/.test(name)) return 'pod-to-pod';
  if (/Services should (function for (pod|node)-Service|be able to handle large requests)/.test(name)) return 'pod-to-service';
  if (/nodePort/i.test(name)) return 'nodeport';
  return undefined;
}

/** "Services should function for pod-Service: http" from the spec's full text. */
export function shortUpstreamName(name: string): string {
  return (/Granular Checks: (.*?)(\s+\[|$)/.exec(name)?.[1] ?? name).trim();
}

export interface CoverageRow {
  path: VsPath;
  upstream: { tests: number; passed: number; names: string[] };
  ours: { checks: number; passed: number; kinds: string };
}

const arrow = (from: string, to: string) => `${from}→${to}`;

/** Per path: upstream's selected tests and kube-netconform's checks (by source → target kind). */
export function coverageTable(upstream: UpstreamResult, ours: RunResults): CoverageRow[] {
  return VS_UPSTREAM_PATHS.map((p) => {
    const tests = upstream.cases.filter((c) => c.spec && c.status !== 'not-selected' && upstreamPath(c.name) === p);
    const rows = ours.results.filter((r) => r.suite === p);
    const kinds = new Map<string, number>();
    for (const r of rows.filter(isNetwork)) {
      const k = `${arrow(r.from.kind, r.to.kind)} ${r.protocol}`;
      kinds.set(k, (kinds.get(k) ?? 0) + 1);
    }
    const statics = rows.length - rows.filter(isNetwork).length;
    return {
      path: p,
      upstream: { tests: tests.length, passed: tests.filter((c) => c.status === 'passed').length, names: tests.map((c) => shortUpstreamName(c.name)).sort() },
      ours: {
        checks: rows.length,
        passed: rows.filter((r) => r.outcome === 'passed').length,
        kinds: [...[...kinds].map(([k, n]) => `${k} ${n}`), ...(statics ? [`facts ${statics}`] : [])].join(', '),
      },
    };
  });
}

export interface VsFigures {
  date: string;
  machine: string;
  upstreamMs: number;
  upstream: UpstreamResult;
  oursMs: number[];
  coverage: CoverageRow[];
  /** The NetworkPolicy comparison (vs-upstream-netpol.ts), or why it did not run. */
  netpol?: NetpolVs | { skipped: string };
}

export function medianOf(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** upstream's wall time / kube-netconform's median, one decimal ("12.3×"). */
export function ratioText(upstreamMs: number, oursMs: number[]): string {
  return `${(upstreamMs / medianOf(oursMs)).toFixed(1)}×`;
}

/** The comparison as a Markdown table (the README's "Against upstream's e2e" section). */
export function renderVs(f: VsFigures): string {
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const lines = [
    `Measured ${f.date} on ${f.machine}; upstream: \`npm run lab -- upstream-e2e\` (one serial e2e.test run), kube-netconform: \`--only '${VS_UPSTREAM_ONLY}'\`, ${f.oursMs.length} runs right after (${f.oursMs.map(s).join(', ')}), median compared.`,
    '',
    '| path | upstream e2e Granular Checks | kube-netconform |',
    '|---|---|---|',
    ...f.coverage.map(
      (c) => `| \`${c.path}\` | ${c.upstream.passed}/${c.upstream.tests} passed: ${c.upstream.names.join('; ') || '—'} | ${c.ours.passed}/${c.ours.checks} passed: ${c.ours.kinds || '—'} |`,
    ),
    `| **wall time** | ${s(f.upstreamMs)} | ${s(medianOf(f.oursMs))} (median) — **${ratioText(f.upstreamMs, f.oursMs)} faster** |`,
    ...(f.netpol ? renderNetpolRows(f.netpol) : []),
    ...(f.netpol ? renderNetpolSpecs(f.netpol) : []),
  ];
  return lines.join('\n');
}

type CliRun = (label: string, args: string[]) => Promise<{ sample: RunSample; run: RunResults }>;

/** Upstream's run, then kube-netconform's runs, on the running lab; prints the table; true when both passed. */
export async function vsUpstream(root: string, cliRun: CliRun, describeMachine: (run: RunResults) => Promise<string>): Promise<boolean> {
  const report = path.join(root, 'reports', 'upstream-e2e');
  console.log('upstream e2e: npm run lab -- upstream-e2e (builds e2e.test first if this Kubernetes version has none)');
  // Built before the clock starts (a no-op when cached): the comparison is of runs, not builds.
  execFileSync('bash', [path.join(root, 'lab', 'lab.sh'), 'upstream-e2e', '--build-only'], { stdio: 'inherit' });
  const t0 = performance.now();
  const up = spawnSync('bash', [path.join(root, 'lab', 'lab.sh'), 'upstream-e2e'], { stdio: 'inherit' });
  const upstreamWall = performance.now() - t0;
  const junit = path.join(report, 'junit.xml');
  if (!fs.existsSync(junit)) throw new Error(`upstream e2e wrote no ${junit} (exit ${up.status}); see ${path.join(report, 'e2e.log')}`);
  const upstream = parseUpstreamJunit(fs.readFileSync(junit, 'utf8'));
  const oursMs: number[] = [];
  let last: RunResults | undefined;
  let oursOk = true;
  for (let i = 1; i <= VS_UPSTREAM_OUR_RUNS; i++) {
    const { sample, run } = await cliRun(`kube-netconform ${VS_UPSTREAM_PATHS.join(', ')} run ${i}/${VS_UPSTREAM_OUR_RUNS}`, ['--only', VS_UPSTREAM_ONLY]);
    oursMs.push(sample.wallMs);
    oursOk &&= sample.exitCode === 0 && sample.badRows.length === 0;
    last = run;
  }
  const figures: VsFigures = {
    date: new Date().toISOString().slice(0, 10),
    machine: await describeMachine(last!),
    upstreamMs: upstreamWall,
    upstream,
    oursMs,
    coverage: coverageTable(upstream, last!),
    // Upstream's NetworkPolicy specs and our full case set (only on a lab with an enforcer; not part of the exit status: an enforcer's deviations are findings).
    netpol: await vsUpstreamNetpol(root, cliRun),
  };
  console.log(`\n${summaryLine(upstream, upstreamWall / 1000)}`);
  for (const l of problemLines(upstream)) console.log(l);
  console.log(`\n${renderVs(figures)}`);
  const saved = path.join(os.tmpdir(), `kube-netconform-vs-upstream-${figures.date}.json`);
  fs.writeFileSync(saved, JSON.stringify(figures, null, 2));
  console.log(`\nfigures saved to ${saved}`);
  return up.status === 0 && upstreamPassed(upstream) && oursOk;
}
