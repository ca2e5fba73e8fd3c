// `kubectl netconform`: after `npm link` (here into a throwaway prefix, so nothing global
// changes), kubectl finds kubectl-netconform on PATH and runs it as a plugin. Shown with the
// lab's own kubectl listing the checks a run would make against the lab.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { kubeconfig, labKubectl, npmUserEnv, repoRoot, requireLab, requireMachine } from './cli-helpers.ts';

const LAB_KUBECTL = labKubectl(); // lab/versions.env's Kubernetes, in the lab's binary cache

describe.skipIf(!requireLab() || !requireMachine(`the lab's kubectl (${LAB_KUBECTL})`, fs.existsSync(LAB_KUBECTL)))('kubectl netconform (npm link)', () => {
  const prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'netconform-prefix-'));
  const env = { ...npmUserEnv(prefix), PATH: `${path.join(prefix, 'bin')}:${path.dirname(LAB_KUBECTL)}:${process.env.PATH}` };
  beforeAll(() => {
    execFileSync('npm', ['run', 'build', '--if-present'], { cwd: repoRoot, env, stdio: 'ignore' });
    execFileSync('npm', ['link', '--no-audit', '--no-fund'], { cwd: repoRoot, env, stdio: 'ignore' });
  }, 300_000);
  afterAll(() => fs.rmSync(prefix, { recursive: true, force: true }));

  test("npm link put both CLIs into the throwaway prefix (not the machine's global one)", () => {
    expect(fs.realpathSync(path.join(prefix, 'bin', 'kubectl-netconform'))).toBe(fs.realpathSync(path.join(repoRoot, 'bin', 'kubectl-netconform.js')));
    expect(fs.existsSync(path.join(prefix, 'bin', 'kube-netconform'))).toBe(true);
  });

  test('kubectl plugin list finds kubectl-netconform on PATH', () => {
    const plugins = execFileSync('kubectl', ['plugin', 'list'], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(plugins).toContain(path.join(prefix, 'bin', 'kubectl-netconform'));
  });

  test('kubectl netconform list prints the checks against the lab, nothing deployed', () => {
    const out = execFileSync('kubectl', ['netconform', 'list', '--kubeconfig', kubeconfig(), '--only', '^pod-to-pod '], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const lines = out.trim().split('\n');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toMatch(/^pod-to-pod\t/);
    expect(lines).toContain('pod-to-pod\tlab-worker-1/probe-a → lab-worker-2/probe-b 8080/tcp');
  });

  test('kubectl netconform --help is the same generated help', () => {
    const out = execFileSync('kubectl', ['netconform', '--help'], { env, encoding: 'utf8' });
    expect(out).toContain('kubectl netconform [run|list|cleanup|images] [flags]');
    expect(out).toContain('--pods-per-node <n>');
  });
});
