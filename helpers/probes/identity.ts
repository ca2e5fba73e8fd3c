// Probe identity is checked, not assumed. Each probe's UID, node, IP and restart count are
// recorded at setup (topology.probes); after the checks the run reads them again, and the nodes.
// A row that did not pass and involves a probe that was deleted, replaced, restarted, moved or
// stopped being Ready during the run — or a node that became NotReady or was cordoned — becomes
// an error naming that change: pod churn (evictions, drains, someone deleting the namespace) is
// never reported as a network failure. Passed rows stay passed: what they proved still holds.
// A probe created and gone before the checks becomes a setup row (missingProbes). Pure.
import type { CheckResult, NetworkResult } from '../check/types.ts';
import type { Node, Pod } from '../kube/index.ts';
import { classifyNodes, isPodReady, restartsOf, type NodeInfo, type ProbePod, type ProbeRole } from '../topology.ts';

export interface ProbeChange {
  kind: 'probe';
  pod: string;
  node: string;
  change: 'deleted' | 'replaced' | 'restarted' | 'moved' | 'not ready';
  /** When it happened, as far as the API says (deletion/creation/termination time), ISO. */
  at?: string;
  text: string;
}

export interface NodeChange {
  kind: 'node';
  node: string;
  change: 'NotReady' | 'cordoned' | 'deleted';
  at?: string;
  text: string;
}

export type Change = ProbeChange | NodeChange;

export interface Window {
  /** When the checks started and when the identity was read again (ISO). */
  from: string;
  to: string;
}

const clock = (iso: string) => iso.replace(/^.*T(\d\d:\d\d:\d\d).*$/, '$1 UTC');
const atText = (at: string | undefined, w: Window) => (at ? `at ${clock(at)}` : `between ${clock(w.from)} and ${clock(w.to)}`);
const iso = (d: Date | string | undefined) => (d === undefined ? undefined : new Date(d).toISOString());

/** Probes the run created that the ready-wait never saw: deleted by someone else before the checks. */
export function missingProbes(found: readonly ProbePod[], expected: readonly { name: string; node: string; role: ProbeRole }[]): ProbePod[] {
  return expected
    .filter((e) => !found.some((p) => p.name === e.name))
    .map((e) => ({
      role: e.role,
      name: e.name,
      node: e.node,
      ip: '',
      ready: false,
      problem: 'the pod was created, then deleted by someone else before the checks (it is gone from the API)',
    }));
}

/** The probes as recorded at setup against the pods read after the checks. */
export function probeChanges(before: readonly ProbePod[], after: readonly Pod[], window: Window): ProbeChange[] {
  const changes: ProbeChange[] = [];
  for (const p of before) {
    if (!p.ready || !p.uid) continue;
    const pod = after.find((a) => a.metadata?.name === p.name);
    const change = (c: ProbeChange['change'], at: string | undefined, what: string): ProbeChange => ({
      kind: 'probe',
      pod: p.name,
      node: p.node,
      change: c,
      ...(at ? { at } : {}),
      text: `probe ${p.name} on ${p.node} ${what} during the run (${atText(at, window)})`,
    });
    if (!pod) {
      changes.push(change('deleted', undefined, 'was deleted'));
      continue;
    }
    if (pod.metadata?.deletionTimestamp) {
      changes.push(change('deleted', iso(pod.metadata.deletionTimestamp), 'was deleted'));
      continue;
    }
    if (pod.metadata?.uid !== p.uid) {
      changes.push(
        change('replaced', iso(pod.metadata?.creationTimestamp), `was deleted and replaced by another pod of the same name (uid ${p.uid.slice(0, 8)} → ${(pod.metadata?.uid ?? '?').slice(0, 8)})`),
      );
      continue;
    }
    const node = pod.spec?.nodeName;
    if (node && node !== p.node) {
      changes.push(change('moved', undefined, `moved to node ${node}`));
      continue;
    }
    const restarts = restartsOf(pod);
    if (restarts > (p.restarts ?? 0)) {
      const finished = pod.status?.containerStatuses?.map((c) => c.lastState?.terminated?.finishedAt).find(Boolean);
      const reason = pod.status?.containerStatuses?.map((c) => c.lastState?.terminated?.reason).find(Boolean);
      changes.push(change('restarted', iso(finished), `was restarted${reason ? ` (${reason})` : ''}, ${restarts - (p.restarts ?? 0)} time(s)`));
      continue;
    }
    if (pod.status?.podIP && p.ip && pod.status.podIP !== p.ip) {
      changes.push(change('replaced', undefined, `changed its IP from ${p.ip} to ${pod.status.podIP}`));
      continue;
    }
    if (!isPodReady(pod)) {
      const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
      changes.push(change('not ready', iso(ready?.lastTransitionTime), 'stopped being Ready'));
    }
  }
  return changes;
}

/** Probed nodes as classified at setup against the nodes read after the checks. */
export function nodeChanges(before: readonly NodeInfo[], after: readonly Node[], window: Window): NodeChange[] {
  const changes: NodeChange[] = [];
  for (const n of before) {
    if (n.skipReason) continue;
    const node = after.find((a) => a.metadata?.name === n.name);
    if (!node) {
      changes.push({ kind: 'node', node: n.name, change: 'deleted', text: `node ${n.name} was deleted during the run (${atText(undefined, window)})` });
      continue;
    }
    const now = classifyNodes([node])[0];
    if (!now?.skipReason) continue;
    const cordoned = Boolean(node.spec?.unschedulable);
    const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
    const at = cordoned ? undefined : iso(ready?.lastTransitionTime);
    changes.push({
      kind: 'node',
      node: n.name,
      change: cordoned ? 'cordoned' : 'NotReady',
      ...(at ? { at } : {}),
      text: `node ${n.name} became ${now.skipReason} during the run (${atText(at, window)})`,
    });
  }
  return changes;
}

/** The probe pods a row depends on: its two ends, the probe that drove it, a Service's backends, a round trip's pods. */
export function involvedPods(r: NetworkResult, probes: readonly ProbePod[]): string[] {
  const pods = [r.from.pod, r.to.pod, r.properties?.['control.pod']].filter((p): p is string => Boolean(p));
  if (r.to.kind === 'service' && r.properties?.['service'] !== 'kubernetes') pods.push(...probes.filter((p) => p.role !== 'host').map((p) => p.name));
  if (r.properties?.['via'] === 'round-trip') pods.push(...probes.filter((p) => p.role === 'probe-a' && (p.node === r.from.node || p.node === r.to.node)).map((p) => p.name));
  return [...new Set(pods)];
}

/** Rows that did not pass and depend on a changed probe or node become errors naming the change. */
export function applyChanges(results: readonly CheckResult[], changes: readonly Change[], probes: readonly ProbePod[]): CheckResult[] {
  if (changes.length === 0) return [...results];
  return results.map((r) => {
    if (r.kind !== 'network' || r.outcome === 'passed' || r.outcome === 'skipped') return r;
    const pods = involvedPods(r, probes);
    const nodes = [r.from.node, r.to.node].filter(Boolean);
    const change = changes.find((c) => (c.kind === 'probe' ? pods.includes(c.pod) : nodes.includes(c.node)));
    if (!change) return r;
    return {
      ...r,
      outcome: 'error' as const,
      observed: 'INCONCLUSIVE' as const,
      reason: change.text,
      detail: `${change.text}: not a network verdict; the check saw ${r.observed}: ${r.detail}`,
      properties: {
        ...r.properties,
        [change.kind === 'probe' ? 'probe.changed' : 'node.changed']: change.kind === 'probe' ? change.pod : change.node,
        'change.text': change.text,
        'observed.before.change': r.observed,
      },
    };
  });
}
