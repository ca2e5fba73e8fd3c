// Whether a test that needs the lab runs, skips or fails (issue 21, "no silent skips"). A step of
// test/run-all.sh that brought a lab up sets LAB_EXPECTED=1 and describes that lab with LAB_NETWORK,
// LAB_PROXY_MODE, LAB_IP_FAMILY, LAB_LB and LAB_NETPOL (unset = `lab up`'s default: routed,
// iptables, ipv4, no LoadBalancer, no NetworkPolicy implementation). Then a lab that is down, or
// not in that mode, or not in the mode the test file itself needs, FAILS the file with
// `lab status`'s own words. Without LAB_EXPECTED (a developer's `npx vitest run`), the same
// situations skip: no lab, nothing to test, nothing reported as passed.
// Shared by test/e2e (cli-helpers.ts) and test/lab (lab-client.ts); independent of the product's code.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A lab's mode as `lab up` sets it; a test names only the parts it needs. */
export interface LabMode {
  network?: string;
  proxyMode?: string;
  ipFamily?: string;
  /** LoadBalancer implementation ('metallb'), or 'none'. */
  lb?: string;
  /** NetworkPolicy implementation (e.g. 'kube-router'), or 'none'. */
  netpol?: string;
}

const KEYS = ['network', 'proxyMode', 'ipFamily', 'lb', 'netpol'] as const;
const ENV: Record<(typeof KEYS)[number], string> = { network: 'LAB_NETWORK', proxyMode: 'LAB_PROXY_MODE', ipFamily: 'LAB_IP_FAMILY', lb: 'LAB_LB', netpol: 'LAB_NETPOL' };
/** What `lab up` gives when an option is not passed. */
export const LAB_DEFAULTS: Required<LabMode> = { network: 'routed', proxyMode: 'iptables', ipFamily: 'ipv4', lb: 'none', netpol: 'none' };

export const labExpected = (env: NodeJS.ProcessEnv = process.env): boolean => env.LAB_EXPECTED === '1';

/**
 * The mode the step asked for: under LAB_EXPECTED=1 every part (unset = `lab up`'s default);
 * otherwise only the LAB_* variables that are set.
 */
export function modeFromEnv(env: NodeJS.ProcessEnv = process.env): LabMode {
  const mode: LabMode = {};
  for (const k of KEYS) {
    const v = env[ENV[k]];
    if (v) mode[k] = v;
    else if (labExpected(env)) mode[k] = LAB_DEFAULTS[k];
  }
  return mode;
}

/**
 * The first line of `lab status` read as a mode: "lab: up, 3 nodes, routed pod network, kube-proxy
 * iptables mode, ip family dual, LoadBalancer metallb, kubeconfig …". A NetworkPolicy
 * implementation is any part that mentions "polic" (NetworkPolicy, network policy) and its name.
 * Undefined when the line does not start "lab: up".
 */
export function parseStatus(text: string): Required<LabMode> | undefined {
  const first = text.split('\n')[0] ?? '';
  if (!/^lab: up\b/.test(first)) return undefined;
  const parts = first.split(/,\s*/).map((p) => p.trim());
  const pick = (re: RegExp) => parts.map((p) => re.exec(p)?.[1]).find(Boolean);
  const policy = parts.find((p) => /polic/i.test(p));
  return {
    network: pick(/^(\S+) pod network$/) ?? '?',
    proxyMode: pick(/^kube-proxy (\S+) mode$/) ?? '?',
    ipFamily: pick(/^ip family (\S+)$/) ?? 'ipv4',
    lb: pick(/^LoadBalancer (\S+)$/) ?? 'none',
    netpol: policy ? (policy.split(/[\s:]+/).find((w) => w && !/^(network|networkpolicy|networkpolicies|policy|policies|by|mode|implementation)$/i.test(w)) ?? policy) : 'none',
  };
}

/** "routed, kube-proxy iptables, ipv4, no LoadBalancer, no NetworkPolicy" (only the parts given). */
export function describeMode(mode: LabMode): string {
  const out: string[] = [];
  if (mode.network) out.push(mode.network);
  if (mode.proxyMode) out.push(`kube-proxy ${mode.proxyMode}`);
  if (mode.ipFamily) out.push(mode.ipFamily);
  if (mode.lb) out.push(mode.lb === 'none' ? 'no LoadBalancer' : `LoadBalancer ${mode.lb}`);
  if (mode.netpol) out.push(mode.netpol === 'none' ? 'no NetworkPolicy' : `NetworkPolicy ${mode.netpol}`);
  return out.length ? out.join(', ') : 'any mode';
}

/** The parts of `wanted` the running lab does not have, as "network routed ≠ vxlan". */
export function modeMismatch(wanted: LabMode, actual: Required<LabMode>): string[] {
  return KEYS.filter((k) => wanted[k] !== undefined && wanted[k] !== actual[k]).map((k) => `${ENV[k]}=${wanted[k]} but the lab has ${actual[k]}`);
}

export type LabDecision = { run: true } | { run: false; fail: boolean; reason: string };

/**
 * Run, skip or fail, from what `lab status` printed (or how it failed). The file's own needs
 * override the step's: a file that needs `ipFamily: 'ipv6'`, selected by a step for an ipv4 lab,
 * fails (under LAB_EXPECTED) rather than skipping.
 */
export function decide(o: { fileMode?: LabMode; env?: NodeJS.ProcessEnv; status: { text: string } | { error: string } }): LabDecision {
  const env = o.env ?? process.env;
  const wanted: LabMode = { ...modeFromEnv(env), ...o.fileMode };
  const said = 'text' in o.status ? o.status.text.trim().split('\n')[0] || '(nothing)' : `(it failed) ${o.status.error.trim()}`;
  const actual = 'text' in o.status ? parseStatus(o.status.text) : undefined;
  const problems = actual ? modeMismatch(wanted, actual) : [];
  if (actual && problems.length === 0) return { run: true };
  const reason = `the lab was expected (${describeMode(wanted)}) but \`npm run lab -- status\` said: ${said}${problems.length ? ` (${problems.join('; ')})` : ''}`;
  return { run: false, fail: labExpected(env), reason };
}

/** `lab status`, as text or as the way it failed. */
export function labStatus(): { text: string } | { error: string } {
  try {
    return { text: execFileSync('bash', [join(repoRoot, 'lab', 'lab.sh'), 'status'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 }) };
  } catch (e) {
    const err = e as { status?: number | null; stderr?: string; message: string };
    return { error: `exit ${err.status ?? '?'}: ${(err.stderr || err.message).trim().split('\n').slice(-3).join(' | ')}` };
  }
}

/**
 * For `describe.skipIf(!requireLab(…))`, at collection: true when the lab is up in the step's mode
 * (LAB_* variables) and `fileMode`. Otherwise false (skip), or, under LAB_EXPECTED=1, throws: the
 * test file fails with the reason, and none of its tests counts as passed or skipped.
 */
export function requireLab(fileMode?: LabMode): boolean {
  const d = decide({ fileMode, status: labStatus() });
  if (d.run) return true;
  if (d.fail) throw new Error(d.reason);
  return false;
}

/**
 * Something of the machine a test needs (chromium, the lab's kubectl): `present` as is, except
 * that a missing one throws under LAB_EXPECTED=1 or CI (the step expected it: .ci/run installs it).
 */
export function requireMachine(what: string, present: boolean, env: NodeJS.ProcessEnv = process.env): boolean {
  if (present) return true;
  if (labExpected(env) || (env.CI && env.CI !== 'false' && env.CI !== '0')) throw new Error(`${what} is missing, and this step expected it (LAB_EXPECTED=1 or CI)`);
  return false;
}

/** lab/versions.env as a map (KUBERNETES_VERSION=v1.37.2 …). */
export function labVersions(): Record<string, string> {
  return Object.fromEntries(
    readFileSync(join(repoRoot, 'lab', 'versions.env'), 'utf8')
      .split('\n')
      .filter((l) => /^[A-Z_]+=/.test(l))
      .map((l) => {
        const i = l.indexOf('=');
        return [l.slice(0, i), l.slice(i + 1).trim()];
      }),
  );
}

/** The lab's Kubernetes binaries (kubectl, agnhost …): lab/lib/common.sh's kubernetes_bin_dir. */
export function kubernetesBinDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.LAB_CACHE ?? '/var/cache/kube-netconform-lab', 'bin', `kubernetes-${labVersions().KUBERNETES_VERSION}`);
}
