// Benchmark figures: from the runs `bench/run.ts` made to the table printed on the terminal
// and written into the README's performance section. Pure, so it is unit-tested.
import { isNetwork, type RunResults } from '../helpers/check/types.ts';
import type { TreeRss } from './tree-rss.ts';
import type { CpuUse } from './cpu.ts';

/** One CLI run as the benchmark saw it. */
export interface RunSample {
  exitCode: number;
  wallMs: number;
  phases: Record<string, number>;
  counters: Record<string, number>;
  rows: number;
  /** Titles of the rows that failed or errored. */
  badRows: string[];
  rss: TreeRss;
  /** CPU time the machine spent during the run (bench/cpu.ts), where measured. */
  cpu?: CpuUse;
  /** Unique ordered pod → pod pairs among the pod-to-pod rows. */
  podPairs: number;
}

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  kernel: string;
  node: string;
  kubernetes?: string;
  network?: string;
  nodes?: number;
}

export interface BenchFigures {
  machine: Machine;
  date: string;
  /** Healthy full runs (default flags), all of them. */
  healthy: RunSample[];
  scale?: { podsPerNode: number; concurrency: number; sample: RunSample };
  /** The same healthy runs of another commit (--baseline), alternated with these in one bench run. */
  baseline?: { ref: string; commit: string; healthy: RunSample[] };
}

/** The targets (issue 23 for the full run and memory, issue 5 for scale), in one place. */
export const TARGETS = {
  fullRunMs: 8_000,
  scalePairsMs: 20_000,
  rssBytes: 300 * 1024 * 1024,
} as const;

export function sampleOf(run: RunResults, exitCode: number, wallMs: number, rss: TreeRss, cpu?: CpuUse): RunSample {
  const pairs = new Set(
    run.results
      .filter(isNetwork)
      .filter((r) => r.suite === 'pod-to-pod' && r.from.kind === 'pod' && r.to.kind === 'pod')
      .map((r) => `${r.from.pod}>${r.to.pod}`),
  );
  return {
    exitCode,
    wallMs,
    rss,
    ...(cpu ? { cpu } : {}),
    phases: run.phases,
    counters: run.counters ?? {},
    rows: run.results.length,
    badRows: run.results.filter((r) => r.outcome === 'failed' || r.outcome === 'error').map((r) => `${r.suite} ${r.name}`),
    podPairs: pairs.size,
  };
}

/** A run that did not pass cleanly: a non-zero exit or a failed/errored row. */
export function isBad(x: RunSample): boolean {
  return x.exitCode !== 0 || x.badRows.length > 0;
}

export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;
const verdict = (ok: boolean) => (ok ? '✓' : '✗');

function phaseMedian(samples: RunSample[], phase: string): number {
  return median(samples.map((x) => x.phases[phase] ?? 0));
}

function rssText(rss: TreeRss): string {
  const parts = Object.entries(rss.peakByProcess)
    .filter(([, b]) => b > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([name, b]) => `${name} ${mb(b)}`);
  return `${mb(rss.peakTotal)} whole process tree (${parts.join(', ')})`;
}

/** Rows of the performance table: what, figure, target, met. */
export function benchRows(f: BenchFigures): string[][] {
  const rows: string[][] = [];
  const h = f.healthy;
  if (h.length) {
    const wall = median(h.map((x) => x.wallMs));
    // Every suite the runs timed (the phases that are not the run's own steps), longest first.
    const steps = /^(deploy|wait-ready|settle|suites|cleanup)(\.|$)/;
    const paths = [...new Set(h.flatMap((x) => Object.keys(x.phases)).filter((p) => !steps.test(p)))];
    const suites = paths
      .map((p) => ({ p, ms: phaseMedian(h, p) }))
      .sort((a, b) => b.ms - a.ms || a.p.localeCompare(b.p))
      .map(({ p, ms }) => `${p} ${(ms / 1000).toFixed(1)}`)
      .join(', ');
    rows.push([
      `full run, every path (${paths.length}), ${median(h.map((x) => x.rows))} checks (median of ${h.length})`,
      `${s(wall)} wall (slowest ${s(Math.max(...h.map((x) => x.wallMs)))}): deploy ${s(phaseMedian(h, 'deploy'))}, wait-ready ${s(phaseMedian(h, 'wait-ready'))}, settle ${s(phaseMedian(h, 'settle'))} (the suites' checks start as each settles), suites ${s(phaseMedian(h, 'suites'))} (${suites}, in parallel), cleanup ${s(phaseMedian(h, 'cleanup'))}`,
      `≤ ${TARGETS.fullRunMs / 1000} s`,
      verdict(wall <= TARGETS.fullRunMs),
    ]);
    rows.push([
      'API requests per run',
      `${median(h.map((x) => x.counters['apiRequests.setup+cleanup'] ?? 0))} setup + cleanup, ${median(h.map((x) => x.counters['apiRequests.checks'] ?? 0))} checks (exec streams opened and log reads the suites sent, retries included; ${median(h.map((x) => x.counters['execStreams.checks'] ?? 0))} exec streams into ${median(h.map((x) => x.counters['probes'] ?? 0))} probes)`,
      '—',
      '',
    ]);
    const bad = h.filter(isBad);
    rows.push([
      `healthy-cluster stability: ${h.length} full runs`,
      bad.length === 0 ? `${h.length}/${h.length} passed, 0 failed rows` : `${bad.length} runs failed: ${[...new Set(bad.flatMap((x) => x.badRows))].slice(0, 5).join('; ')}`,
      '0 failures',
      verdict(bad.length === 0),
    ]);
    const peak = h.reduce((a, b) => (b.rss.peakTotal > a.rss.peakTotal ? b : a));
    rows.push([`peak RSS of a full run (highest of ${h.length})`, rssText(peak.rss), `≤ ${mb(TARGETS.rssBytes)}`, verdict(peak.rss.peakTotal <= TARGETS.rssBytes)]);
  }
  if (f.baseline?.healthy.length && h.length) {
    const b = f.baseline.healthy;
    const [wall, baseWall] = [median(h.map((x) => x.wallMs)), median(b.map((x) => x.wallMs))];
    const [peak, basePeak] = [Math.max(...h.map((x) => x.rss.peakTotal)), Math.max(...b.map((x) => x.rss.peakTotal))];
    const ratio = (now: number, then: number) => `${(now / then).toFixed(2)}×`;
    rows.push([
      `vs baseline ${f.baseline.ref}${f.baseline.commit.startsWith(f.baseline.ref) ? '' : ` (${f.baseline.commit.slice(0, 7)})`}, ${b.length} runs alternated with these`,
      `median wall ${s(wall)} vs ${s(baseWall)} (${ratio(wall, baseWall)}): deploy ${s(phaseMedian(b, 'deploy'))}, wait-ready ${s(phaseMedian(b, 'wait-ready'))}, suites ${s(phaseMedian(b, 'suites'))}, cleanup ${s(phaseMedian(b, 'cleanup'))} then; peak RSS ${mb(peak)} vs ${mb(basePeak)} (${ratio(peak, basePeak)})${b.some(isBad) ? `; ${b.filter(isBad).length} baseline runs failed` : ''}`,
      '—',
      '',
    ]);
  }
  if (f.scale) {
    const x = f.scale.sample;
    const p2p = x.phases['pod-to-pod'] ?? 0;
    rows.push([
      `scale: ${f.scale.podsPerNode} probe pods per node, ${x.podPairs} pod pairs (pod-to-pod suite, --concurrency ${f.scale.concurrency})`,
      `${x.rows} checks in ${s(p2p)} (pod-to-pod suite); suites phase ${s(x.phases.suites ?? 0)} incl. vitest start-up; ${s(x.wallMs)} wall incl. deploy ${s(x.phases.deploy ?? 0)}, wait-ready ${s(x.phases['wait-ready'] ?? 0)}, cleanup ${s(x.phases.cleanup ?? 0)}; ${x.badRows.length} failed`,
      `≤ ${TARGETS.scalePairsMs / 1000} s`,
      verdict(p2p <= TARGETS.scalePairsMs && x.badRows.length === 0),
    ]);
    rows.push(['peak RSS of the scale run', rssText(x.rss), `≤ ${mb(TARGETS.rssBytes)}`, verdict(x.rss.peakTotal <= TARGETS.rssBytes)]);
  }
  return rows;
}

export function machineLine(m: Machine): string {
  const cluster = [m.kubernetes && `Kubernetes ${m.kubernetes}`, m.nodes && `${m.nodes} nodes`, m.network && `${m.network} pod network`].filter(Boolean).join(', ');
  return `${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB RAM, Linux ${m.kernel}, Node.js ${m.node}; lab: ${cluster}`;
}

/** The markdown block written between the README's bench markers. */
export function renderMarkdown(f: BenchFigures): string {
  const lines = [
    `Measured by \`npm run bench\` on ${f.date} — ${machineLine(f.machine)}:`,
    '',
    '| what | figure | target | met |',
    '|---|---|---|---|',
    ...benchRows(f).map((r) => `| ${r.join(' | ')} |`),
  ];
  return lines.join('\n');
}

export function renderTerminal(f: BenchFigures): string {
  const rows = benchRows(f);
  return [machineLine(f.machine), '', ...rows.map(([what, figure, target, met]) => `${met || ' '} ${what}\n    ${figure}${target && target !== '—' ? `   [target ${target}]` : ''}`)].join('\n');
}

export const README_START = '<!-- bench:start (written by npm run bench -- --readme) -->';
export const README_END = '<!-- bench:end -->';

/** Replace the block between the markers; throws when the README has no markers. */
export function replaceReadmeBlock(readme: string, block: string): string {
  const start = readme.indexOf(README_START);
  const end = readme.indexOf(README_END);
  if (start < 0 || end < start) throw new Error(`README.md has no "${README_START}" … "${README_END}" block`);
  return `${readme.slice(0, start + README_START.length)}\n${block}\n${readme.slice(end)}`;
}
