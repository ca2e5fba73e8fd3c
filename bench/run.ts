// `npm run bench [-- flags]`: the figures of issue 5 on the lab (or any cluster), printed as a
// table against the targets and, with --readme, written into README.md's performance section.
//   1. healthy full runs (--runs, default 20): median phase times, API requests, zero failures;
//   2. peak resident memory of the whole kube-netconform process tree during each run;
//   3. a scale run: --pods-per-node (default 10) probe pods per node, pod-to-pod suite only;
//   4. with --control-path, one check as a command on a probe's open exec stream vs one exec per check (why: streams);
//   5. with --baseline <git-ref>, the same healthy runs of that commit, alternated with ours, for
//      the ratio: its tree is exported (git archive) to $TMPDIR/kube-netconform-bench-<commit>,
//      installed (npm ci) and built there once, before anything talks to the cluster; the copy
//      is kept for the next bench run (`--baseline <ref> --runs 0 --pods-per-node 0` prepares
//      it alone, e.g. before taking the lab). The CLI runs as a user runs it: the bin file itself.
// --json <file> saves the figures; --from <file> renders saved ones again without a cluster.
// --vs-upstream: upstream's network e2e Granular Checks vs kube-netconform's same paths (bench/vs-upstream.ts).
// Exits 1 when a healthy run had a failure (a flaky check is a defect), else 0.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_CONCURRENCY } from '../helpers/cli/args.ts';
import { ControlClient } from '../helpers/http.ts';
import { askCommand } from '../helpers/probes/client.ts';
import { PROBE_CONTAINER, ProbeStreams } from '../helpers/probes/stream.ts';
import { Kube, loadKubeConfig } from '../helpers/kube/index.ts';
import { setUpRun, tearDownRun, type RunState } from '../helpers/lifecycle.ts';
import type { RunResults } from '../helpers/check/types.ts';
import { isBad, machineLine, renderMarkdown, renderTerminal, replaceReadmeBlock, sampleOf, type BenchFigures, type Machine, type RunSample } from './figures.ts';
import { sampleTreeRss } from './tree-rss.ts';
import { cpuSince, cpuSnapshot, cpuText } from './cpu.ts';
import { renderSoak, summarizeSoak, type SoakRun } from './soak.ts';
import { vsUpstream } from './vs-upstream.ts';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const { values } = parseArgs({
  options: {
    kubeconfig: { type: 'string' },
    runs: { type: 'string', default: '20' },
    'pods-per-node': { type: 'string', default: '10' },
    'scale-concurrency': { type: 'string', default: String(DEFAULT_CONCURRENCY) },
    'control-path': { type: 'boolean' },
    samples: { type: 'string', default: '20' },
    readme: { type: 'boolean' },
    baseline: { type: 'string' },
    from: { type: 'string' },
    soak: { type: 'string' },
    json: { type: 'string' },
    'vs-upstream': { type: 'boolean' },
  },
});
const kubeconfig = values.kubeconfig ?? execFileSync('bash', [path.join(root, 'lab', 'lab.sh'), 'kubeconfig'], { encoding: 'utf8' }).trim();

/** The tree of `ref` exported, installed and built in a directory of its own (reused when already prepared). */
function prepareBaseline(ref: string): { dir: string; commit: string } {
  const commit = execFileSync('git', ['-C', root, 'rev-parse', '--verify', `${ref}^{commit}`], { encoding: 'utf8' }).trim();
  const dir = path.join(os.tmpdir(), `kube-netconform-bench-${commit.slice(0, 12)}`);
  const ready = path.join(dir, '.bench-ready');
  if (fs.existsSync(ready)) return { dir, commit };
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  console.log(`baseline ${ref} (${commit.slice(0, 7)}): exporting, npm ci and build in ${dir}`);
  execFileSync('bash', ['-c', 'git -C "$1" archive --format=tar "$2" | tar -x -C "$3"', 'export', root, commit, dir], { stdio: 'inherit' });
  execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, stdio: 'inherit' });
  const scripts = (JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { scripts?: Record<string, string> }).scripts ?? {};
  if (scripts.build) execFileSync('npm', ['run', 'build', '--silent'], { cwd: dir, stdio: 'inherit' });
  fs.writeFileSync(ready, `${commit}\n`);
  return { dir, commit };
}

/** One CLI run (of the tree at `tree`) with `args`, its process tree's memory sampled; the report dir is kept only when the run failed. */
async function cliRun(label: string, args: string[], tree = root): Promise<{ sample: RunSample; run: RunResults }> {
  const reportDir = fs.mkdtempSync(path.join(os.tmpdir(), 'netconform-bench-'));
  const started = performance.now();
  const cpuBefore = cpuSnapshot();
  const child = spawn(path.join(tree, 'bin', 'kube-netconform.js'), ['run', '--kubeconfig', kubeconfig, '--report-dir', reportDir, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  const rss = sampleTreeRss(child.pid!);
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exitCode = await new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 128)));
  const wallMs = performance.now() - started;
  const peaks = rss.stop();
  const cpu = cpuSince(cpuBefore);
  const resultsFile = path.join(reportDir, 'results.json');
  if (!fs.existsSync(resultsFile)) {
    process.stderr.write(stderr);
    throw new Error(`${label}: the run wrote no results (exit ${exitCode})`);
  }
  const run = JSON.parse(fs.readFileSync(resultsFile, 'utf8')) as RunResults;
  const sample = sampleOf(run, exitCode, wallMs, peaks, cpu);
  const bad = isBad(sample);
  const phases = ['deploy', 'wait-ready', 'suites', 'cleanup'].map((p) => `${p} ${((run.phases[p] ?? 0) / 1000).toFixed(1)}`).join(', ');
  console.log(
    `${label}: exit ${exitCode}, ${sample.rows} checks, ${sample.badRows.length} failed, ${(wallMs / 1000).toFixed(1)} s wall (${phases}), peak RSS ${Math.round(peaks.peakTotal / 2 ** 20)} MB, ${cpuText(cpu, peaks.cpuS ?? 0)}${bad ? `; reports kept in ${reportDir}` : ''}`,
  );
  if (!bad) fs.rmSync(reportDir, { recursive: true, force: true });
  return { sample, run };
}

async function machine(run?: RunResults): Promise<Machine> {
  const cpu = /model name\s*:\s*(.+)/.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown CPU';
  // Only after runs (the lab is ours then): `--runs 0` prepares a baseline without the cluster.
  const nodes = run ? await new Kube(loadKubeConfig({ kubeconfig })).listNodes().catch(() => []) : [];
  return {
    cpu,
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    kernel: os.release().split('-')[0]!,
    node: process.version,
    kubernetes: run?.cluster.kubernetesVersion,
    network: run?.cluster.cni?.join(', '),
    nodes: nodes.length || undefined,
  };
}

async function benchmark(): Promise<BenchFigures> {
  const runs = Number(values.runs);
  const base = values.baseline ? { ref: values.baseline, ...prepareBaseline(values.baseline) } : undefined;
  const healthy: RunSample[] = [];
  const baseHealthy: RunSample[] = [];
  let last: RunResults | undefined;
  for (let i = 1; i <= runs; i++) {
    const { sample, run } = await cliRun(`healthy run ${i}/${runs}`, []);
    healthy.push(sample);
    last = run;
    // Alternated, so both see the same cluster and machine load.
    if (base) baseHealthy.push((await cliRun(`baseline ${base.ref} run ${i}/${runs}`, [], base.dir)).sample);
  }
  let scale: BenchFigures['scale'];
  const podsPerNode = Number(values['pods-per-node']);
  if (podsPerNode > 0) {
    const concurrency = Number(values['scale-concurrency']);
    const { sample, run } = await cliRun(`scale run (${podsPerNode} probe pods per node)`, ['--pods-per-node', String(podsPerNode), '--only', '^pod-to-pod ', '--concurrency', String(concurrency)]);
    scale = { podsPerNode, concurrency, sample };
    last ??= run;
  }
  return {
    machine: await machine(last),
    date: new Date().toISOString().slice(0, 10),
    healthy,
    ...(scale ? { scale } : {}),
    ...(base ? { baseline: { ref: base.ref, commit: base.commit, healthy: baseHealthy } } : {}),
  };
}

/** One check, made both ways, `samples` times each: mean ms per check and API requests per check. */
async function controlPath(samples: number): Promise<void> {
  const kube = new Kube(loadKubeConfig({ kubeconfig }));
  const state: RunState = { phases: {} };
  const runId = `bench${Math.random().toString(16).slice(2, 6)}`;
  try {
    const topology = await setUpRun(kube, { runId, namespace: `netconform-${runId}`, readyTimeoutMs: 120_000, concurrency: 8, modules: [] }, state);
    const pods = topology.probes.filter((p) => p.role !== 'host' && p.ready);
    const [from, to] = [pods[0]!, pods[pods.length - 1]!];
    const control = new ControlClient(await kube.controlTransport(), { concurrency: 1 });
    const streams = new ProbeStreams(control, topology.namespace);
    const command = askCommand({ host: to.ip, port: topology.ports.http, protocol: 'tcp', family: to.ip.includes(':') ? 'ipv6' : 'ipv4', answer: { kind: 'hostname', expected: [to.name] } });
    const time = async (fn: () => Promise<unknown>) => {
      const t = performance.now();
      for (let i = 0; i < samples; i++) await fn();
      return (performance.now() - t) / samples;
    };
    await streams.run(from.name, 'true', { timeoutMs: 20_000 }); // the stream opens once
    const before = control.requests;
    const streamMs = await time(() => streams.run(from.name, command, { timeoutMs: 20_000 }));
    const streamRequests = control.requests - before;
    const execMs = await time(() => control.exec({ namespace: topology.namespace, pod: from.name, container: PROBE_CONTAINER, command: ['bash', '-o', 'pipefail', '-c', command], timeoutMs: 20_000 }));
    console.log(`control path, ${samples} checks each (${from.name} → ${to.name}, curl in the probe):`);
    console.log(`  a command on the probe's open exec stream   ${streamMs.toFixed(1)} ms/check, ${streamRequests} API requests for all ${samples}`);
    console.log(`  one exec per check                          ${execMs.toFixed(1)} ms/check, 1 API request/check (WebSocket upgrade + kubelet stream + process start)`);
    streams.close();
    await control.close();
  } finally {
    await tearDownRun(kube, state, { keep: false });
  }
}

/**
 * --soak N: N full runs back to back; false failures, leaked objects by run label, wall-time
 * drift. Pods and Services must be gone when a run exits; its namespace is then terminating
 * (the namespace controller drops it ~5 s later): the namespaces are counted once, after the
 * last run, when every one must be gone (waited for up to 30 s).
 */
async function soak(n: number): Promise<boolean> {
  const kube = new Kube(loadKubeConfig({ kubeconfig }));
  const runs: SoakRun[] = [];
  const name = (kind: string) => (o: { metadata?: { namespace?: string; name?: string } }) => `${kind} ${o.metadata?.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata?.name}`;
  for (let i = 1; i <= n; i++) {
    const { sample, run } = await cliRun(`soak run ${i}/${n}`, []);
    const label = `netconform.io/run-id=${run.runId}`;
    const [pods, services] = await Promise.all([kube.listPodsAllNamespaces(label), kube.listServicesAllNamespaces(label)]);
    const leaked = [...pods.map(name('pod')), ...services.map(name('service'))];
    if (leaked.length) console.log(`  leaked after run ${i}: ${leaked.join(', ')}`);
    runs.push({ index: i, runId: run.runId, exitCode: sample.exitCode, wallMs: sample.wallMs, rows: sample.rows, badRows: sample.badRows, leaked });
  }
  const namespaceOf = async (r: SoakRun) => (r.runId ? kube.listNamespaces(`netconform.io/run-id=${r.runId}`) : []);
  const deadline = Date.now() + 30_000;
  for (let left = (await Promise.all(runs.map(namespaceOf))).flat(); ; left = (await Promise.all(runs.map(namespaceOf))).flat()) {
    if (left.length === 0) break;
    if (Date.now() > deadline) {
      for (const r of runs) for (const ns of await namespaceOf(r)) r.leaked.push(name('namespace')(ns));
      console.log(`  namespaces still there 30 s after the last run: ${left.map((ns) => ns.metadata?.name).join(', ')}`);
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 500)); // poll interval of a condition wait
  }
  const summary = summarizeSoak(runs);
  console.log(`\n${renderSoak(summary)}`);
  return summary.falseFailures === 0 && summary.failedRuns === 0 && summary.leaked === 0;
}

if (values.soak) process.exit((await soak(Number(values.soak))) ? 0 : 1);
if (values['vs-upstream']) process.exit((await vsUpstream(root, cliRun, async (run) => machineLine(await machine(run)))) ? 0 : 1);

// --from <file>: the figures of an earlier run (its --json), printed and (--readme) written again.
const figures = values.from ? (JSON.parse(fs.readFileSync(values.from, 'utf8')) as BenchFigures) : await benchmark();
console.log(`\n${renderTerminal(figures)}`);
if (values.json) fs.writeFileSync(values.json, JSON.stringify(figures, null, 2));
if (values.readme && figures.healthy.length) {
  const readme = path.join(root, 'README.md');
  fs.writeFileSync(readme, replaceReadmeBlock(fs.readFileSync(readme, 'utf8'), renderMarkdown(figures)));
  console.log('README.md: performance table updated');
}
if (values['control-path']) await controlPath(Number(values.samples));
process.exit(figures.healthy.some(isBad) ? 1 : 0);
