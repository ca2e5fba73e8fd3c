// `npm run bench -- --soak N`: N full runs back to back on a healthy cluster. What it reports:
// false failures (rows not passed on a healthy cluster), leaked objects (anything still carrying
// the run's label after the run ended), and wall-time drift (does run 50 take longer than run
// 1: a leak in the cluster or in the tool). summarizeSoak is pure; unit-tested.
import { median } from './figures.ts';

export interface SoakRun {
  index: number;
  /** The run's id (its objects carry it as netconform.io/run-id). */
  runId?: string;
  exitCode: number;
  wallMs: number;
  rows: number;
  badRows: string[];
  /** Objects still labelled with this run's id: pods and Services when it exited, its namespace 30 s after the last run. */
  leaked: string[];
}

export interface SoakSummary {
  runs: number;
  failedRuns: number;
  falseFailures: number;
  leaked: number;
  firstMedianMs: number;
  lastMedianMs: number;
  /** Last quarter's median wall time against the first quarter's, in percent. */
  driftPct: number;
  /** Least-squares slope of wall time over the run index, ms per run. */
  slopeMsPerRun: number;
}

export function summarizeSoak(runs: readonly SoakRun[]): SoakSummary {
  const quarter = Math.max(1, Math.floor(runs.length / 4));
  const walls = runs.map((r) => r.wallMs);
  const firstMedianMs = median(walls.slice(0, quarter));
  const lastMedianMs = median(walls.slice(-quarter));
  const n = runs.length;
  const meanX = (n - 1) / 2;
  const meanY = walls.reduce((a, b) => a + b, 0) / Math.max(1, n);
  const sxx = walls.reduce((a, _, i) => a + (i - meanX) ** 2, 0);
  const sxy = walls.reduce((a, y, i) => a + (i - meanX) * (y - meanY), 0);
  return {
    runs: n,
    failedRuns: runs.filter((r) => r.exitCode !== 0 || r.badRows.length > 0).length,
    falseFailures: runs.reduce((a, r) => a + r.badRows.length, 0),
    leaked: runs.reduce((a, r) => a + r.leaked.length, 0),
    firstMedianMs,
    lastMedianMs,
    driftPct: firstMedianMs > 0 ? Math.round(((lastMedianMs - firstMedianMs) / firstMedianMs) * 1000) / 10 : 0,
    slopeMsPerRun: sxx > 0 ? Math.round((sxy / sxx) * 10) / 10 : 0,
  };
}

export function renderSoak(s: SoakSummary): string {
  return [
    `soak: ${s.runs} full runs back to back`,
    `  false failures: ${s.falseFailures} rows in ${s.failedRuns} runs`,
    `  leaked objects (by run label, after each run): ${s.leaked}`,
    `  wall time: first quarter median ${(s.firstMedianMs / 1000).toFixed(1)} s, last quarter ${(s.lastMedianMs / 1000).toFixed(1)} s (drift ${s.driftPct >= 0 ? '+' : ''}${s.driftPct} %, slope ${s.slopeMsPerRun} ms/run)`,
  ].join('\n');
}
