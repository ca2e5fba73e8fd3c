// A run exits once its pods and Services are gone and its namespace is terminating; the next
// run says so when an earlier run's namespace never went (a finalizer holds it).
import { expect, test } from 'vitest';
import type { Kube } from '../../helpers/kube/index.ts';
import { stuckNamespaces } from '../../helpers/runs/leftovers.ts';

const now = Date.parse('2026-12-01T12:00:00Z');
const ns = (name: string, deletedSecondsAgo?: number, message?: string) => ({
  metadata: { name, ...(deletedSecondsAgo === undefined ? {} : { deletionTimestamp: new Date(now - deletedSecondsAgo * 1000) }) },
  status: message ? { phase: 'Terminating', conditions: [{ type: 'NamespaceFinalizersRemaining', status: 'True', message }] } : {},
});
const kubeListing = (items: unknown[]) => ({ listNamespaces: async () => items }) as unknown as Kube;

test('only namespaces terminating for over a minute are stuck, with the reason the cluster gives', async () => {
  const warnings = await stuckNamespaces(
    kubeListing([ns('netconform-live'), ns('netconform-going', 4), ns('netconform-stuck', 600, 'Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances')]),
    now,
  );
  expect(warnings).toEqual([
    'namespace netconform-stuck of an earlier run has been terminating for 600 s (Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances): something in it holds a finalizer; see kubectl get all -n netconform-stuck',
  ]);
});

test('a cluster that does not let the run list namespaces gives no warning and no error', async () => {
  const kube = { listNamespaces: async () => Promise.reject(new Error('forbidden')) } as unknown as Kube;
  expect(await stuckNamespaces(kube, now)).toEqual([]);
});
