// Runs fault cases on the lab as it is (no `lab up`): heal, inject, run the full suite through
// the CLI, heal; saves each run's results to reports/detection/<mode>/<id>/results.json (where
// `npm run detect -- --from reports/detection` finds them), prints each verdict and the diagnosis
// score, and rewrites the catalogue section of docs/detection.md. For batches on a shared lab:
//   npm run build && npx tsx test/tools/run-catalogue.ts [--healthy N] [id…]
// Without ids: every catalogue case (and scripted case, with --all) of the running lab's network.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { execFileSync } from 'node:child_process';
import type { NetworkResult, RunResults } from '../../helpers/check/types.ts';
import type { FaultFixture } from './capture-fault-fixtures.ts';
import { FAULT_CASES, REAL_FAULT_CASES } from '../detection/cases.ts';
import { caseRunsOn, describeScore, describeVerdict, judgeDetection, scoreDiagnosis, tallyScores } from '../detection/compare.ts';
import { renderCatalogue, writeCatalogueSection } from '../detection/report.ts';
import { labMode, runCase, runSuite, type CaseRun } from '../detection/run.ts';
import { diagnose } from '../../helpers/diagnose/index.ts';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');
const { values, positionals } = parseArgs({
  allowPositionals: true,
  // --fixtures: also keep each run's network rows as a unit-test fixture (test/unit/fixtures/real/<id>.json).
  // --rejudge: no lab at all — re-diagnose the saved runs with the current rules and judge them again.
  options: {
    healthy: { type: 'string', default: '0' },
    all: { type: 'boolean', default: false },
    fixtures: { type: 'boolean', default: false },
    rejudge: { type: 'string' },
  },
});
if (values.rejudge) {
  rejudge(values.rejudge);
  process.exit(0);
}
const { network, proxyMode } = await labMode();
const mode = proxyMode === 'iptables' ? network : `${network}-${proxyMode}`;
const root = path.join(repoRoot, 'reports', 'detection', mode);
const pool = values.all ? [...FAULT_CASES, ...REAL_FAULT_CASES] : REAL_FAULT_CASES;
const cases = pool.filter((c) => (positionals.length ? positionals.includes(c.id) : c.networks.includes(network)) && caseRunsOn(c, { ipFamily: 'ipv4' }));

for (let i = 0; i < Number(values.healthy); i++) {
  const { run } = await runSuite({ reportDir: path.join(repoRoot, 'reports', 'detection', `${mode}-healthy-${i}`) });
  const bad = run.results.filter((r) => r.outcome === 'failed' || r.outcome === 'error');
  process.stderr.write(`healthy run ${i}: ${bad.length} rows failed${bad.length ? `: ${bad.map((r) => r.name).join('; ')}` : ''}\n`);
}
const runs: CaseRun[] = [];
for (const c of cases) {
  process.stderr.write(`== fault ${c.fault.join(' ')}\n`);
  const r = await runCase(c, { reportRoot: root });
  runs.push(r);
  if (values.fixtures) writeFixture(r);
  process.stderr.write(`${describeVerdict(r.verdict)} (${(r.elapsedMs / 1000).toFixed(1)} s)\n  score: ${scoreDiagnosis(c, r.verdict.diagnosis)}\n  ${r.verdict.diagnosis.join('\n  ')}\n`);
}
process.stderr.write(`diagnosis score: ${describeScore(tallyScores(runs.map((r) => ({ id: r.case.id, score: scoreDiagnosis(r.case, r.verdict.diagnosis) }))))}\n`);

// The catalogue section from every saved run of a catalogue case (this batch's and earlier ones).
const saved: CaseRun[] = REAL_FAULT_CASES.flatMap((c) =>
  fs
    .readdirSync(path.join(repoRoot, 'reports', 'detection'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(repoRoot, 'reports', 'detection', d.name, c.id, 'results.json')))
    .map((d) => {
      const run = JSON.parse(fs.readFileSync(path.join(repoRoot, 'reports', 'detection', d.name, c.id, 'results.json'), 'utf8')) as RunResults;
      return { case: c, run, verdict: judgeDetection(c, run), exitCode: 1, elapsedMs: 0 };
    }),
);
writeCatalogueSection(path.join(repoRoot, 'docs', 'detection.md'), renderCatalogue(REAL_FAULT_CASES, saved));
process.stderr.write('wrote the catalogue section of docs/detection.md\n');

/** A run's network rows as the diagnosis reads them (detail, reproduction and earlier diagnosis dropped: size). */
function writeFixture(r: CaseRun): void {
  const results = r.run.results
    .filter((x): x is NetworkResult => x.kind === 'network')
    .map((x) => {
      const { diagnosis: _d, reproduce: _r, detail: _detail, ...rest } = x;
      // Properties the diagnosis never reads (the expectation's prose, how the check was driven).
      const properties = Object.fromEntries(Object.entries(x.properties ?? {}).filter(([k]) => !['expect.reason', 'via', 'control.pod', 'control.note'].includes(k)));
      return { ...rest, detail: '', properties };
    });
  const commit = execFileSync('git', ['-C', repoRoot, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  const fixture: FaultFixture = { id: r.case.id, fault: r.case.fault, network, proxyMode, commit, capturedAt: r.run.startedAt, exitCode: r.exitCode, faultOutput: '', results };
  fs.writeFileSync(path.join(repoRoot, 'test', 'unit', 'fixtures', 'real', `${r.case.id}.json`), `${JSON.stringify(fixture)}\n`);
}

/** Re-diagnose the saved runs of one lab mode (reports/detection/<mode>) with the current rules; print verdicts and the score. */
function rejudge(mode: string): void {
  const dir = path.join(repoRoot, 'reports', 'detection', mode);
  const pool = [...FAULT_CASES, ...REAL_FAULT_CASES].filter((c) => (positionals.length ? positionals.includes(c.id) : true) && fs.existsSync(path.join(dir, c.id, 'results.json')));
  const runs: CaseRun[] = pool.map((c) => {
    const saved = JSON.parse(fs.readFileSync(path.join(dir, c.id, 'results.json'), 'utf8')) as RunResults;
    const { results, causes } = diagnose(saved.results, { nodePortRange: { low: 30000, high: 32767, source: 'cluster' } });
    const verdict = judgeDetection(c, { results, diagnosis: causes });
    process.stderr.write(`${describeVerdict(verdict)}\n  score: ${scoreDiagnosis(c, causes)}\n  ${causes.join('\n  ')}\n`);
    return { case: c, run: { ...saved, results, diagnosis: causes }, verdict, exitCode: 1, elapsedMs: 0 };
  });
  const scored = runs.map((r) => ({ id: r.case.id, score: scoreDiagnosis(r.case, r.verdict.diagnosis) }));
  process.stderr.write(`diagnosis score (re-diagnosed): ${describeScore(tallyScores(scored))}\n`);
  // The docs' section speaks for every saved run: only a full re-diagnosis rewrites it.
  if (positionals.length) return;
  const commit = execFileSync('git', ['-C', repoRoot, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  const when = runs
    .map((r) => r.run.startedAt)
    .sort()[0]
    ?.slice(0, 16)
    .replace('T', ' ');
  writeCatalogueSection(
    path.join(repoRoot, 'docs', 'detection.md'),
    renderCatalogue(
      REAL_FAULT_CASES,
      runs.filter((r) => REAL_FAULT_CASES.includes(r.case)),
      {
        note: `Lab ${mode}, fault runs of ${when ?? '?'} UTC; diagnosis re-derived from each run's rows by the rules at commit ${commit} (\`npx tsx test/tools/run-catalogue.ts --rejudge ${mode}\`).`,
      },
    ),
  );
}
