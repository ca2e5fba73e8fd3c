// Plain-command access to the lab for the lab's own tests: the lab CLI, the lab's kubectl,
// and agnhost run inside a node's network namespace. Independent of the product's code, so
// these tests prove the lab, not the suite.
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kubernetesBinDir } from '../tools/lab-expected.ts';

const execFileAsync = promisify(execFile);
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const binDir = kubernetesBinDir();
/** The lab's agnhost image. Never built (no agnhost.VERSION): no lab either, and requireLab says so, not this import. */
export const agnhostImage = `registry.k8s.io/e2e-test-images/agnhost:${existsSync(join(binDir, 'agnhost.VERSION')) ? readFileSync(join(binDir, 'agnhost.VERSION'), 'utf8').trim() : 'not-built'}`;

/**
 * Whether a lab test runs: `describe.skipIf(!requireLab())(…)`, or with the mode the file needs,
 * e.g. `requireLab({ netpol: 'kube-router' })`. Under LAB_EXPECTED=1 (test/run-all.sh's lab steps)
 * a lab that is down or in another mode fails the file with `lab status`'s words; otherwise it skips.
 */
export { requireLab, requireMachine, type LabMode } from '../tools/lab-expected.ts';

/**
 * A netexec pod (HTTP 8080, UDP 8081, Ready once /healthz answers) pinned to one node, as YAML for
 * `kubectl apply -f -`. `tolerateAll` lets it onto the tainted control plane; `extraSpec` lines go
 * into its spec as written (two-space indent), e.g. a dnsConfig.
 */
export function netexecPodYaml(o: { name: string; node: string; app: string; tolerateAll?: boolean; extraSpec?: string[] }): string {
  return `apiVersion: v1
kind: Pod
metadata: {name: ${o.name}, labels: {app: ${o.app}}}
spec:
  nodeName: ${o.node}
${o.tolerateAll ? '  tolerations: [{operator: Exists}]\n' : ''}  automountServiceAccountToken: false
${(o.extraSpec ?? []).map((l) => `  ${l}\n`).join('')}  containers:
  - name: netexec
    image: ${agnhostImage}
    imagePullPolicy: IfNotPresent
    args: [netexec, --http-port=8080, --udp-port=8081]
    readinessProbe: {httpGet: {path: /healthz, port: 8080}, periodSeconds: 1}
`;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(cmd: string, args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  try {
    const child = execFileAsync(cmd, args, { timeout: opts.timeoutMs ?? 60_000, maxBuffer: 64 << 20 });
    if (opts.input !== undefined) {
      child.child.stdin?.end(opts.input);
    }
    const { stdout, stderr } = await child;
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number | string; stdout?: string; stderr?: string; message: string };
    return { code: typeof err.code === 'number' ? err.code : 1, stdout: err.stdout ?? '', stderr: err.stderr ?? err.message };
  }
}

export const lab = (...args: string[]) => run('bash', [join(repoRoot, 'lab', 'lab.sh'), ...args], { timeoutMs: 300_000 });

export function kubeconfigPath(): string {
  return execFileSync('bash', [join(repoRoot, 'lab', 'lab.sh'), 'kubeconfig'], { encoding: 'utf8' }).trim();
}

export async function kubectl(args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<string> {
  const r = await run(join(binDir, 'kubectl'), ['--kubeconfig', kubeconfigPath(), ...args], opts);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (exit ${r.code}): ${r.stderr.trim()}`);
  return r.stdout;
}

export async function kubectlJson<T = any>(args: string[]): Promise<T> {
  return JSON.parse(await kubectl([...args, '-o', 'json'])) as T;
}

/** `agnhost connect` from inside a pod: '' on success, else REFUSED / TIMEOUT / OTHER: … */
export async function connectFromPod(ns: string, pod: string, target: string, opts: { protocol?: 'tcp' | 'udp' } = {}): Promise<string> {
  const args = ['--kubeconfig', kubeconfigPath(), 'exec', '-n', ns, pod, '--', '/agnhost', 'connect', target, '--timeout', '3s'];
  if (opts.protocol === 'udp') args.push('--protocol', 'udp');
  const r = await run(join(binDir, 'kubectl'), args, { timeoutMs: 30_000 });
  return r.code === 0
    ? ''
    : (r.stderr
        .trim()
        .split('\n')
        .find((l) => /REFUSED|TIMEOUT|OTHER|DNS/.test(l)) ?? r.stderr.trim());
}

/** `agnhost connect` from a node's host network namespace. */
export async function connectFromNode(node: string, target: string): Promise<string> {
  const r = await run('nsenter', [`--net=/run/netns/knc-${node}`, '--', join(binDir, 'agnhost'), 'connect', target, '--timeout', '3s'], { timeoutMs: 30_000 });
  return r.code === 0 ? '' : r.stderr.trim();
}

/** netexec /dial from a pod, driven through the API server's pod proxy. */
export async function dialFromPod(ns: string, pod: string, q: { host: string; port: number; request: string; protocol?: 'http' | 'udp' }): Promise<{ responses?: string[]; errors?: string[] }> {
  const qs = new URLSearchParams({ host: q.host, port: String(q.port), request: q.request, protocol: q.protocol ?? 'http', tries: '1' });
  return JSON.parse(await kubectl(['get', '--raw', `/api/v1/namespaces/${ns}/pods/${pod}:8080/proxy/dial?${qs}`], { timeoutMs: 30_000 }));
}

/** Condition wait with a named deadline (no fixed sleeps). */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, opts: { timeoutMs: number; intervalMs?: number }): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${opts.timeoutMs} ms waiting for ${what}${last ? `; last error: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 500));
  }
}
