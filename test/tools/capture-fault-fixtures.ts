// Captures the diagnosis fixtures of real fault runs: for each fault below, on the running lab
// (routed network): heal, inject the fault, run the pod-to-pod and pod-to-service suites through
// the CLI, heal, and write the run's rows to test/unit/fixtures/real/<id>.json. The unit tests
// of the diagnosis rules (test/unit/diagnose/real-faults.test.ts) read them back: the rules are
// judged on what a real broken network produced, not only on synthetic meshes.
//   flock /tmp/knc-lab.lock bash -c 'bash lab/lab.sh up && npm run build && npx tsx test/tools/capture-fault-fixtures.ts [id…]; bash lab/lab.sh down'
// Exits 1 when a run did not fail (the fault did not take), so a fixture never holds a healthy run.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CheckResult, NetworkResult } from '../../helpers/check/types.ts';
import { labMode, runSuite } from '../detection/run.ts';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');
const outDir = path.join(repoRoot, 'test', 'unit', 'fixtures', 'real');

export interface FaultFixture {
  id: string;
  fault: string[];
  network: string;
  proxyMode: string;
  commit: string;
  capturedAt: string;
  exitCode: number;
  /** What the fault printed (isolate-next-pod: "isolated address: <ip>"). */
  faultOutput: string;
  results: NetworkResult[];
}

const FIXTURES: { id: string; fault: string[] }[] = [
  { id: 'block-udp', fault: ['block-udp', 'lab-worker-1', 'lab-worker-2'] },
  { id: 'one-way', fault: ['one-way', 'lab-worker-1', 'lab-worker-2'] },
  { id: 'isolate-next-pod', fault: ['isolate-next-pod', 'lab-worker-1'] },
];

const lab = (...args: string[]) => execFileSync('bash', [path.join(repoRoot, 'lab', 'lab.sh'), ...args], { encoding: 'utf8', timeout: 120_000 });

/** A row as the fixture keeps it: what diagnosis reads; the earlier diagnosis and the reproduction commands are dropped. */
function strip(r: NetworkResult): NetworkResult {
  const { diagnosis: _diagnosis, reproduce: _reproduce, ...rest } = r;
  return rest;
}

const { network, proxyMode } = await labMode();
if (network !== 'routed') throw new Error(`these faults are written for the routed lab network; the lab runs ${network}`);
const commit = execFileSync('git', ['-C', repoRoot, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
fs.mkdirSync(outDir, { recursive: true });
let ok = true;
const only = process.argv.slice(2);
for (const f of FIXTURES.filter((x) => only.length === 0 || only.includes(x.id))) {
  lab('heal');
  const faultOutput = lab('fault', ...f.fault).trim();
  try {
    const reportDir = fs.mkdtempSync(path.join(os.tmpdir(), `netconform-fixture-${f.id}-`));
    const { run, exitCode } = await runSuite({ reportDir, extraArgs: ['--only', '^pod-to-(pod|service) '] });
    const results = (run.results as CheckResult[]).filter((r): r is NetworkResult => r.kind === 'network').map(strip);
    const failed = results.filter((r) => r.outcome !== 'passed').length;
    console.log(`${f.id}: exit ${exitCode}, ${results.length} rows, ${failed} not passed; causes: ${run.diagnosis.join(' | ').slice(0, 300)}`);
    if (exitCode !== 1 || failed === 0) ok = false;
    const fixture: FaultFixture = { id: f.id, fault: f.fault, network, proxyMode, commit, capturedAt: new Date().toISOString(), exitCode, faultOutput, results };
    fs.writeFileSync(path.join(outDir, `${f.id}.json`), `${JSON.stringify(fixture)}\n`);
    fs.rmSync(reportDir, { recursive: true, force: true });
  } finally {
    lab('heal');
  }
}
process.exit(ok ? 0 : 1);
