// The suite worker's side of the network-policy suite: from the plan the CLI handed over (the
// fleet's pods and addresses, DNS, pod ranges) to a ready case context — the cases generated with
// the real addresses, the API writes through the kube seam, one exec stream per fleet pod — and a
// canary run once, before the first case.
import type { Kube } from '../kube/index.ts';
import type { ControlClient } from '../http.ts';
import { ProbeStreams } from '../probes/stream.ts';
import { runLabels } from '../probes/manifests.ts';
import { caseWorld, NAMESPACES, PODS, type CaseOptions, type DnsTarget } from './case-world.ts';
import { generateCases, type NetpolCase } from './cases.ts';
import { runCanary, type CanaryResult } from './canary.ts';
import { addFleetPod, answerName, removeFleetPod, type FleetNamespaces, type FleetPod } from './fleet.ts';
import type { Prober } from './observe.ts';
import type { CaseContext, NetpolApi } from './runner.ts';
import type { Family } from './types.ts';

export type NetpolMode = 'off' | 'core' | 'full';

/** The module's plan: made by prepare (read-only, also for `list`), completed by deploy and settle. */
export interface NetpolPlan {
  mode: NetpolMode;
  /** --require-network-policy: no enforcement fails every row instead of skipping it. */
  require: boolean;
  /** --policy-timeout: how long a step's changed cells may take to show (unset: ENFORCE_TIMEOUT_MS). */
  enforceTimeoutMs?: number;
  runId: string;
  image: string;
  imagePullSecret?: string;
  namespaces: FleetNamespaces;
  podCIDRs: string[];
  dns?: DnsTarget;
  /** The rows: one per case, as prepare generated them (ids do not depend on addresses). */
  cases: { id: string; family: string; description: string; ipFamily?: Family }[];
  /** Where a case's added pod d runs. */
  addedPodNode: string;
  /** Namespaces deploy created (teardown deletes them). */
  created: string[];
  /** The fleet after settle. */
  pods?: FleetPod[];
  /** Why the fleet could not be used: every row is not-run with this. */
  problem?: string;
}

/** How long a step's changed cells may take to show, and a case's teardown to be undone. */
export const ENFORCE_TIMEOUT_MS = 20_000;

export function caseOptionsOf(plan: NetpolPlan): CaseOptions {
  const pods: NonNullable<CaseOptions['pods']> = {};
  for (const n of NAMESPACES)
    for (const p of PODS) {
      const found = plan.pods?.find((f) => f.namespace === plan.namespaces[n] && f.name === p);
      if (found) pods[`${n}/${p}`] = { ips: found.ips, node: found.node };
    }
  return {
    namespaces: plan.namespaces,
    pods,
    ...(plan.podCIDRs.length ? { podCIDRs: plan.podCIDRs } : {}),
    ...(plan.dns ? { dns: plan.dns } : {}),
    addedPod: { ips: [], node: plan.addedPodNode },
  };
}

/** The cases of the plan's mode, by id. */
export function casesOf(plan: NetpolPlan, options: CaseOptions = caseOptionsOf(plan)): NetpolCase[] {
  const all = generateCases(options);
  return plan.mode === 'core' ? all.filter((c) => c.core) : plan.mode === 'full' ? all : [];
}

export function kubeApi(kube: Kube, plan: NetpolPlan): NetpolApi {
  const withLabels = <T extends { metadata: { labels?: Record<string, string> } }>(p: T): T => ({ ...p, metadata: { ...p.metadata, labels: { ...p.metadata.labels, ...runLabels(plan.runId) } } });
  return {
    async applyPolicy(policy, { exists }) {
      const body = withLabels(policy) as unknown as Parameters<Kube['createNetworkPolicy']>[1];
      if (exists) await kube.replaceNetworkPolicy(policy.metadata.namespace, body);
      else await kube.createNetworkPolicy(policy.metadata.namespace, body);
    },
    deletePolicy: async (namespace, name) => void (await kube.deleteNetworkPolicy(namespace, name)),
    labelPod: async (namespace, pod, labels) => void (await kube.patchPodLabels(namespace, pod, labels)),
    labelNamespace: async (namespace, labels) => void (await kube.patchNamespaceLabels(namespace, labels)),
    async addPod(pod) {
      const made = await addFleetPod(kube, {
        namespaces: plan.namespaces,
        namespace: pod.namespace,
        name: pod.name,
        labels: pod.labels,
        node: pod.node || plan.addedPodNode,
        runId: plan.runId,
        image: plan.image,
        ...(plan.imagePullSecret ? { imagePullSecret: plan.imagePullSecret } : {}),
        timeoutMs: 60_000,
      });
      return { ips: made.ips, node: made.node };
    },
    deletePod: (namespace, name) => removeFleetPod(kube, { namespace, name, timeoutMs: 30_000 }),
  };
}

/** One ProbeStreams per namespace (a stream is per pod, opened on first use). */
export function streamsProber(control: ControlClient): Prober & { close(): void; opened(): number } {
  const byNamespace = new Map<string, ProbeStreams>();
  const of = (namespace: string) => {
    let s = byNamespace.get(namespace);
    if (!s) byNamespace.set(namespace, (s = new ProbeStreams(control, namespace)));
    return s;
  };
  return {
    run: (namespace, pod, command, options) => of(namespace).run(pod, command, options),
    close: () => byNamespace.forEach((s) => s.close()),
    opened: () => [...byNamespace.values()].reduce((n, s) => n + s.streamsOpened(), 0),
  };
}

export interface NetpolSession {
  ctx: CaseContext;
  cases: Map<string, NetpolCase>;
  /** Run once, on first call. */
  canary(): Promise<CanaryResult>;
}

export function openSession(plan: NetpolPlan, deps: { api: NetpolApi; prober: Prober; enforceTimeoutMs?: number }): NetpolSession {
  const options = caseOptionsOf(plan);
  const ctx: CaseContext = {
    api: deps.api,
    prober: deps.prober,
    options,
    base: caseWorld(options),
    answerName: (namespace, pod) => answerName(plan.namespaces, namespace, pod),
    enforceTimeoutMs: deps.enforceTimeoutMs ?? ENFORCE_TIMEOUT_MS,
  };
  let canary: Promise<CanaryResult> | undefined;
  return { ctx, cases: new Map(casesOf(plan, options).map((c) => [c.id, c])), canary: () => (canary ??= runCanary(ctx)) };
}
