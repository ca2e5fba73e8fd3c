// Command line → options. node:util parseArgs, no dependency. Every bad input is a UsageError
// (exit 2) saying which flag and what would be accepted.
import { parseArgs } from 'node:util';
import type { IpFamily } from '../check/types.ts';
import { UsageError } from '../errors.ts';
import { NODE_ADDRESS_TYPES, type NodeAddressType } from '../nodeport/types.ts';
import { DEFAULT_PODS_PER_NODE, MAX_PODS_PER_NODE } from '../topology.ts';
import { checkRegexes, parseDuration, parseInteger, parseNodeSelector } from './values.ts';

export { parseDuration, parseNodeSelector } from './values.ts';

export type Command = 'run' | 'list' | 'cleanup' | 'images' | 'help' | 'version';
const COMMANDS: readonly Command[] = ['run', 'list', 'cleanup', 'images', 'help', 'version'];

export interface CliOptions {
  command: Command;
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  only: string[];
  skip: string[];
  junit: string;
  reportDir: string;
  image?: string;
  registry?: string;
  imagePullSecret?: string;
  nodeSelector?: Record<string, string>;
  /** How long to wait for the probes to become ready. */
  timeoutMs: number;
  concurrency: number;
  keep: boolean;
  /** cleanup: remove live runs too (their heartbeat Lease held and renewed). */
  force: boolean;
  short: boolean;
  /** hostNetwork probe ports: HTTP on hostPort, UDP on hostPort + 1; unset: a free pair picked per run. */
  hostPort?: number;
  /** Samples (tries) per attempt on single-request rows: loss and latency per row. */
  samples: number;
  /** Lost samples a row may have before it fails, in percent. */
  maxLossPct: number;
  /** ports suite: built-in profile name or YAML file (default kubeadm). */
  profile: string;
  /** nodeport and ports suites: which node address to dial. */
  nodeAddressType: NodeAddressType;
  /** ports suite: CNI hints replacing detection for the named add-ons (e.g. flannel/vxlan). */
  cni: string[];
  /** Pod-network probes per node (2 by default; more for scale runs). */
  podsPerNode: number;
  /** loadbalancer suite: how long the LoadBalancer Service may take to get its address, from its creation (0: no extra wait). */
  lbTimeoutMs: number;
  /** --ip-family 4|6: only the rows of this IP family (unset: every family the cluster has). */
  ipFamily?: IpFamily;
  /** network-policy suite (opt-in): the core cases or all of them; unset: the suite makes no rows. */
  networkPolicy?: 'core' | 'full';
  /** network-policy suite: a cluster that does not enforce NetworkPolicy fails every row instead of skipping it. */
  requireNetworkPolicy: boolean;
  /** network-policy suite (--policy-timeout): how long a case's change may take to be enforced (unset: the suite's 20 s). */
  policyTimeoutMs?: number;
}

/**
 * Checks in flight per suite. Failing checks spend their time waiting out timeouts, so more in
 * flight mostly shortens runs on a broken network; they are commands on the probes' exec streams
 * (at most COMMANDS_PER_PROBE each), not API requests.
 */
export const DEFAULT_CONCURRENCY = 48;

/** Samples per check: three tries per request cost ~nothing on a healthy path (README "Loss and latency"). */
export const DEFAULT_SAMPLES = 3;
const IP_FAMILY_WORDS: Record<string, IpFamily | undefined> = { '4': 'ipv4', '6': 'ipv6', ipv4: 'ipv4', ipv6: 'ipv6' };

export const EXIT = { passed: 0, checksFailed: 1, usage: 2, setupFailed: 3, interrupted: 130 } as const;

/**
 * One row per flag: the parser (parseArgs), --help and the README's flag table (written by
 * `npm run docs`, compared by a unit test) are all made from this table, so they cannot drift apart.
 */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** Placeholder shown after the flag in --help, e.g. "<file>". */
  value?: string;
  /** One sentence or two for --help (wrapped to the terminal width by usage()). */
  help: string;
}

export const OPTIONS = {
  kubeconfig: { type: 'string', value: '<file>', help: 'which cluster: the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config, then in-cluster)' },
  context: { type: 'string', value: '<name>', help: 'the kubeconfig context (default: its current context)' },
  namespace: { type: 'string', short: 'n', value: '<name>', help: 'namespace for the probes (default: a fresh netconform-<run id>); an existing one is used only if empty, and never deleted' },
  only: { type: 'string', multiple: true, value: '<regex>', help: `run only the checks whose "<suite> <title>" matches, e.g. --only 'pod-to-pod .*udp' (repeatable)` },
  skip: { type: 'string', multiple: true, value: '<regex>', help: 'skip the checks whose "<suite> <title>" matches (repeatable)' },
  junit: { type: 'string', value: '<file>', help: 'JUnit output (default: <report-dir>/junit.xml)' },
  'report-dir': { type: 'string', value: '<dir>', help: 'where summary.md, report.html and results.json go (default: reports)' },
  image: { type: 'string', value: '<ref>', help: 'the probe image, e.g. a mirror of it for an air-gapped cluster (default: registry.k8s.io/e2e-test-images/agnhost:2.66.1)' },
  registry: { type: 'string', value: '<host>', help: 'pull the default probe image from this registry instead (air-gapped clusters)' },
  'image-pull-secret': { type: 'string', value: '<name>', help: 'imagePullSecret for the probe pods (needs --namespace: the Secret must exist there)' },
  'node-selector': { type: 'string', value: '<k=v[,k=v]>', help: 'probe only the nodes with these labels' },
  timeout: { type: 'string', value: '<duration>', help: 'how long the probes may take to become ready (default: 2m)' },
  concurrency: { type: 'string', value: '<n>', help: `checks in flight at once, per suite (default: ${DEFAULT_CONCURRENCY})` },
  'host-port': { type: 'string', value: '<port>', help: 'hostNetwork probe port; UDP uses port+1 (default: a free pair in 18080-18999, picked per run so simultaneous runs never collide)' },
  samples: { type: 'string', value: '<n>', help: `requests (tries) per pod, host and NodePort check, for loss and latency per row (default: ${DEFAULT_SAMPLES})` },
  'max-loss': { type: 'string', value: '<percent>', help: 'lost samples a check may have before it fails with "lost K of N" (default: 0)' },
  keep: { type: 'boolean', help: 'leave the namespace and probes for debugging (cleanup -n <namespace> removes them)' },
  force: { type: 'boolean', help: 'cleanup: also remove runs that are still live (their heartbeat Lease is renewed); without it they are left and named' },
  profile: { type: 'string', value: '<name|file>', help: 'ports suite profile: kubeadm (default), seed-2017, or your own YAML file' },
  'lb-timeout': {
    type: 'string',
    value: '<duration>',
    // suites/loadbalancer.ts (MIN_WAIT_MS, ingressDeadline) holds the wait; a unit test holds this text to it.
    help: 'loadbalancer suite: how long the LoadBalancer Service may take to get its address, counted from its creation (default: 0, which waits 3 s from its creation, and at least until the probes are ready); cloud load balancers take 30-90 s: pass e.g. 2m there. Without it the Service is created only when an in-cluster implementation is visible (MetalLB, kube-vip, k3s ServiceLB). The skip reason says how long it waited, or why nothing was created',
  },
  'node-address-type': { type: 'string', value: '<InternalIP|ExternalIP>', help: 'which node address the runner and the host probes dial (default: InternalIP)' },
  cni: { type: 'string', multiple: true, value: '<name[/backend],...>', help: 'ports suite: state the CNI instead of detecting it, e.g. flannel/vxlan' },
  short: { type: 'boolean', help: 'one pod pair per node pair instead of the full mesh (use at scale)' },
  'pods-per-node': {
    type: 'string',
    value: '<n>',
    help: `pod-network probes per node, ${DEFAULT_PODS_PER_NODE}-${MAX_PODS_PER_NODE} (default: ${DEFAULT_PODS_PER_NODE}); the pod-to-pod mesh grows with the square (10 per node on 3 nodes = 870 pod pairs)`,
  },
  'ip-family': { type: 'string', value: '<4|6>', help: 'only the checks of this IP family (default: every family the cluster has; on a dual-stack cluster every check is made once per family)' },
  'network-policy': {
    type: 'string',
    value: '<core|full>',
    help: 'run the network-policy suite (off by default: then it creates nothing and makes no row): NetworkPolicy truth tables on its own nine probes in three extra namespaces, the core cases or all of them; every row is skipped with the reason when the cluster does not enforce NetworkPolicy',
  },
  'require-network-policy': { type: 'boolean', help: 'with --network-policy: a cluster that does not enforce NetworkPolicy fails every network-policy row instead of skipping it' },
  'policy-timeout': {
    type: 'string',
    value: '<duration>',
    help: 'with --network-policy: how long each change of a case (a policy made, changed or deleted, a pod or namespace relabelled) may take to be enforced before its cells are judged (default: 20s); each row reports the time it took',
  },
  help: { type: 'boolean', short: 'h', help: 'this help' },
  version: { type: 'boolean', help: 'print the version' },
} as const satisfies Record<string, OptionSpec>;

const COMMAND_HELP: ReadonlyArray<[Exclude<Command, 'help' | 'version'>, string]> = [
  ['run', 'deploy probes, run the checks, write reports, clean up (default)'],
  ['list', 'print every check that would run, without deploying anything'],
  ['cleanup', 'delete leftovers of runs that have ended (found by label; only in -n <namespace> if given); live runs are left unless --force'],
  ['images', 'print the images a run uses (for mirroring into a private registry)'],
];

/** Greedy word wrap; a word longer than the width stays whole on its own line. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

/** "  -n, --namespace <name>" / "      --kubeconfig <file>": the left column of --help. */
export function flagLabel(name: string, spec: OptionSpec): string {
  return `  ${'short' in spec && spec.short ? `-${spec.short}, ` : '    '}--${name}${spec.value ? ` ${spec.value}` : ''}`;
}

/** --help, generated from OPTIONS. `width`: the terminal's (default 104 columns). */
export function usage(width = 104): string {
  const specs = Object.entries(OPTIONS) as Array<[string, OptionSpec]>;
  const column = Math.min(34, Math.max(...specs.map(([name, spec]) => flagLabel(name, spec).length)) + 2);
  const textWidth = Math.max(30, width - column);
  const out = [
    'Usage: kube-netconform [run|list|cleanup|images] [flags]',
    '       kubectl netconform [run|list|cleanup|images] [flags]',
    '',
    'Commands:',
    ...COMMAND_HELP.flatMap(([name, text]) => wrap(text, width - 13).map((t, i) => `${i === 0 ? `  ${name.padEnd(10)}` : ' '.repeat(12)} ${t}`)),
    '',
    'Flags:',
  ];
  for (const [name, spec] of specs) {
    const label = flagLabel(name, spec);
    const text = wrap(spec.help, textWidth);
    // A label wider than the column gets its help on the next line.
    if (label.length + 1 > column) out.push(label, ...text.map((t) => ' '.repeat(column) + t));
    else out.push(...text.map((t, i) => (i === 0 ? label.padEnd(column) : ' '.repeat(column)) + t));
  }
  out.push(
    '',
    ...wrap(
      'Exit codes: 0 all checks passed, 1 a check failed or could not run, 2 usage or kubeconfig error, 3 could not set up (API unreachable, forbidden, probes never ready), 130 interrupted.',
      width,
    ),
  );
  return out.join('\n');
}

export const USAGE = usage();

export function parseCli(argv: string[]): CliOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: OPTIONS,
    });
  } catch (err) {
    throw new UsageError(`${(err as Error).message}. See --help.`);
  }
  const { values: v, positionals } = parsed;
  if (positionals.length > 1) throw new UsageError(`unexpected arguments: ${positionals.slice(1).join(' ')}. See --help.`);
  const word = positionals[0] ?? 'run';
  if (!COMMANDS.includes(word as Command)) throw new UsageError(`unknown command "${word}"; expected one of run, list, cleanup, images. See --help.`);
  const command: Command = v.help ? 'help' : v.version ? 'version' : (word as Command);
  if (v.namespace !== undefined && !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(v.namespace)) {
    throw new UsageError(`--namespace ${v.namespace}: not a valid namespace name (lowercase letters, digits and '-', at most 63 characters).`);
  }
  if (v['image-pull-secret'] !== undefined && v.namespace === undefined) {
    throw new UsageError(
      `--image-pull-secret ${v['image-pull-secret']} needs --namespace: a Secret is read from the pod's own namespace, and a fresh netconform-<id> namespace has none. Create the secret in an empty namespace and pass it with -n.`,
    );
  }
  if (v.image !== undefined && v.registry !== undefined) throw new UsageError('--image and --registry both given: --image names the whole image, --registry only its registry; pass one.');
  const reportDir = v['report-dir'] ?? 'reports';
  const addressType = v['node-address-type'] ?? 'InternalIP';
  if (!NODE_ADDRESS_TYPES.includes(addressType as NodeAddressType)) throw new UsageError(`--node-address-type ${addressType}: expected ${NODE_ADDRESS_TYPES.join(' or ')}.`);
  const hostPort = v['host-port'] === undefined ? undefined : parseInteger(v['host-port'], '--host-port', { min: 1024, max: 65534 });
  const ipFamily = v['ip-family'] === undefined ? undefined : IP_FAMILY_WORDS[v['ip-family'].toLowerCase()];
  if (v['ip-family'] !== undefined && !ipFamily) throw new UsageError(`--ip-family ${v['ip-family']}: expected 4 or 6 (or ipv4, ipv6).`);
  const networkPolicy = v['network-policy'];
  if (networkPolicy !== undefined && networkPolicy !== 'core' && networkPolicy !== 'full') throw new UsageError(`--network-policy ${networkPolicy}: expected core or full.`);
  if (v['require-network-policy'] && networkPolicy === undefined)
    throw new UsageError('--require-network-policy needs --network-policy core or full: without it the network-policy suite does not run.');
  if (v['policy-timeout'] !== undefined && networkPolicy === undefined) throw new UsageError('--policy-timeout needs --network-policy core or full: without it the network-policy suite does not run.');
  const policyTimeoutMs = v['policy-timeout'] === undefined ? undefined : parseDuration(v['policy-timeout'], '--policy-timeout');
  if (policyTimeoutMs !== undefined && policyTimeoutMs < 1000) throw new UsageError(`--policy-timeout ${v['policy-timeout']}: at least 1s (an enforcer needs time to apply a change).`);
  const maxLoss = v['max-loss']?.replace(/%$/, '');
  if (maxLoss !== undefined && !(/^\d+(\.\d+)?$/.test(maxLoss) && Number(maxLoss) <= 100)) throw new UsageError(`--max-loss ${v['max-loss']}: expected a percentage from 0 to 100, e.g. 5 or 2.5%.`);
  return {
    command,
    kubeconfig: v.kubeconfig,
    context: v.context,
    namespace: v.namespace,
    only: checkRegexes(v.only ?? [], '--only'),
    skip: checkRegexes(v.skip ?? [], '--skip'),
    junit: v.junit ?? `${reportDir.replace(/\/+$/, '')}/junit.xml`,
    reportDir,
    image: v.image,
    registry: v.registry,
    imagePullSecret: v['image-pull-secret'],
    nodeSelector: v['node-selector'] === undefined ? undefined : parseNodeSelector(v['node-selector']),
    timeoutMs: v.timeout === undefined ? 120_000 : parseDuration(v.timeout, '--timeout'),
    concurrency: v.concurrency === undefined ? DEFAULT_CONCURRENCY : parseInteger(v.concurrency, '--concurrency', { min: 1, max: 256 }),
    keep: v.keep ?? false,
    force: v.force ?? false,
    short: v.short ?? false,
    hostPort,
    samples: v.samples === undefined ? DEFAULT_SAMPLES : parseInteger(v.samples, '--samples', { min: 1, max: 100 }),
    maxLossPct: maxLoss === undefined ? 0 : Number(maxLoss),
    profile: v.profile ?? 'kubeadm',
    nodeAddressType: addressType as NodeAddressType,
    ...(ipFamily ? { ipFamily } : {}),
    ...(networkPolicy ? { networkPolicy } : {}),
    requireNetworkPolicy: v['require-network-policy'] ?? false,
    ...(policyTimeoutMs !== undefined ? { policyTimeoutMs } : {}),
    podsPerNode: v['pods-per-node'] === undefined ? DEFAULT_PODS_PER_NODE : parseInteger(v['pods-per-node'], '--pods-per-node', { min: 2, max: MAX_PODS_PER_NODE }),
    lbTimeoutMs: v['lb-timeout'] === undefined || /^0+(\.0+)?$/.test(v['lb-timeout']) ? 0 : parseDuration(v['lb-timeout'], '--lb-timeout'),
    cni: (v.cni ?? [])
      .flatMap((c) => c.split(','))
      .map((c) => c.trim())
      .filter(Boolean),
  };
}
