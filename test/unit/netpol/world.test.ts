// Changes over time as data: the world after each action, and the way back to the base.
import { describe, expect, test } from 'vitest';
import { applyActions, undoActions } from '../../../helpers/netpol/world.ts';
import { netpol, pod, world } from './fixtures.ts';

describe('actions', () => {
  test('apply of an existing namespace/name replaces the policy (an update), delete removes it', () => {
    const v1 = netpol('x/p', { podSelector: {} });
    const v2 = netpol('x/p', { podSelector: { matchLabels: { pod: 'a' } } });
    const w = applyActions(world(), [
      { kind: 'apply', policy: v1 },
      { kind: 'apply', policy: v2 },
    ]);
    expect(w.policies).toEqual([v2]);
    expect(applyActions(w, [{ kind: 'delete-policy', namespace: 'x', name: 'p' }]).policies).toEqual([]);
  });

  test('label patches set and remove (null) labels on pods and namespaces', () => {
    const w = applyActions(world(), [
      { kind: 'label-pod', namespace: 'y', pod: 'b', labels: { tier: null, team: 'blue' } },
      { kind: 'label-namespace', namespace: 'x', labels: { team: 'red' } },
    ]);
    expect(w.pods.find((p) => p.namespace === 'y' && p.name === 'b')!.labels).toEqual({ pod: 'b', team: 'blue' });
    expect(w.namespaces[0]!.labels).toMatchObject({ ns: 'x', team: 'red' });
  });

  test('actions on things that do not exist are errors', () => {
    expect(() => applyActions(world(), [{ kind: 'delete-policy', namespace: 'x', name: 'nope' }])).toThrow(/does not exist/);
    expect(() => applyActions(world(), [{ kind: 'label-pod', namespace: 'x', pod: 'nope', labels: {} }])).toThrow(/does not exist/);
    expect(() => applyActions(world(), [{ kind: 'add-pod', pod: pod('x/a', {}) }])).toThrow(/added twice/);
    expect(() => applyActions(world(), [{ kind: 'add-pod', pod: pod('q/a', {}) }])).toThrow(/namespace q/);
  });

  test('undo brings the base back: policies deleted or restored, labels restored, added pods deleted', () => {
    const base = world([netpol('x/keep', { podSelector: {} })]);
    const after = applyActions(base, [
      { kind: 'apply', policy: netpol('x/new', { podSelector: {} }) },
      { kind: 'apply', policy: netpol('x/keep', { podSelector: { matchLabels: { pod: 'b' } } }) },
      { kind: 'label-pod', namespace: 'y', pod: 'b', labels: { tier: null, team: 'blue' } },
      { kind: 'label-namespace', namespace: 'y', labels: { env: null } },
      { kind: 'add-pod', pod: pod('x/d', { pod: 'd' }) },
    ]);
    const undo = undoActions(base, after);
    expect(undo.map((a) => a.kind)).toEqual(['apply', 'delete-policy', 'label-pod', 'delete-pod', 'label-namespace']);
    expect(undo[2]).toEqual({ kind: 'label-pod', namespace: 'y', pod: 'b', labels: { team: null, tier: 'db' } });
    expect(applyActions(after, undo)).toEqual(base);
  });
});
