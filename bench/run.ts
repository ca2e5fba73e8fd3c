// `npm run bench [-- --kubeconfig <file>] [--control-path]`: phase times of a full run on the
// lab (or any cluster), against the targets; with --control-path also how long one
// check takes through each way of driving a probe (API server pod proxy → netexec /dial, or
// exec `agnhost connect`), which is how the pod proxy was chosen.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ControlClient } from '../helpers/http.ts';
import { Kube, loadKubeConfig } from '../helpers/kube.ts';
import { setUpRun, tearDownRun, type RunState } from '../helpers/lifecycle.ts';
import type { RunResults } from '../helpers/results.ts';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const { values } = parseArgs({ options: { kubeconfig: { type: 'string' }, 'control-path': { type: 'boolean' }, samples: { type: 'string' } } });
const kubeconfig = values.kubeconfig ?? execFileSync('bash', [path.join(root, 'lab', 'lab.sh'), 'kubeconfig'], { encoding: 'utf8' }).trim();

function fullRun(): void {
  const reportDir = fs.mkdtempSync(path.join(os.tmpdir(), 'netconform-bench-'));
  const started = performance.now();
  const r = spawnSync(process.execPath, [path.join(root, 'bin', 'kube-netconform.js'), 'run', '--kubeconfig', kubeconfig, '--report-dir', reportDir], { encoding: 'utf8' });
  const wall = performance.now() - started;
  if (!fs.existsSync(path.join(reportDir, 'results.json'))) {
    process.stderr.write(r.stderr);
    throw new Error(`the run wrote no results (exit ${r.status})`);
  }
  const run = JSON.parse(fs.readFileSync(path.join(reportDir, 'results.json'), 'utf8')) as RunResults;
  const p = run.phases;
  const targets: Record<string, string> = { suites: '≤ 30 s (this issue\'s suites)', cleanup: '≤ 10 s' };
  console.log(`full run: exit ${r.status}, ${run.results.length} checks, ${run.results.filter((x) => x.outcome === 'passed').length} passed`);
  console.log(`${'phase'.padEnd(22)}${'seconds'.padStart(9)}  target`);
  for (const [phase, ms] of Object.entries(p)) console.log(`${phase.padEnd(22)}${(ms / 1000).toFixed(1).padStart(9)}  ${targets[phase] ?? ''}`);
  console.log(`${'wall clock (CLI)'.padEnd(22)}${(wall / 1000).toFixed(1).padStart(9)}`);
  for (const [k, v] of Object.entries(run.counters ?? {})) console.log(`${k.padEnd(30)}${String(v).padStart(7)}`);
  fs.rmSync(reportDir, { recursive: true, force: true });
}

/** One check, driven both ways, `samples` times each: mean ms per check and API requests per check. */
async function controlPath(samples: number): Promise<void> {
  const kube = new Kube(loadKubeConfig({ kubeconfig }));
  const state: RunState = { phases: {} };
  const runId = `bench${Math.random().toString(16).slice(2, 6)}`;
  try {
    const topology = await setUpRun(kube, { runId, namespace: `netconform-${runId}`, readyTimeoutMs: 120_000, concurrency: 8 }, state);
    const pods = topology.probes.filter((p) => p.role !== 'host' && p.ready);
    const [from, to] = [pods[0]!, pods[pods.length - 1]!];
    const control = new ControlClient(await kube.controlTransport(), { concurrency: 1 });
    const query = new URLSearchParams({ host: to.ip, port: String(topology.ports.http), protocol: 'http', request: 'hostname', tries: '1' });
    const proxyPath = `/api/v1/namespaces/${topology.namespace}/pods/${from.name}:${topology.ports.http}/proxy/dial?${query}`;
    const time = async (fn: () => Promise<unknown>) => {
      const t = performance.now();
      for (let i = 0; i < samples; i++) await fn();
      return (performance.now() - t) / samples;
    };
    const before = kube.requests;
    const proxyMs = await time(() => control.get(proxyPath, { timeoutMs: 20_000, what: 'bench' }));
    const execMs = await time(() => kube.exec({ namespace: topology.namespace, pod: from.name, container: 'netexec', command: ['/agnhost', 'connect', `${to.ip}:${topology.ports.http}`, '--timeout', '5s'], timeoutMs: 20_000 }));
    console.log(`control path, ${samples} checks each (${from.name} → ${to.name}):`);
    console.log(`  pod proxy → netexec /dial   ${proxyMs.toFixed(1)} ms/check, 1 API request/check (HTTP GET)`);
    console.log(`  exec agnhost connect        ${execMs.toFixed(1)} ms/check, ${((kube.requests - before) / samples).toFixed(0)} API request/check (WebSocket upgrade + kubelet stream + process start)`);
    await control.close();
  } finally {
    await tearDownRun(kube, state, { keep: false });
  }
}

fullRun();
if (values['control-path']) await controlPath(Number(values.samples ?? 20));
