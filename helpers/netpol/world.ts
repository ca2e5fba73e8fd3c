// Changes over time, as data: the actions a case's steps are made of, and the world after them.
// Pure: a runner performs the same actions against the API server; the model replays them here to
// know what each step should look like. `apply` of a policy whose namespace/name exists replaces
// it (an update), as `kubectl apply` would.
import type { NetworkPolicy, Pod, World } from './types.ts';
import { podKey } from './types.ts';

/** A label change: a value sets the label, null removes it. */
export type LabelPatch = Record<string, string | null>;

export type Action =
  | { kind: 'apply'; policy: NetworkPolicy }
  | { kind: 'delete-policy'; namespace: string; name: string }
  | { kind: 'label-pod'; namespace: string; pod: string; labels: LabelPatch }
  | { kind: 'label-namespace'; namespace: string; labels: LabelPatch }
  | { kind: 'add-pod'; pod: Pod }
  | { kind: 'delete-pod'; namespace: string; pod: string };

export function applyActions(world: World, actions: readonly Action[]): World {
  return actions.reduce(applyAction, world);
}

function applyAction(world: World, action: Action): World {
  switch (action.kind) {
    case 'apply': {
      const same = (p: NetworkPolicy) => p.metadata.namespace === action.policy.metadata.namespace && p.metadata.name === action.policy.metadata.name;
      const known = world.policies.some(same);
      return { ...world, policies: known ? world.policies.map((p) => (same(p) ? action.policy : p)) : [...world.policies, action.policy] };
    }
    case 'delete-policy': {
      const policies = world.policies.filter((p) => !(p.metadata.namespace === action.namespace && p.metadata.name === action.name));
      if (policies.length === world.policies.length) throw new Error(`delete of policy ${action.namespace}/${action.name}, which does not exist`);
      return { ...world, policies };
    }
    case 'label-pod': {
      const key = `${action.namespace}/${action.pod}`;
      if (!world.pods.some((p) => podKey(p) === key)) throw new Error(`relabel of pod ${key}, which does not exist`);
      return { ...world, pods: world.pods.map((p) => (podKey(p) === key ? { ...p, labels: patched(p.labels, action.labels) } : p)) };
    }
    case 'label-namespace': {
      if (!world.namespaces.some((n) => n.name === action.namespace)) throw new Error(`relabel of namespace ${action.namespace}, which does not exist`);
      return { ...world, namespaces: world.namespaces.map((n) => (n.name === action.namespace ? { ...n, labels: patched(n.labels, action.labels) } : n)) };
    }
    case 'add-pod': {
      if (!world.namespaces.some((n) => n.name === action.pod.namespace)) throw new Error(`pod ${podKey(action.pod)} added to namespace ${action.pod.namespace}, which does not exist`);
      if (world.pods.some((p) => podKey(p) === podKey(action.pod))) throw new Error(`pod ${podKey(action.pod)} added twice`);
      return { ...world, pods: [...world.pods, action.pod] };
    }
    case 'delete-pod': {
      const key = `${action.namespace}/${action.pod}`;
      const pods = world.pods.filter((p) => podKey(p) !== key);
      if (pods.length === world.pods.length) throw new Error(`delete of pod ${key}, which does not exist`);
      return { ...world, pods };
    }
  }
}

function patched(labels: Readonly<Record<string, string>>, patch: LabelPatch): Record<string, string> {
  const next = { ...labels };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete next[k];
    else next[k] = v;
  }
  return next;
}

/**
 * The actions that bring `world` back to `base`: delete the policies the case made, put labels back,
 * delete pods it added. What a runner does after a case, so the next one starts from the base world.
 */
export function undoActions(base: World, world: World): Action[] {
  const undo: Action[] = [];
  const key = (p: NetworkPolicy) => `${p.metadata.namespace}/${p.metadata.name}`;
  for (const p of world.policies) {
    const original = base.policies.find((b) => key(b) === key(p));
    if (!original) undo.push({ kind: 'delete-policy', namespace: p.metadata.namespace, name: p.metadata.name });
    else if (JSON.stringify(original) !== JSON.stringify(p)) undo.push({ kind: 'apply', policy: original });
  }
  for (const b of base.policies) if (!world.policies.some((p) => key(p) === key(b))) undo.push({ kind: 'apply', policy: b });
  for (const p of world.pods) {
    const original = base.pods.find((b) => podKey(b) === podKey(p));
    if (!original) undo.push({ kind: 'delete-pod', namespace: p.namespace, pod: p.name });
    else if (!sameLabels(original.labels, p.labels)) undo.push({ kind: 'label-pod', namespace: p.namespace, pod: p.name, labels: restore(original.labels, p.labels) });
  }
  for (const n of world.namespaces) {
    const original = base.namespaces.find((b) => b.name === n.name);
    if (original && !sameLabels(original.labels, n.labels)) undo.push({ kind: 'label-namespace', namespace: n.name, labels: restore(original.labels, n.labels) });
  }
  return undo;
}

function sameLabels(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((k) => a[k] === b[k]);
}

function restore(original: Readonly<Record<string, string>>, now: Readonly<Record<string, string>>): LabelPatch {
  const patch: LabelPatch = {};
  for (const k of Object.keys(now)) if (!(k in original)) patch[k] = null;
  for (const [k, v] of Object.entries(original)) if (now[k] !== v) patch[k] = v;
  return patch;
}
