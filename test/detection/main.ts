// `npm run detect [-- --networks routed,vxlan] [--proxy-modes iptables,nftables] [--netpol kube-router] [--healthy N]`:
// bring the lab up in each network × kube-proxy mode, run the full suite healthy N times, then
// under every fault of that network, and write docs/detection.md (one table per mode). Exits 1
// if any fault was not detected exactly. Leaves the lab up. `-- --all`: every network mode with
// both kube-proxy modes, and the NetworkPolicy lab (the full matrix; npm test runs a subset, see
// docs/lab.md). `--netpol kube-router`: the labs come up with that NetworkPolicy enforcer
// (`lab up --netpol`), and only the cases that need it run (its enforcement faults; the runs,
// healthy ones too, are the network-policy suite's: NETPOL_RUN_ARGS); without --networks, the
// networks those cases have.
// `npm run detect -- --from reports/detection-test`: render docs/detection.md from the results
// the detection test (test/e2e/detection.test.ts) saved, without running anything.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { caseRunsOn, describeScore, describeVerdict, judgeDetection, LAB_NETPOLS, LAB_NETWORKS, scoreDiagnosis, tallyScores, type LabNetpol, type LabNetwork, type ProxyMode } from './compare.ts';
import type { RunResults } from '../../helpers/check/types.ts';
import { FAULT_CASES, healthyRunArgs, REAL_FAULT_CASES } from './cases.ts';
import { renderCatalogue, renderDetectionMarkdown, renderMatrixSummary, writeCatalogueSection, type ComboSummary } from './report.ts';
import { modeName, runCase, runSuite, type CaseRun } from './run.ts';
import { mergeDetectionDoc } from './merge-doc.ts';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');
const { values } = parseArgs({
  options: {
    /** Default routed,vxlan; with --netpol, the networks of the cases that need that enforcer. */
    networks: { type: 'string' },
    'proxy-modes': { type: 'string', default: 'iptables' },
    netpol: { type: 'string', default: 'none' },
    all: { type: 'boolean', default: false },
    healthy: { type: 'string', default: '1' },
    from: { type: 'string' },
    /** Only these case ids (comma-separated); default every case of the network. */
    cases: { type: 'string' },
  },
});
if (!LAB_NETPOLS.includes(values.netpol as LabNetpol)) {
  process.stderr.write(`--netpol must be one of ${LAB_NETPOLS.join(', ')} (got '${values.netpol}')\n`);
  process.exit(2);
}
const netpol = values.netpol as LabNetpol;
// The lab's scripted faults and the catalogue of faults people really hit (issue 22).
const wantedCases = values.cases ? new Set(values.cases.split(',')) : undefined;
const CASES = [...FAULT_CASES, ...REAL_FAULT_CASES].filter((c) => !wantedCases || wantedCases.has(c.id));
/** One lab of the matrix: `lab up --network … --proxy-mode … [--netpol …]`. */
type Combo = { network: LabNetwork; proxyMode: ProxyMode; netpol: LabNetpol };
const casesOf = (combo: Combo) => CASES.filter((c) => c.networks.includes(combo.network) && caseRunsOn(c, { ipFamily: 'ipv4', netpol: combo.netpol, proxyMode: combo.proxyMode }));
/** The networks that have cases needing this enforcer (the NetworkPolicy lab: routed). */
const netpolNetworks = (p: LabNetpol) => LAB_NETWORKS.filter((n) => FAULT_CASES.some((c) => c.netpol === p && c.networks.includes(n)));
const networks = (values.all ? LAB_NETWORKS.join(',') : (values.networks ?? (netpol === 'none' ? 'routed,vxlan' : netpolNetworks(netpol).join(',')))).split(',') as LabNetwork[];
const proxyModes = (values.all ? 'iptables,nftables' : values['proxy-modes']).split(',') as ProxyMode[];
const combos: Combo[] = networks.flatMap((network) => proxyModes.map((proxyMode) => ({ network, proxyMode, netpol: values.all ? 'none' : netpol })));
const empty = values.from ? [] : combos.filter((c) => c.netpol !== 'none' && casesOf(c).length === 0);
// --all: the NetworkPolicy lab too, in the mode npm test brings it up (routed, kube-proxy iptables), when --cases leaves it any.
if (values.all)
  for (const p of LAB_NETPOLS.filter((x) => x !== 'none'))
    combos.push(
      ...netpolNetworks(p)
        .map((network): Combo => ({ network, proxyMode: 'iptables', netpol: p }))
        .filter((c) => casesOf(c).length > 0),
    );
if (empty.length) {
  process.stderr.write(`no fault case needs NetworkPolicy ${netpol} on ${empty.map(modeName).join(', ')}; its cases are on: ${netpolNetworks(netpol).join(', ') || 'no network'}\n`);
  process.exit(2);
}
const reportRoot = path.join(repoRoot, 'reports', 'detection');
const versions = fs
  .readFileSync(path.join(repoRoot, 'lab', 'versions.env'), 'utf8')
  .split('\n')
  .filter((l) => /^[A-Z_]+=/.test(l))
  .join(', ');
const sections: string[] = [];
const summaries: ComboSummary[] = [];
let allOk = true;

if (values.from) {
  // Every combination the detection test saved results for, in the matrix's order.
  const saved: Combo[] = LAB_NETWORKS.flatMap((network) => (['iptables', 'nftables'] as ProxyMode[]).flatMap((proxyMode) => LAB_NETPOLS.map((p) => ({ network, proxyMode, netpol: p }))));
  for (const combo of saved) {
    const name = modeName(combo);
    const dir = path.resolve(values.from, name);
    if (!fs.existsSync(dir)) continue;
    const load = (d: string): RunResults => JSON.parse(fs.readFileSync(path.join(d, 'results.json'), 'utf8')) as RunResults;
    const healthyDirs = fs.readdirSync(path.resolve(values.from)).filter((d) => d.startsWith(`${name}-healthy-`));
    const healthyFailures = healthyDirs.map((d) => load(path.resolve(values.from!, d)).results.filter((r) => r.outcome === 'failed' || r.outcome === 'error').length);
    const runs: CaseRun[] = casesOf(combo)
      .filter((c) => fs.existsSync(path.join(dir, c.id, 'results.json')))
      .map((c) => {
        const run = load(path.join(dir, c.id));
        return { case: c, run, verdict: judgeDetection(c, run), exitCode: 1, elapsedMs: Date.parse(run.finishedAt) - Date.parse(run.startedAt) };
      });
    allOk &&= runs.every((r) => r.verdict.ok) && healthyFailures.every((n) => n === 0);
    summaries.push({ ...combo, healthyFailures, runs });
    sections.push(renderDetectionMarkdown(runs, { ...combo, versions, generatedAt: new Date().toISOString().slice(0, 10), healthyFailures }));
  }
  combos.length = 0;
}

for (const combo of combos) {
  const { network, proxyMode } = combo;
  const upArgs = ['--network', network, '--proxy-mode', proxyMode, ...(combo.netpol === 'none' ? [] : ['--netpol', combo.netpol])];
  process.stderr.write(`== lab up ${upArgs.join(' ')}\n`);
  execFileSync('bash', [path.join(repoRoot, 'lab', 'lab.sh'), 'up', ...upArgs], { stdio: ['ignore', 'ignore', 'inherit'] });
  const healthyFailures: number[] = [];
  for (let i = 0; i < Number(values.healthy); i++) {
    const { run } = await runSuite({ reportDir: path.join(reportRoot, `${modeName(combo)}-healthy-${i}`), extraArgs: healthyRunArgs(combo) });
    const bad = run.results.filter((r) => r.outcome === 'failed' || r.outcome === 'error');
    healthyFailures.push(bad.length);
    if (bad.length) {
      allOk = false;
      process.stderr.write(`healthy run ${i}: ${bad.length} rows failed: ${bad.map((r) => r.name).join('; ')}\n`);
    }
  }
  const runs: CaseRun[] = [];
  for (const c of casesOf(combo)) {
    process.stderr.write(`== fault ${c.fault.join(' ')}\n`);
    const r = await runCase(c, { reportRoot: path.join(reportRoot, modeName(combo)) });
    runs.push(r);
    process.stderr.write(`${describeVerdict(r.verdict)} (${(r.elapsedMs / 1000).toFixed(1)} s)\n`);
    allOk &&= r.verdict.ok && (c.selfHealing ? r.exitCode === 0 : r.exitCode === 1);
  }
  summaries.push({ ...combo, healthyFailures, runs });
  sections.push(renderDetectionMarkdown(runs, { ...combo, versions, generatedAt: new Date().toISOString().slice(0, 10), healthyFailures }));
}
// The diagnosis score over every case run: named exactly, with a wrong extra cause, only a wrong cause.
const score = describeScore(tallyScores(summaries.flatMap((c) => c.runs.map((r) => ({ id: `${modeName(c)}/${r.case.id}`, score: scoreDiagnosis(r.case, r.verdict.diagnosis) })))));
process.stderr.write(`diagnosis score: ${score}\n`);
// The combinations run now replace theirs; the others keep their tables and dates (merge-doc.ts).
const doc = path.join(repoRoot, 'docs', 'detection.md');
fs.writeFileSync(doc, mergeDetectionDoc(fs.existsSync(doc) ? fs.readFileSync(doc, 'utf8') : '', [renderMatrixSummary(summaries), ...sections].join('\n')));
const catalogueRuns = summaries.flatMap((c) => c.runs.filter((r) => REAL_FAULT_CASES.includes(r.case)));
// Without a catalogue run (npm test's saved results, a --cases subset of scripted faults) the section keeps its last results.
if (catalogueRuns.length) writeCatalogueSection(doc, renderCatalogue(REAL_FAULT_CASES, catalogueRuns));
process.stderr.write(`wrote docs/detection.md${allOk ? '' : ' — some faults were NOT detected exactly'}\n`);
process.exit(allOk ? 0 : 1);
