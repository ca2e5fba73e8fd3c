// network-policy — MUST (opt-in, --network-policy core|full): pods are isolated exactly as their
// NetworkPolicies say. The suite's own fleet (namespaces <namespace>-x, -y, -z, pods a, b, c in
// each, answer-only servers on 80 and 81 over TCP and UDP under named ports) runs the generated
// cases of helpers/netpol/cases.ts one after another: each case's steps (policies made, updated,
// deleted; pods and namespaces relabelled; a pod added) are applied, the cells a step flips are
// polled until the enforcer shows them (the case's enforcement latency), and the whole truth
// table — one command per source pod, through its exec stream — is compared with the model's.
// A canary decides first whether the cluster enforces NetworkPolicy at all: if not, every row is
// skipped with that reason (failed with --require-network-policy). Off by default: then it makes
// no row and creates nothing. The rows are run by suites/network-policy.test.ts (sequentially:
// they share the fleet), not by the generic row runner.
import { messageOf } from '../helpers/errors.ts';
import { defineSuite, type SuiteOptions } from '../helpers/check/suite.ts';
import type { Check } from '../helpers/check/types.ts';
import { dnsTarget, podRanges } from '../helpers/netpol/cluster.ts';
import { createFleet, deleteFleet, fleetNamespaces, waitForFleet } from '../helpers/netpol/fleet.ts';
import { casesOf, caseOptionsOf, type NetpolMode, type NetpolPlan } from '../helpers/netpol/session.ts';

/**
 * The suite's flags, as the CLI passes them in SuiteOptions.flags (--network-policy,
 * --require-network-policy, --policy-timeout). helpers/check/suite.ts does not name them yet: read here, typed.
 */
export interface NetpolFlags {
  networkPolicy?: Exclude<NetpolMode, 'off'>;
  requireNetworkPolicy?: boolean;
  /** --policy-timeout: how long a case's change may take to be enforced. */
  policyTimeoutMs?: number;
}

export function netpolFlags(flags: SuiteOptions['flags']): NetpolFlags {
  return flags as NetpolFlags;
}

const SUITE = 'network-policy';

/** The rows' placeholder until the suite file runs them (never run by the generic runner). */
export const RUN_BY_SUITE_FILE = 'run by suites/network-policy.test.ts';

export default defineSuite<NetpolPlan>({
  name: SUITE,
  order: 90,
  must: 'pods are isolated exactly as their NetworkPolicies say, for every generated case, and the enforcer follows each change within a bound (opt-in: --network-policy core|full)',
  startsFirst: { rank: 1, why: 'its cases run one after another on a shared fleet (the full set takes minutes)' },

  async prepare({ kube, nodes, options }) {
    const flags = netpolFlags(options.flags);
    const mode: NetpolMode = flags.networkPolicy ?? 'off';
    const probed = nodes.filter((n) => !n.skipReason).map((n) => n.name);
    const plan: NetpolPlan = {
      mode,
      require: flags.requireNetworkPolicy ?? false,
      ...(flags.policyTimeoutMs !== undefined ? { enforceTimeoutMs: flags.policyTimeoutMs } : {}),
      runId: options.runId,
      image: options.image,
      ...(options.imagePullSecret ? { imagePullSecret: options.imagePullSecret } : {}),
      namespaces: fleetNamespaces(`netconform-${options.runId}`, options.runId),
      podCIDRs: [],
      cases: [],
      addedPodNode: probed.at(-1) ?? '',
      created: [],
    };
    if (mode === 'off') return plan;
    const podCIDRs = podRanges(nodes);
    const dns = await dnsTarget(kube);
    const withCluster = { ...plan, podCIDRs, ...(dns ? { dns } : {}) };
    // Placeholder addresses (one per family of the pod ranges): the case ids do not depend on them.
    const placeholder = (i: number) => podCIDRs.map((c) => (c.includes(':') ? `fd00::${i + 1}` : `10.0.0.${i + 1}`));
    const options0 = caseOptionsOf(withCluster);
    const pods = Object.fromEntries(['x', 'y', 'z'].flatMap((n, i) => ['a', 'b', 'c'].map((p, j) => [`${n}/${p}`, { ips: placeholder(i * 3 + j), node: probed[0] ?? '' }])));
    const cases = casesOf(withCluster, { ...options0, pods });
    return { ...withCluster, cases: cases.map((c) => ({ id: c.id, family: c.family, description: c.description, ...(c.ipFamily ? { ipFamily: c.ipFamily } : {}) })) };
  },

  async deploy({ kube, deployment, nodes, options }, plan) {
    if (plan.mode === 'off') return plan;
    const namespaces = fleetNamespaces(deployment.namespace, options.runId);
    const next = { ...plan, namespaces };
    try {
      await createFleet(kube, {
        namespaces,
        nodes: nodes.filter((n) => !n.skipReason).map((n) => n.name),
        runId: options.runId,
        image: options.image,
        ...(options.imagePullSecret ? { imagePullSecret: options.imagePullSecret } : {}),
        created: next.created,
      });
      return next;
    } catch (err) {
      return { ...next, problem: `the network-policy fleet could not be created: ${messageOf(err)}` };
    }
  },

  async settle({ kube, options, onTeardown }, plan) {
    if (plan.mode === 'off') return plan;
    // Deleted at teardown (also after a failed deploy; with --keep too: the fleet is the suite's own).
    if (plan.created.length) onTeardown(() => deleteFleet(kube, { namespaces: plan.created, timeoutMs: 60_000 }));
    if (plan.problem) return plan;
    try {
      const pods = await waitForFleet(kube, { namespaces: plan.namespaces, runId: options.runId, timeoutMs: options.readyTimeoutMs, signal: options.signal });
      const unready = pods.filter((p) => !p.ready);
      if (unready.length || pods.length < 9)
        return {
          ...plan,
          pods,
          problem: `network-policy probes not ready: ${unready.map((p) => `${p.namespace}/${p.name} on ${p.node || '?'}: ${p.problem}`).join('; ') || `${pods.length} of 9 exist`}`,
        };
      return { ...plan, pods };
    } catch (err) {
      return { ...plan, problem: `the network-policy fleet did not come up: ${messageOf(err)}` };
    }
  },

  checks(_topology, plan): Check[] {
    // No plan (a topology made without prepare) is off too.
    if (!plan || plan.mode === 'off') return [];
    return plan.cases.map((c): Check => ({
      kind: 'static',
      suite: SUITE,
      title: c.id,
      status: plan.problem ? 'not-run' : 'fact',
      holds: false,
      reason: plan.problem ?? RUN_BY_SUITE_FILE,
      properties: { case: c.id, family: c.family, description: c.description, ...(c.ipFamily ? { ipFamily: c.ipFamily } : {}) },
    }));
  },

  describe: (plan) =>
    !plan || plan.mode === 'off'
      ? 'off (--network-policy core|full to run it)'
      : `${plan.mode}: ${plan.cases.length} cases in ${Object.values(plan.namespaces).join(', ')}${plan.podCIDRs.length ? `; pod ranges ${plan.podCIDRs.join(', ')}` : ''}${plan.dns ? `; DNS ${plan.dns && 'pods' in plan.dns ? plan.dns.pods.length : 0} pods` : ''}${plan.problem ? ` — ${plan.problem}` : ''}`,
});
