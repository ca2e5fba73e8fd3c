// Runs a composite action.yml the way the GitHub Actions runner does, for a test on this machine:
// each `runs.steps[].run` is written to a file and run with its `shell` (bash: `bash --noprofile
// --norc -eo pipefail <file>`), in its `working-directory` (default: the workspace), with the
// step's `env`, GITHUB_* variables, a fresh $GITHUB_OUTPUT file per step and one
// $GITHUB_STEP_SUMMARY for the job. `${{ … }}` expressions are substituted from inputs (with
// their defaults), github.* and earlier steps' outputs; an expression this runner does not know
// fails the run instead of being left in. The first failing step ends the action with its code.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';

interface ActionStep {
  name?: string;
  id?: string;
  shell?: string;
  run?: string;
  uses?: string;
  if?: string;
  env?: Record<string, string>;
  'working-directory'?: string;
}

interface ActionFile {
  inputs?: Record<string, { default?: string; required?: boolean }>;
  outputs?: Record<string, { value: string }>;
  runs: { using: string; steps: ActionStep[] };
}

export interface ActionRun {
  exitCode: number;
  outputs: Record<string, string>;
  stepSummary: string;
  /** stdout + stderr of every step, in order. */
  log: string;
  steps: Array<{ name: string; exitCode: number; durationMs: number }>;
}

export function readAction(file: string): ActionFile {
  return YAML.parse(fs.readFileSync(file, 'utf8')) as ActionFile;
}

/** `name=value` lines and `name<<DELIMITER` … `DELIMITER` blocks, as the runner reads $GITHUB_OUTPUT. */
export function parseOutputFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const end = lines.indexOf(heredoc[2]!, i + 1);
      if (end < 0) throw new Error(`$GITHUB_OUTPUT: no closing ${heredoc[2]} for ${heredoc[1]}`);
      out[heredoc[1]!] = lines.slice(i + 1, end).join('\n');
      i = end;
    } else if (line.includes('=')) {
      out[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return out;
}

/**
 * `installed`: the action's checkout was installed by an earlier run of this job (the same
 * action path): its install step (the first) is not run again, as a second use of a composite
 * action in one job would find its node_modules and dist already there. Saves an npm ci.
 */
export function runAction(options: { actionDir: string; workspace: string; inputs: Record<string, string>; env?: Record<string, string>; stepSummary: string; installed?: boolean }): ActionRun {
  const action = readAction(path.join(options.actionDir, 'action.yml'));
  if (action.runs.using !== 'composite') throw new Error(`action runs.using is ${action.runs.using}; this runner knows composite only`);
  const inputs: Record<string, string> = {};
  for (const [name, spec] of Object.entries(action.inputs ?? {})) inputs[name] = options.inputs[name] ?? spec.default ?? '';
  for (const name of Object.keys(options.inputs)) if (!(name in inputs)) throw new Error(`input ${name} is not declared in action.yml`);
  const stepOutputs: Record<string, Record<string, string>> = {};
  const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'netconform-action-'));
  const context = { inputs, stepOutputs, actionDir: options.actionDir, workspace: options.workspace };
  const result: ActionRun = { exitCode: 0, outputs: {}, stepSummary: '', log: '', steps: [] };
  try {
    for (const [index, step] of action.runs.steps.entries()) {
      if (index === 0 && options.installed) {
        if (!fs.existsSync(path.join(options.actionDir, 'node_modules')) || !/^install /.test(step.name ?? ''))
          throw new Error('installed: the action has no install step to leave out, or its checkout was never installed');
        continue;
      }
      if (step.uses || step.if) throw new Error(`step ${index}: uses/if are not supported by this runner`);
      if (step.shell !== 'bash') throw new Error(`step ${index}: shell ${step.shell}; this runner runs bash steps (composite steps must name their shell)`);
      const script = path.join(temp, `step-${index}.sh`);
      fs.writeFileSync(script, substitute(step.run ?? '', context));
      const outputFile = path.join(temp, `output-${index}`);
      fs.writeFileSync(outputFile, '');
      const env: Record<string, string> = {
        ...(process.env as Record<string, string>),
        ...options.env,
        CI: 'true',
        GITHUB_ACTIONS: 'true',
        GITHUB_WORKSPACE: options.workspace,
        GITHUB_ACTION_PATH: options.actionDir,
        GITHUB_OUTPUT: outputFile,
        GITHUB_STEP_SUMMARY: options.stepSummary,
        RUNNER_TEMP: temp,
        // The runner sets INPUT_* for JavaScript and Docker actions only; set here too, as a
        // composite action must not depend on them (action.yml passes inputs through `env:`).
        ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.replace(/ /g, '_').toUpperCase()}`, v])),
        ...Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, substitute(String(v), context)])),
      };
      const cwd = step['working-directory'] ? path.resolve(options.workspace, substitute(step['working-directory'], context)) : options.workspace;
      const started = performance.now();
      const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], { cwd, env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, timeout: 900_000 });
      const code = r.status ?? 1;
      result.log += `=== ${step.name ?? `step ${index}`} (exit ${code})\n${r.stdout}${r.stderr}${r.error ? String(r.error) : ''}\n`;
      result.steps.push({ name: step.name ?? `step ${index}`, exitCode: code, durationMs: Math.round(performance.now() - started) });
      if (step.id) stepOutputs[step.id] = parseOutputFile(fs.readFileSync(outputFile, 'utf8'));
      if (code !== 0) {
        result.exitCode = code;
        break;
      }
    }
    for (const [name, spec] of Object.entries(action.outputs ?? {})) result.outputs[name] = substitute(spec.value, context);
    result.stepSummary = fs.existsSync(options.stepSummary) ? fs.readFileSync(options.stepSummary, 'utf8') : '';
    return result;
  } finally {
    fs.rmSync(temp, { recursive: true, force: true });
  }
}

function substitute(text: string, ctx: { inputs: Record<string, string>; stepOutputs: Record<string, Record<string, string>>; actionDir: string; workspace: string }): string {
  return text.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_, expr: string) => {
    let m = /^inputs\.([\w-]+)$/.exec(expr);
    if (m) {
      if (!(m[1]! in ctx.inputs)) throw new Error(`\${{ ${expr} }}: no such input`);
      return ctx.inputs[m[1]!]!;
    }
    if (expr === 'github.action_path') return ctx.actionDir;
    if (expr === 'github.workspace') return ctx.workspace;
    m = /^steps\.([\w-]+)\.outputs\.([\w-]+)$/.exec(expr);
    if (m) return ctx.stepOutputs[m[1]!]?.[m[2]!] ?? '';
    throw new Error(`\${{ ${expr} }}: an expression this test runner does not evaluate`);
  });
}

/** The action's own checkout: this tree's files (tracked and new, not ignored) copied to `dest`, without node_modules. */
export function checkoutCopy(repoRoot: string, dest: string): void {
  const r = spawnSync('git', ['-C', repoRoot, 'ls-files', '-z', '--cached', '--others', '--exclude-standard'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ls-files failed: ${r.stderr}`);
  for (const file of r.stdout.split('\0').filter(Boolean)) {
    const from = path.join(repoRoot, file);
    if (!fs.existsSync(from)) continue; // deleted in the work tree
    fs.mkdirSync(path.dirname(path.join(dest, file)), { recursive: true });
    fs.copyFileSync(from, path.join(dest, file));
  }
}
