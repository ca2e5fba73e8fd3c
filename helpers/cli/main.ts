// Entry: argv → command → exit code. Errors a user can act on print as one paragraph.
import fs from 'node:fs';
import { NetconformError, messageOf } from '../errors.ts';
import { cleanupLeftovers, discoverNodes, readClusterFacts } from '../deploy.ts';
import { Kube, loadKubeConfig } from '../kube.ts';
import { portsFor } from '../lifecycle.ts';
import { plannedExtraSuites } from '../extra-suites.ts';
import { probeImage } from '../manifests.ts';
import { podRoles, probePodName, type Topology } from '../topology.ts';
import { EXIT, parseCli, usage, type CliOptions } from './args.ts';
import { runCommand, selectionOf, type Io } from './run.ts';
import { listChecks } from './suites.ts';
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
        io.out(JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version);
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

/** The topology a run would build, with placeholders for what only a deployment knows (pod IPs). */
export function plannedTopology(base: Pick<Topology, 'nodes' | 'server' | 'apiService' | 'serviceCIDRs' | 'serviceCIDRsUnknownReason'>, options: { hostPort?: number; podsPerNode?: number }): Topology {
  const probed = base.nodes.filter((n) => !n.skipReason);
  return {
    ...base,
    runId: '<run-id>',
    namespace: '<namespace>',
    ports: portsFor(options.hostPort),
    probes: probed.flatMap((n) => [
      ...podRoles(options.podsPerNode).map((role) => ({ role, name: probePodName(role, n.name), node: n.name, ip: '<pod-ip>', ready: true })),
      { role: 'host' as const, name: probePodName('host', n.name), node: n.name, ip: n.internalIP ?? '<node-ip>', ready: true },
    ]),
    probeService: { name: 'probes', clusterIP: '<cluster-ip>', port: 80 },
  };
}

async function listCommand(options: CliOptions, io: Io): Promise<number> {
  const kube = new Kube(loadKubeConfig(options), { requestTimeoutMs: 15_000 });
  const nodes = await discoverNodes(kube, { nodeSelector: options.nodeSelector });
  const facts = await readClusterFacts(kube);
  const topology = plannedTopology({ nodes, server: kube.access.server, ...facts }, options);
  // nodeport and ports suites: the profile, CNI and NodePorts a run would use (read-only).
  Object.assign(topology, await plannedExtraSuites(kube, nodes, { profile: options.profile, nodeAddressType: options.nodeAddressType, cniHints: options.cni, image: probeImage(options) }));
  const checks = await listChecks({ plan: { topology, selection: selectionOf(options), kube: { kubeconfig: options.kubeconfig, context: options.context }, concurrency: options.concurrency, attempts: 1 } });
  for (const c of checks) io.out(`${c.suite}\t${c.title}`);
  io.err(`${checks.length} checks on ${nodes.filter((n) => !n.skipReason).length} nodes${options.short ? ' (--short)' : ''}`);
  return EXIT.passed;
}

async function cleanupCommand(options: CliOptions, io: Io): Promise<number> {
  const kube = new Kube(loadKubeConfig(options), { requestTimeoutMs: 15_000 });
  const started = performance.now();
  const done = await cleanupLeftovers(kube, { timeoutMs: options.timeoutMs, namespace: options.namespace, onProgress: (m) => io.err(m) });
  io.out(`removed ${done.namespaces.length} namespaces${done.namespaces.length ? ` (${done.namespaces.join(', ')})` : ''}, ${done.pods} pods and ${done.services} services in other namespaces, in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return EXIT.passed;
}
