// Entry: argv → command → exit code. Errors a user can act on print as one paragraph.
import fs from 'node:fs';
import { NetconformError, messageOf } from '../errors.ts';
import { loadSuiteModules } from '../check/modules.ts';
import { discoverNodes } from '../probes/deploy.ts';
import { cleanupLeftovers } from '../runs/leftovers.ts';
import { Kube, loadKubeConfig } from '../kube/index.ts';
import { imageArchitectures, plannedTopology, prepareModules } from '../lifecycle.ts';
import { probeImage } from '../probes/manifests.ts';
import { packageFile } from '../package-root.ts';
import { EXIT, parseCli, usage, type CliOptions } from './args.ts';
import { detectedCni, plannedRows, runCommand, selectionOf, suiteFlags, type Io } from './run.ts';
import { Progress, colorEnabled, factsOf, liveProgress, painter } from '../tty.ts';

/** On a terminal, progress is one updating line on stderr; stdout output first clears it. */
function terminalIo(): Io {
  const progress = new Progress(process.stderr, { live: liveProgress(factsOf(process.stderr)), paint: painter(colorEnabled(factsOf(process.stderr))) });
  return {
    out: (line) => {
      progress.suspend();
      process.stdout.write(`${line}\n`);
    },
    err: (line) => progress.note(line),
    progress,
  };
}

export async function main(argv: string[], io: Io = terminalIo()): Promise<number> {
  let options: CliOptions;
  try {
    options = parseCli(argv);
  } catch (err) {
    io.err(`error: ${messageOf(err)}`);
    return EXIT.usage;
  }
  try {
    switch (options.command) {
      case 'help':
        io.out(usage(Math.max(80, Math.min(process.stdout.columns || 104, 140))));
        return EXIT.passed;
      case 'version':
        io.out(JSON.parse(fs.readFileSync(packageFile('package.json'), 'utf8')).version);
        return EXIT.passed;
      case 'images':
        io.out(probeImage(options));
        return EXIT.passed;
      case 'list':
        return await listCommand(options, io);
      case 'cleanup':
        return await cleanupCommand(options, io);
      case 'run':
        return await runCommand(options, io);
    }
  } catch (err) {
    io.err(`error: ${messageOf(err)}`);
    return err instanceof NetconformError ? err.exitCode : EXIT.setupFailed;
  }
}

/** `list`: the rows a run would check, computed as a run computes them (every module's prepare, read-only), nothing deployed. */
async function listCommand(options: CliOptions, io: Io): Promise<number> {
  const kube = new Kube(loadKubeConfig(options), { requestTimeoutMs: 15_000 });
  const modules = await loadSuiteModules();
  const nodes = await discoverNodes(kube, { nodeSelector: options.nodeSelector, architectures: imageArchitectures(options) });
  const plans = await prepareModules(kube, nodes, {
    modules,
    suite: {
      runId: '<run-id>',
      image: probeImage(options),
      imagePullSecret: options.imagePullSecret,
      readyTimeoutMs: options.timeoutMs,
      flags: suiteFlags(options),
    },
  });
  const topology = plannedTopology({ runId: '<run-id>', namespace: '<namespace>', server: kube.access.server, nodes }, options, plans);
  const rows = plannedRows(modules, topology, selectionOf(options));
  for (const row of rows) io.out(`${row.suite}\t${row.title}`);
  const cni = detectedCni(topology);
  io.err(`${rows.length} checks on ${nodes.filter((n) => !n.skipReason).length} nodes${options.short ? ' (--short)' : ''}${cni ? `; CNI: ${cni.join(', ') || 'none detected'}` : ''}`);
  return rows.length === 0 ? EXIT.usage : EXIT.passed;
}

async function cleanupCommand(options: CliOptions, io: Io): Promise<number> {
  const kube = new Kube(loadKubeConfig(options), { requestTimeoutMs: 15_000 });
  const started = performance.now();
  const done = await cleanupLeftovers(kube, { timeoutMs: options.timeoutMs, namespace: options.namespace, force: options.force, onProgress: (m) => io.err(m) });
  const namespaces = done.removed.flatMap((r) => r.namespaces);
  const within = [...new Set(done.removed.flatMap((r) => r.within))];
  io.out(
    `removed ${done.removed.length} ended run${done.removed.length === 1 ? '' : 's'}${done.removed.length ? ` (${done.removed.map((r) => r.runId).join(', ')})` : ''}: ${namespaces.length} namespaces${namespaces.length ? ` (${namespaces.join(', ')})` : ''}${within.length ? `, their objects in ${within.join(', ')}` : ''}, in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  for (const { run, why } of done.left) io.out(`left live run ${run.runId} (${[...run.namespaces, ...run.within].join(', ')}): ${why}; --force removes it`);
  return EXIT.passed;
}
