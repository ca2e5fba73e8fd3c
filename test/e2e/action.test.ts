// The GitHub Action (action.yml at the repository root), executed step by step as the Actions
// runner would (test/e2e/action-runner.ts) from a copy of this checkout — its install step runs
// `npm ci` and the build there — against the lab: a healthy run and a fault run, asserting the
// step summary, the outputs and the exit code a workflow would see.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import YAML from 'yaml';
import { checkoutCopy, parseOutputFile, readAction, runAction } from './action-runner.ts';
import { kubeconfig, lab, repoRoot, requireLab } from './cli-helpers.ts';

describe('action.yml', () => {
  test('inputs reach the scripts as environment variables, never pasted into the script text', () => {
    const action = readAction(path.join(repoRoot, 'action.yml'));
    for (const step of action.runs.steps) expect(step.run ?? '', step.name).not.toMatch(/\$\{\{\s*inputs\./);
    expect(Object.keys(action.inputs ?? {}).sort()).toEqual(['args', 'kubeconfig', 'only', 'profile', 'report-dir', 'short', 'skip']);
  });

  test('the README workflow blocks use this action with inputs and outputs it has, never an npm package', () => {
    const action = readAction(path.join(repoRoot, 'action.yml'));
    const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
    const blocks = [...readme.matchAll(/^```yaml\n([\s\S]*?)^```/gm)].map((m) => m[1]!).filter((b) => b.includes('kube-netconform@'));
    expect(blocks.length).toBe(2); // the usage block and the nightly kind workflow
    for (const text of blocks) {
      const doc = YAML.parse(text) as unknown;
      const steps = (Array.isArray(doc) ? doc : Object.values((doc as { jobs: Record<string, { steps: unknown[] }> }).jobs).flatMap((j) => j.steps)) as Array<{
        uses?: string;
        run?: string;
        with?: Record<string, unknown>;
      }>;
      const ours = steps.filter((st) => st.uses?.includes('kube-netconform@'));
      expect(ours).toHaveLength(1);
      expect(Object.keys(ours[0]!.with ?? {}).filter((k) => !(k in (action.inputs ?? {})))).toEqual([]);
      for (const m of text.matchAll(/steps\.netconform\.outputs\.([\w-]+)/g)) expect(action.outputs ?? {}).toHaveProperty([m[1]!]);
      for (const st of steps) expect(st.run ?? '').not.toMatch(/npx kube-netconform/);
    }
  });

  test('$GITHUB_OUTPUT is read as the runner reads it', () => {
    expect(parseOutputFile('a=1\nb=x=y\nc<<EOF\nline 1\nline 2\nEOF\n')).toEqual({ a: '1', b: 'x=y', c: 'line 1\nline 2' });
  });
});

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'netconform-action-test-'));
const actionDir = path.join(root, 'action');
const workspace = path.join(root, 'workspace');
beforeAll(() => {
  checkoutCopy(repoRoot, actionDir);
  fs.mkdirSync(workspace);
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('action.yml without a cluster', () => {
  test('no kubeconfig anywhere: installs, then exit 2, verdict error, no report paths, nothing in the step summary', () => {
    const run = runAction({ actionDir, workspace, stepSummary: path.join(root, 'summary-none.md'), inputs: { kubeconfig: path.join(root, 'missing.kubeconfig'), 'report-dir': 'none' } });
    expect(
      run.steps.map((s) => s.exitCode),
      run.log,
    ).toEqual([0, 2]);
    expect(run.exitCode).toBe(2);
    expect(run.outputs).toMatchObject({ verdict: 'error', 'exit-code': '2', summary: '', html: '', junit: '', results: '' });
    expect(run.log).toMatch(/missing\.kubeconfig/);
    expect(run.stepSummary).toBe('');
  });
});

describe.skipIf(!requireLab())('action.yml against the lab', () => {
  const stepSummary = path.join(root, 'step-summary.md');
  let faulted = false;
  afterAll(() => {
    if (faulted) lab('heal', 'cut-route');
  });

  test('healthy: installs from its checkout, exit 0, verdict pass, summary.md appended to the step summary, report paths as outputs', () => {
    const run = runAction({ actionDir, workspace, stepSummary, inputs: { kubeconfig: kubeconfig(), only: '^pod-to-pod \n^nodeport ', short: 'true' } });
    expect(run.exitCode, run.log).toBe(0);
    expect(run.steps.map((s) => s.exitCode)).toEqual([0, 0]);
    expect(fs.existsSync(path.join(actionDir, 'node_modules', 'vitest'))).toBe(true); // npm ci ran in the action's checkout
    expect(run.outputs).toMatchObject({ verdict: 'pass', 'exit-code': '0', 'report-dir': 'netconform-reports' });
    expect(run.outputs['verdict-line']).toMatch(/^PASS: all \d+ checks passed on 3 nodes/);
    for (const [name, file] of [
      ['junit', 'junit.xml'],
      ['summary', 'summary.md'],
      ['html', 'report.html'],
      ['results', 'results.json'],
    ] as const) {
      expect(run.outputs[name]).toBe(`netconform-reports/${file}`);
      expect(fs.existsSync(path.join(workspace, run.outputs[name]!)), name).toBe(true);
    }
    const summary = fs.readFileSync(path.join(workspace, 'netconform-reports', 'summary.md'), 'utf8');
    expect(run.stepSummary).toBe(summary);
    expect(summary.split('\n')[0]).toMatch(/^# kube-netconform: ✅ PASS/);
    // --only twice and --short reached the CLI: no pod-to-service or ports rows, one pod pair per node pair.
    const results = JSON.parse(fs.readFileSync(path.join(workspace, run.outputs['results']!), 'utf8')) as { results: Array<{ suite: string }> };
    expect(new Set(results.results.map((r) => r.suite))).toEqual(new Set(['pod-to-pod', 'nodeport']));
  });

  test('a fault: exit 1, verdict fail, the failing summary appended after the first', () => {
    faulted = true;
    lab('fault', 'cut-route', 'lab-worker-1', 'lab-worker-2');
    try {
      const before = fs.readFileSync(stepSummary, 'utf8');
      const run = runAction({
        actionDir,
        workspace,
        stepSummary,
        inputs: { kubeconfig: kubeconfig(), only: '^pod-to-pod ', short: 'true', 'report-dir': 'out/nc', args: '--timeout 90s --concurrency 16' },
        installed: true, // the two runs above installed this checkout (npm ci and the build)
      });
      expect(run.exitCode, run.log).toBe(1);
      expect(run.outputs).toMatchObject({ verdict: 'fail', 'exit-code': '1', 'report-dir': 'out/nc', html: 'out/nc/report.html' });
      expect(run.outputs['verdict-line']).toMatch(/^FAIL: \d+ of \d+ checks failed on 3 nodes/);
      expect(run.stepSummary.startsWith(before)).toBe(true);
      expect(run.stepSummary.slice(before.length).split('\n')[0]).toMatch(/^# kube-netconform: ❌ FAIL/);
      expect(run.stepSummary).toContain('## Probable causes');
    } finally {
      lab('heal', 'cut-route');
      faulted = false;
    }
  });
});
