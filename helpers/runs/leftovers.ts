// What earlier runs left in the cluster: namespaces stuck terminating (a warning at the start of
// a run). Reads only.
import type { Kube } from '../kube/index.ts';
import { MANAGED_BY, RUN_LABEL } from '../probes/manifests.ts';

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
