// Every fenced shell block of the README is either run here against the lab, as a user would
// type it (placeholders replaced by the lab's values), or listed with the reason it cannot run.
// A new block that is neither fails the test, so the README cannot gain an untested command.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { kubeconfig, labKubectlDir, npmUserEnv, repoRoot, requireLab, requireMachine } from './cli-helpers.ts';

const LAB_KUBECTL_DIR = labKubectlDir(); // lab/versions.env's Kubernetes, in the lab's binary cache

interface Block {
  lang: string;
  /** 1-based line of the opening fence. */
  line: number;
  text: string;
}

export function fencedBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const end = lines.findIndex((l, j) => j > i && /^```\s*$/.test(l));
    blocks.push({ lang: open[1]!, line: i + 1, text: lines.slice(i + 1, end).join('\n') });
    i = end;
  }
  return blocks;
}

const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
const shellBlocks = fencedBlocks(readme).filter((b) => ['bash', 'sh', 'shell', 'console'].includes(b.lang));

/** Lines that cannot run on the lab, and why (matched by their start). */
const CANNOT_RUN: Array<{ line: RegExp; why: string }> = [
  { line: /^npm test\b/, why: 'npm test is the test run this test belongs to; .ci/run runs it on a fresh machine' },
  { line: /^kubectl create clusterrolebinding .*<ci-identity>/, why: "<ci-identity> is the reader's CI user; test/e2e/rbac.test.ts binds the role to a real identity and runs under it" },
];

interface Sandbox {
  dir: string;
  env: NodeJS.ProcessEnv;
}

/** A user's shell on this machine: its own HOME with ~/.kube/config = the lab, its own npm prefix on PATH, the lab's kubectl. */
function sandbox(): Sandbox {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netconform-readme-'));
  fs.mkdirSync(path.join(dir, 'home', '.kube'), { recursive: true });
  // "<this repo>": a path ending in kube-netconform, as the repository's URL does, so `cd kube-netconform` holds.
  fs.mkdirSync(path.join(dir, 'origin'));
  fs.symlinkSync(repoRoot, path.join(dir, 'origin', 'kube-netconform'));
  const env: NodeJS.ProcessEnv = {
    ...npmUserEnv(path.join(dir, 'prefix')),
    HOME: path.join(dir, 'home'),
    npm_config_cache: process.env.npm_config_cache ?? path.join(os.homedir(), '.npm'), // reuse the machine's npm cache
    PATH: `${path.join(dir, 'prefix', 'bin')}:${LAB_KUBECTL_DIR}:${process.env.PATH}`,
  };
  delete env.KUBECONFIG;
  return { dir, env };
}

/** Run one block as a script (`set -euo pipefail`), placeholders replaced, in `cwd`. */
function runBlock(text: string, box: Sandbox, cwd: string, replace: Array<[RegExp, string]> = []): { code: number; output: string } {
  fs.copyFileSync(kubeconfig(), path.join(box.env.HOME!, '.kube', 'config')); // the lab's current credentials
  let script = text
    .split('\n')
    .filter((l) => !CANNOT_RUN.some((c) => c.line.test(l.trim())))
    .join('\n');
  for (const [from, to] of replace) script = script.replace(from, to);
  const r = spawnSync('bash', ['-c', `set -euo pipefail\n${script}`], { cwd, env: box.env, encoding: 'utf8', timeout: 900_000, maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status ?? 1, output: `${r.stdout}${r.stderr}` };
}

describe('README shell blocks', () => {
  test('every line of every shell block is run below or listed as not runnable', () => {
    const known = [
      /^npm run demo\b/,
      /^npm test\b/,
      /^git clone <this repo>/,
      /^npm install -g \.\/kube-netconform-\*\.tgz/,
      /^kube-netconform run --kubeconfig ~\/\.kube\/config/,
      /^kubectl netconform run\b/,
      /^kubectl apply -f manifests\/rbac\.yaml/,
      /^kubectl create clusterrolebinding/,
    ];
    const unknown = shellBlocks.flatMap((b) =>
      b.text
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith('#'))
        .filter((l) => !known.some((k) => k.test(l)))
        .map((l) => `README.md:${b.line}: ${l}`),
    );
    expect(unknown).toEqual([]);
  });
});

describe.skipIf(!requireLab() || !requireMachine(`the lab's kubectl (${LAB_KUBECTL_DIR}/kubectl)`, fs.existsSync(path.join(LAB_KUBECTL_DIR, 'kubectl'))))('README shell blocks on the lab', () => {
  const box = sandbox();
  afterAll(() => fs.rmSync(box.dir, { recursive: true, force: true }));
  const block = (first: RegExp) => {
    const b = shellBlocks.find((x) => first.test(x.text.trim()));
    if (!b) throw new Error(`README has no shell block starting ${first}`);
    return b.text;
  };

  test('the install block: git clone, npm ci, npm link, then kube-netconform run and kubectl netconform run against ~/.kube/config', () => {
    const r = runBlock(block(/^git clone/), box, box.dir, [
      [/<this repo>/g, path.join(box.dir, 'origin', 'kube-netconform')],
      // Both runs with the full suite would take minutes on the lab; the same commands, one path.
      [/^(kube-netconform run --kubeconfig ~\/\.kube\/config)/m, "$1 --only '^pod-to-pod ' --short --report-dir reports-1"],
      [/^(kubectl netconform run)/m, "$1 --only '^nodeport ' --report-dir reports-2"],
    ]);
    expect(r.code, r.output).toBe(0);
    expect(fs.existsSync(path.join(box.dir, 'prefix', 'bin', 'kubectl-netconform'))).toBe(true);
    for (const dir of ['reports-1', 'reports-2']) {
      const summary = fs.readFileSync(path.join(box.dir, 'kube-netconform', dir, 'summary.md'), 'utf8');
      expect(summary.split('\n')[0], dir).toMatch(/^# kube-netconform: ✅ PASS/);
    }
  });

  test('npm run demo certifies the (already running) lab', () => {
    const r = runBlock(block(/^npm run demo/), box, repoRoot);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toMatch(/PASS: all \d+ checks passed on 3 nodes/);
    expect(r.output).toContain('the lab is still up');
    expect(r.output, 'demo must reuse the running lab, not restart it').not.toMatch(/lab up: \d+ nodes/);
  });

  test('the least-privilege block: the ClusterRole applies (the binding line needs your CI identity)', () => {
    const r = runBlock(block(/^kubectl apply -f manifests\/rbac\.yaml/), box, repoRoot);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toMatch(/clusterrole\.rbac\.authorization\.k8s\.io\/kube-netconform (created|unchanged|configured)/);
    expect(execFileSync('kubectl', ['get', 'clusterrole', 'kube-netconform', '-o', 'name'], { env: box.env, encoding: 'utf8' }).trim()).toBe('clusterrole.rbac.authorization.k8s.io/kube-netconform');
  });
});
