// test/run-all.sh's own logic: each vitest step must execute its minimum number of tests
// (test/tools/step-minimum.ts, run as run-all runs it, on fabricated vitest json reports), and
// every vitest step in run-all names a minimum.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { checkStep, countStep, type VitestJsonReport } from '../tools/step-minimum.ts';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netconform-step-minimum-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A vitest json report as the json reporter writes it, with only the counts this reads filled in. */
function report(o: { passed: number; failed?: number; skipped?: number; failedFile?: string }): VitestJsonReport {
  return {
    numPassedTests: o.passed,
    numFailedTests: o.failed ?? 0,
    numPendingTests: o.skipped ?? 0,
    numTodoTests: 0,
    testResults: o.failedFile ? [{ name: '/repo/test/e2e/pack.test.ts', status: 'failed', message: o.failedFile }] : [],
  };
}

/** The tool as run-all runs it: node --import tsx test/tools/step-minimum.ts <step> <minimum> <report>. */
function run(step: string, minimum: string, r: VitestJsonReport | string | undefined): { code: number | null; out: string } {
  const file = path.join(dir, `${step}.json`);
  if (r !== undefined) fs.writeFileSync(file, typeof r === 'string' ? r : JSON.stringify(r));
  const p = spawnSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'test', 'tools', 'step-minimum.ts'), step, minimum, file], { cwd: repoRoot, encoding: 'utf8' });
  return { code: p.status, out: `${p.stdout}${p.stderr}` };
}

describe('step minimum', () => {
  test('executed = passed + failed; skipped (and todo) do not count', () => {
    expect(countStep(report({ passed: 50, failed: 3, skipped: 140 }))).toEqual({ executed: 53, skipped: 140, failedFiles: 0 });
    expect(checkStep('e2e', 53, report({ passed: 50, failed: 3, skipped: 140 }))).toBeUndefined();
  });

  test('fewer than the minimum (a lab that was down: 4 ran, 55 skipped): exit 1, naming the step, the minimum and the count', () => {
    const r = run('e2e', '59', report({ passed: 4, skipped: 55 }));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^step e2e: 4 tests ran \(passed \+ failed\), fewer than its minimum 59 \(55 skipped\)/);
  });

  test('files that failed before running a test (requireLab) are named in the count', () => {
    const r = run('e2e-dual', '6', report({ passed: 0, failedFile: 'the lab was expected (routed, …, dual) but `npm run lab -- status` said: lab: down' }));
    expect(r.code).toBe(1);
    expect(r.out).toContain('step e2e-dual: 0 tests ran (passed + failed), fewer than its minimum 6 (0 skipped, 1 test files failed before running a test)');
  });

  test('enough: exit 0 and the count printed', () => {
    const r = run('lab-routed', '21', report({ passed: 20, failed: 1, skipped: 2 }));
    expect(r).toEqual({ code: 0, out: '=== lab-routed: 21 tests ran (minimum 21), 2 skipped\n' });
  });

  test('no report or an unreadable one (vitest crashed): exit 1; a bad minimum: usage, exit 2', () => {
    expect(run('lab-ipv6', '4', undefined)).toMatchObject({ code: 1, out: expect.stringMatching(/^step lab-ipv6: no vitest report at .*lab-ipv6\.json/) });
    expect(run('lab-lb', '3', '{"numPassedTests": 3')).toMatchObject({ code: 1, out: expect.stringMatching(/^step lab-lb: no vitest report/) });
    expect(run('unit', 'many', report({ passed: 1 }))).toMatchObject({ code: 2, out: expect.stringContaining('usage:') });
  });
});

test('every vitest step in test/run-all.sh names its minimum (a number, or the per-network numbers of its loop)', () => {
  const script = fs.readFileSync(path.join(repoRoot, 'test', 'run-all.sh'), 'utf8');
  const calls = script
    .split('\n')
    .map((l) => /^\s*(?:[A-Z_]+=\S*\s+)*vitest_step\s+(\S+)\s+(\S+)/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null);
  expect(calls.length).toBeGreaterThan(10);
  for (const [, step, minimum] of calls) expect(`${step} ${minimum}`).toMatch(/^\S+ (\d+|"\$min_(lab|e2e)")$/);
  // The loop's combos: network:kube-proxy mode:cases:lab/e2e minimums.
  const combos = /for combo in (.*); do/.exec(script)?.[1]?.split(' ') ?? [];
  expect(combos.length).toBeGreaterThan(0);
  for (const c of combos) expect(c).toMatch(/^[a-z-]+:(iptables|nftables):[a-z0-9,-]*:\d+\/\d+$/);
});
