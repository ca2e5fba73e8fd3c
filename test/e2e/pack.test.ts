// The published package (issue 9): `npm pack` makes a tarball of compiled JavaScript; installed
// into an empty folder it runs the full suite against the lab with plain Node (no tsx), and
// installed globally it works as a kubectl plugin with the lab's kubectl. Skipped when the lab
// is not up. Needs the npm registry for the package's dependencies.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { OPT_IN_SUITES, kubeconfig, labKubectlDir, objectsLeft, repoRoot, requireLab, requireMachine, runIdOf } from './cli-helpers.ts';
import { suiteFiles } from '../../helpers/check/modules.ts';

const up = requireLab();
const LAB_KUBECTL_DIR = labKubectlDir(); // lab/versions.env's Kubernetes, in the lab's binary cache
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netconform-pack-'));

function npm(args: string[], cwd: string): string {
  return execFileSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, encoding: 'utf8', timeout: 300_000, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Run a command to its end; resolves with its exit code and output. */
function run(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

describe.skipIf(!up || !requireMachine(`the lab's kubectl (${LAB_KUBECTL_DIR}/kubectl)`, fs.existsSync(path.join(LAB_KUBECTL_DIR, 'kubectl'))))('npm pack', () => {
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('the tarball installs into an empty folder and runs the full suite; installed globally it is a kubectl plugin', async () => {
    // `npm pack` builds first (prepack) and takes only the files whitelist.
    const packed = JSON.parse(npm(['pack', '--json', '--pack-destination', dir], repoRoot)) as { filename: string; files: { path: string }[] }[];
    const tarball = path.join(dir, packed[0]!.filename);
    const files = packed[0]!.files.map((f) => f.path);
    expect(files).toEqual(
      expect.arrayContaining([
        'bin/kube-netconform.js',
        'bin/kubectl-netconform.js',
        'dist/helpers/cli/entry.js',
        'dist/suites/vitest.config.js',
        'dist/suites/setup.js',
        'manifests/probes.yaml',
        'profiles/kubeadm.yaml',
        'package.json',
      ]),
    );
    // Compiled code only: no TypeScript sources, tests, lab or bench tooling.
    expect(files.filter((f) => /\.ts$|^test\/|^lab\/|^bench\/|^helpers\/|detection/.test(f))).toEqual([]);

    const app = path.join(dir, 'app');
    fs.mkdirSync(app);
    npm(['install', tarball], app);
    // Nothing to load TypeScript at run time: tsx is a devDependency of the project only.
    expect(fs.existsSync(path.join(app, 'node_modules', 'tsx'))).toBe(false);
    const reportDir = path.join(dir, 'reports');
    const full = await run('npx', ['kube-netconform', 'run', '--kubeconfig', kubeconfig(), '--report-dir', reportDir], { cwd: app });
    expect(full.code, full.stderr + full.stdout).toBe(0);
    expect(full.stdout).toMatch(/^reports: /m);
    const results = JSON.parse(fs.readFileSync(path.join(reportDir, 'results.json'), 'utf8')) as { results: { suite: string; outcome: string }[] };
    // Every path this checkout ships (the suite modules it has, but the opt-in ones), found in the installed package too.
    const paths = new Set(
      suiteFiles(path.join(repoRoot, 'suites'))
        .map((f) => f.name)
        .filter((name) => !OPT_IN_SUITES.includes(name)),
    );
    expect(new Set(results.results.map((r) => r.suite))).toEqual(paths);
    expect(results.results.filter((r) => r.outcome === 'failed' || r.outcome === 'error')).toEqual([]);
    expect(objectsLeft(runIdOf(full))).toEqual([]);

    const prefix = path.join(dir, 'global');
    npm(['install', '-g', '--prefix', prefix, tarball], dir);
    const env = { ...process.env, PATH: `${path.join(prefix, 'bin')}:${LAB_KUBECTL_DIR}:${process.env.PATH}` };
    const plugin = await run(path.join(LAB_KUBECTL_DIR, 'kubectl'), ['netconform', 'list', '--kubeconfig', kubeconfig()], { cwd: dir, env });
    expect(plugin.code, plugin.stderr).toBe(0);
    const suites = new Set(
      plugin.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('\t')[0]),
    );
    expect(suites).toEqual(paths);
  });
});
