// What runs leave in the cluster, and `cleanup`: every object of a run carries its run label; a
// run holds a heartbeat Lease while it goes (heartbeat.ts). `cleanup` removes only the runs that
// have ended (Lease released or expired; no Lease and older than NO_LEASE_MARGIN_MS), names the
// live ones it left, and `--force` removes those too. Also: earlier runs' namespaces stuck
// terminating (a warning at the start of a run).
import type { Kube, LeaseInfo, Namespace } from '../kube/index.ts';
import { waitFor } from '../probes/deploy.ts';
import { MANAGED_BY, RUN_LABEL } from '../probes/manifests.ts';
import { leaseName } from './heartbeat.ts';

/** Earlier runs' namespaces terminating for longer than this are stuck (an empty one goes in ~5 s). */
const STUCK_NAMESPACE_MS = 60_000;

/** Earlier runs' namespaces that have been terminating too long, as warnings; nothing when they cannot be listed. */
export async function stuckNamespaces(kube: Kube, now = Date.now()): Promise<string[]> {
  const managed = Object.entries(MANAGED_BY)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const namespaces = await kube.listNamespaces(`${managed},${RUN_LABEL}`).catch(() => []);
  return namespaces.flatMap((ns) => {
    const since = ns.metadata?.deletionTimestamp ? new Date(ns.metadata.deletionTimestamp).getTime() : undefined;
    if (since === undefined || now - since < STUCK_NAMESPACE_MS) return [];
    const conditions = (ns.status?.conditions ?? []).filter((c) => c.status === 'True' && c.message).map((c) => c.message);
    return [
      `namespace ${ns.metadata?.name} of an earlier run has been terminating for ${Math.round((now - since) / 1000)} s${conditions.length ? ` (${conditions.join('; ')})` : ''}: something in it holds a finalizer; see kubectl get all -n ${ns.metadata?.name}`,
    ];
  });
}

/**
 * A run that has no Lease is taken as live until it is this old. Every run makes its Lease right
 * after its namespace, so only a run killed in that instant, or one made by a version without
 * heartbeats, has none; a default run on a few nodes takes well under a minute, a 100-node one a
 * few. Older than this, its objects are leftovers.
 */
export const NO_LEASE_MARGIN_MS = 10 * 60_000;

/** One run as `cleanup` finds it: everything carrying its run label. */
export interface RunFound {
  runId: string;
  /** Namespaces the run created (they carry its label): deleted whole. */
  namespaces: string[];
  /** Namespaces it did not create (--namespace) that hold its labelled objects: those objects are deleted. */
  within: string[];
  /** The earliest creation time of anything it made. */
  createdAt?: Date;
  lease?: LeaseInfo;
}

const seconds = (ms: number) => `${Math.max(0, Math.round(ms / 1000))} s`;

/** Whether a run is live, from its heartbeat (or, without one, its age), and why. Pure. */
export function liveness(run: RunFound, now: Date, marginMs = NO_LEASE_MARGIN_MS): { live: boolean; why: string } {
  const lease = run.lease;
  if (lease) {
    if (!lease.holder) return { live: false, why: 'it ended and released its heartbeat Lease (kept with --keep)' };
    const renewed = (lease.renewTime ?? lease.createdAt ?? new Date(0)).getTime();
    const expires = renewed + (lease.durationS ?? 0) * 1000;
    return now.getTime() < expires
      ? { live: true, why: `its heartbeat Lease was renewed ${seconds(now.getTime() - renewed)} ago (${lease.holder})` }
      : { live: false, why: `its heartbeat Lease expired ${seconds(now.getTime() - expires)} ago (last held by ${lease.holder})` };
  }
  const age = run.createdAt ? now.getTime() - run.createdAt.getTime() : Infinity;
  return age < marginMs
    ? { live: true, why: `it has no heartbeat Lease and is only ${seconds(age)} old: it may be starting, or be made by a version without heartbeats (removed once ${seconds(marginMs)} old)` }
    : { live: false, why: `it has no heartbeat Lease and is ${Number.isFinite(age) ? `${seconds(age)} old` : 'of unknown age'}` };
}

/** Group what carries the run label into runs. Pure. */
export function groupRuns(found: { namespaces: Namespace[]; objects: { namespace?: string; labels?: Record<string, string>; createdAt?: Date }[]; leases: LeaseInfo[] }): RunFound[] {
  const runs = new Map<string, RunFound>();
  const runOf = (id: string) => runs.get(id) ?? runs.set(id, { runId: id, namespaces: [], within: [] }).get(id)!;
  const seen = (run: RunFound, at?: Date) => {
    if (at && (!run.createdAt || at < run.createdAt)) run.createdAt = at;
  };
  for (const ns of found.namespaces) {
    const id = ns.metadata?.labels?.[RUN_LABEL];
    if (!id) continue;
    const run = runOf(id);
    run.namespaces.push(ns.metadata!.name!);
    seen(run, ns.metadata?.creationTimestamp ? new Date(ns.metadata.creationTimestamp) : undefined);
  }
  for (const o of [...found.objects, ...found.leases]) {
    const id = o.labels?.[RUN_LABEL];
    if (!id || !o.namespace) continue;
    const run = runOf(id);
    if (!run.namespaces.includes(o.namespace) && !run.within.includes(o.namespace)) run.within.push(o.namespace);
    seen(run, o.createdAt);
  }
  for (const l of found.leases) {
    const id = l.labels[RUN_LABEL];
    if (id && l.name === leaseName(id)) runOf(id).lease = l;
  }
  return [...runs.values()].sort((a, b) => a.runId.localeCompare(b.runId));
}

/**
 * Delete a run's labelled objects in a namespace it did not create: pods, Services (by label:
 * also one whose create timed out on the client) and its Lease. Waits until no pod is left.
 */
export async function deleteRunObjects(kube: Kube, options: { namespace: string; runId: string; timeoutMs: number; podGraceSeconds?: number; services?: string[] }): Promise<void> {
  const { namespace } = options;
  const selector = `${RUN_LABEL}=${options.runId}`;
  await Promise.all([
    kube.deletePods(namespace, selector, options.podGraceSeconds === undefined ? {} : { gracePeriodSeconds: options.podGraceSeconds }),
    kube.deleteServices(namespace, selector),
    ...(options.services ?? []).map((name) => kube.deleteService(namespace, name)),
    kube.deleteLeases(namespace, selector),
  ]);
  await waitFor(
    async () => {
      const [pods, services, leases] = await Promise.all([kube.listPods(namespace, selector), kube.listServices(namespace, selector), kube.listLeases(namespace, selector)]);
      return pods.length + services.length + leases.length === 0 ? true : undefined;
    },
    { timeoutMs: options.timeoutMs, intervalMs: 100, what: `the pods, Services and Lease of run ${options.runId} in namespace ${namespace} to be deleted` },
  );
}

/**
 * `cleanup`: the leftovers of runs that have ended, found by label (only in `namespace` when
 * given). A live run — its heartbeat Lease held and renewed within its duration, or without a
 * Lease younger than NO_LEASE_MARGIN_MS — is left alone and named, unless `force`.
 */
export async function cleanupLeftovers(
  kube: Kube,
  options: { timeoutMs: number; namespace?: string; force?: boolean; now?: Date; onProgress?: (m: string) => void },
): Promise<{ removed: RunFound[]; left: { run: RunFound; why: string }[] }> {
  const managed = Object.entries(MANAGED_BY)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const withRun = `${managed},${RUN_LABEL}`;
  const inScope = (ns: string | undefined) => !options.namespace || ns === options.namespace;
  // With -n only that namespace is read (a namespaced identity may not list namespaces); it counts as the run's own when it carries a run label.
  const scoped = options.namespace
    ? kube.readNamespace(options.namespace).then((n) => (n?.metadata?.labels?.[RUN_LABEL] && Object.entries(MANAGED_BY).every(([k, v]) => n.metadata?.labels?.[k] === v) ? [n] : []))
    : kube.listNamespaces(withRun);
  const [namespaces, pods, services, leases] = await Promise.all([
    scoped.then((l) => l.filter((n) => inScope(n.metadata?.name))),
    options.namespace ? kube.listPods(options.namespace, withRun) : kube.listPodsAllNamespaces(withRun),
    options.namespace ? kube.listServices(options.namespace, withRun) : kube.listServicesAllNamespaces(withRun),
    kube.listLeases(options.namespace, withRun),
  ]);
  const objects = [...pods, ...services].map((o) => ({
    namespace: o.metadata?.namespace,
    labels: o.metadata?.labels,
    createdAt: o.metadata?.creationTimestamp ? new Date(o.metadata.creationTimestamp) : undefined,
  }));
  const runs = groupRuns({ namespaces, objects, leases });
  const now = options.now ?? new Date();
  const removed: RunFound[] = [];
  const left: { run: RunFound; why: string }[] = [];
  for (const run of runs) {
    const { live, why } = liveness(run, now);
    if (live && !options.force) {
      left.push({ run, why });
      continue;
    }
    options.onProgress?.(
      `removing run ${run.runId} (${[...run.namespaces.map((n) => `namespace ${n}`), ...run.within.map((n) => `its objects in ${n}`)].join(', ')}): ${live ? `--force (${why})` : why}`,
    );
    removed.push(run);
  }
  await Promise.all(
    removed.flatMap((run) => [
      ...run.namespaces.map((ns) => kube.deleteNamespace(ns)),
      ...run.within.map((ns) => deleteRunObjects(kube, { namespace: ns, runId: run.runId, timeoutMs: options.timeoutMs })),
    ]),
  );
  const gone = removed.flatMap((r) => r.namespaces);
  const listed = async () => (options.namespace ? [await kube.readNamespace(options.namespace)].filter((n) => n !== undefined) : await kube.listNamespaces(withRun));
  if (gone.length)
    await waitFor(async () => ((await listed()).some((n) => gone.includes(n.metadata!.name!)) ? undefined : true), {
      timeoutMs: options.timeoutMs,
      what: `namespaces ${gone.join(', ')} to be deleted`,
    });
  return { removed, left };
}
