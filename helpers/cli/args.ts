// Command line → options. node:util parseArgs, no dependency. Every bad input is a UsageError
// (exit 2) saying which flag and what would be accepted.
import { parseArgs } from 'node:util';
import { UsageError } from '../errors.ts';
import { NODE_ADDRESS_TYPES, type NodeAddressType } from '../nodeport/types.ts';
import { DEFAULT_PODS_PER_NODE, MAX_PODS_PER_NODE } from '../topology.ts';

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
}

/**
 * Checks in flight per suite. Failing checks spend their time waiting out timeouts, so more in
 * flight mostly shortens runs on a broken network (no-forwarding on the lab: pod-to-pod 107 s at
 * 16, 42 s at 48); pod-proxy requests are long-running requests for the API server.
 */
export const DEFAULT_CONCURRENCY = 32;

/** Samples per check: three tries per request cost ~nothing on a healthy path (README "Loss and latency"). */
export const DEFAULT_SAMPLES = 3;

export const EXIT = { passed: 0, checksFailed: 1, usage: 2, setupFailed: 3, interrupted: 130 } as const;

export const USAGE = `Usage: kube-netconform [run|list|cleanup|images] [flags]
       kubectl netconform [run|list|cleanup|images] [flags]

Commands:
  run        deploy probes, run the checks, write reports, clean up (default)
  list       print every check that would run, without deploying anything
  cleanup    delete leftovers of earlier runs (found by label; only in -n <namespace> if given)
  images     print the images a run uses (for mirroring into a private registry)

Flags:
      --kubeconfig <file>        kubeconfig (default: $KUBECONFIG, ~/.kube/config, in-cluster)
      --context <name>           kubeconfig context (default: the current context)
  -n, --namespace <name>         namespace for the probes (default: a fresh netconform-<run id>);
                                 an existing one is used only if empty, and never deleted
      --only <regex>             run only checks whose "<suite> <title>" matches (repeatable)
      --skip <regex>             skip checks whose "<suite> <title>" matches (repeatable)
      --junit <file>             JUnit output (default: <report-dir>/junit.xml)
      --report-dir <dir>         summary.md, results.json (default: reports)
      --image <ref>              probe image (default: registry.k8s.io/e2e-test-images/agnhost:2.66.1)
      --registry <host>          pull the default probe image from this registry instead
      --image-pull-secret <name> imagePullSecret for the probe pods (needs --namespace holding it)
      --node-selector <k=v,...>  probe only nodes with these labels
      --timeout <duration>       how long to wait for probes to become ready (default: 2m)
      --concurrency <n>          checks in flight at once, per suite (default: 32)
      --host-port <port>         host-network probe port; UDP uses port+1 (default: a free pair
                                 from 18080-18999, picked per run so simultaneous runs never collide)
      --samples <n>              requests per pod/host/NodePort check, for loss and latency (default: ${DEFAULT_SAMPLES})
      --max-loss <percent>       lost samples a check may have before it fails (default: 0)
      --keep                     leave the namespace and probes for debugging
      --profile <name|file>      ports suite: kubeadm (default), seed-2017, or your own YAML profile
      --node-address-type <type> node address the runner and the host probes dial:
                                 InternalIP (default) or ExternalIP
      --cni <name[/backend],...> ports suite: state the CNI instead of detecting it (e.g. flannel/vxlan)
      --short                    one pod pair per node pair instead of the full mesh
  -h, --help                     this help
      --version                  print the version

Exit codes: 0 all checks passed, 1 a check failed or could not run, 2 usage or kubeconfig
error, 3 could not set up (API unreachable, forbidden, probes never ready), 130 interrupted.`;

/** "90s", "2m", "1m30s", "500ms" or plain seconds → milliseconds. */
export function parseDuration(text: string, flag: string): number {
  const plain = /^\d+(\.\d+)?$/.test(text) ? Number(text) * 1000 : undefined;
  if (plain !== undefined) return plain;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
  let total = 0;
  let consumed = '';
  for (const m of text.matchAll(re)) {
    total += Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
    consumed += m[0];
  }
  if (!consumed || consumed !== text || total <= 0) throw new UsageError(`${flag} ${text}: not a duration; use e.g. 90s, 2m or 1m30s.`);
  return total;
}

function parseInteger(text: string, flag: string, range: { min: number; max: number }): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < range.min || n > range.max) throw new UsageError(`${flag} ${text}: expected a whole number from ${range.min} to ${range.max}.`);
  return n;
}

export function parseNodeSelector(text: string): Record<string, string> {
  const selector: Record<string, string> = {};
  for (const part of text.split(',').filter(Boolean)) {
    const m = /^([^=\s]+)=([^=\s]*)$/.exec(part.trim());
    if (!m) throw new UsageError(`--node-selector ${text}: expected key=value[,key=value…], e.g. kubernetes.io/os=linux.`);
    selector[m[1]!] = m[2]!;
  }
  return selector;
}

function checkRegexes(list: string[], flag: string): string[] {
  for (const r of list) {
    try {
      new RegExp(r);
    } catch (err) {
      throw new UsageError(`${flag} ${r}: not a valid regular expression (${(err as Error).message}).`);
    }
  }
  return list;
}

export function parseCli(argv: string[]): CliOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        kubeconfig: { type: 'string' },
        context: { type: 'string' },
        namespace: { type: 'string', short: 'n' },
        only: { type: 'string', multiple: true },
        skip: { type: 'string', multiple: true },
        junit: { type: 'string' },
        'report-dir': { type: 'string' },
        image: { type: 'string' },
        registry: { type: 'string' },
        'image-pull-secret': { type: 'string' },
        'node-selector': { type: 'string' },
        timeout: { type: 'string' },
        concurrency: { type: 'string' },
        'host-port': { type: 'string' },
        samples: { type: 'string' },
        'max-loss': { type: 'string' },
        keep: { type: 'boolean' },
        short: { type: 'boolean' },
        'pods-per-node': { type: 'string' },
        profile: { type: 'string' },
        'node-address-type': { type: 'string' },
        cni: { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
      },
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
    throw new UsageError(`--image-pull-secret ${v['image-pull-secret']} needs --namespace: a Secret is read from the pod's own namespace, and a fresh netconform-<id> namespace has none. Create the secret in an empty namespace and pass it with -n.`);
  }
  if (v.image !== undefined && v.registry !== undefined) throw new UsageError('--image and --registry both given: --image names the whole image, --registry only its registry; pass one.');
  const reportDir = v['report-dir'] ?? 'reports';
  const addressType = v['node-address-type'] ?? 'InternalIP';
  if (!NODE_ADDRESS_TYPES.includes(addressType as NodeAddressType)) throw new UsageError(`--node-address-type ${addressType}: expected ${NODE_ADDRESS_TYPES.join(' or ')}.`);
  const hostPort = v['host-port'] === undefined ? undefined : parseInteger(v['host-port'], '--host-port', { min: 1024, max: 65534 });
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
    short: v.short ?? false,
    hostPort,
    samples: v.samples === undefined ? DEFAULT_SAMPLES : parseInteger(v.samples, '--samples', { min: 1, max: 100 }),
    maxLossPct: maxLoss === undefined ? 0 : Number(maxLoss),
    profile: v.profile ?? 'kubeadm',
    nodeAddressType: addressType as NodeAddressType,
    podsPerNode: v['pods-per-node'] === undefined ? DEFAULT_PODS_PER_NODE : parseInteger(v['pods-per-node'], '--pods-per-node', { min: 2, max: MAX_PODS_PER_NODE }),
    cni: (v.cni ?? []).flatMap((c) => c.split(',')).map((c) => c.trim()).filter(Boolean),
  };
}
