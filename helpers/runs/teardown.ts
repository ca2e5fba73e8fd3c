// Delete what a run made, and wait until it is gone (STYLE.md §7: only what this run made).
// Everything goes by the run's label as well as by the names recorded at creation: an object
// whose create timed out on the client but succeeded on the server carries the label too, and
// so do namespaces a suite made for itself (the network-policy fleet's) even when the suite
// never got to register their teardown.
import type { Kube, Pod } from '../kube/index.ts';
import { waitFor, type Deployment } from '../probes/deploy.ts';
import { RUN_LABEL } from '../probes/manifests.ts';
import { deleteRunObjects } from './leftovers.ts';

/** How often teardown looks whether what it deleted is gone (a read per look; cleanup is on the run's wall time). */
const GONE_POLL_MS = 100;
/**
 * The probes are deleted gracefully (their own 1 s termination grace), not forced: a pod object
 * is then gone only once its node has stopped its containers, so "gone" means gone from the
 * nodes too (a forced delete leaves the containers running for a moment, holding the host
 * probes' ports against the next run's).
 */
const POD_DELETE_GRACE_S = 1;

/**
 * A pod the run deleted that its node has stopped: the kubelet reports a terminal phase for a
 * deleted pod only after it stopped the pod's containers and its sandbox (network namespace
 * included). Nothing of it runs any more; the pod object goes a moment later (~0.7 s on the lab,
 * after the kubelet's volume and cgroup clean-up and its final status sync).
 */
export function stoppedOnItsNode(pod: Pod): boolean {
  return Boolean(pod.metadata?.deletionTimestamp) && (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed');
}

/**
 * A namespace we created is deleted, and its pods and Services explicitly with it, in parallel;
 * the run waits until no Service is left in it, every pod in it is gone or stopped on its node
 * (stoppedOnItsNode: nothing of the run runs any more), and it is terminating. It does not wait
 * for those pod objects, nor for the namespace object itself: their kubelets remove the pods
 * within a second, the namespace controller removes the emptied terminating namespace after a
 * fixed 5 s, and nothing can be created in it meanwhile. In a namespace we did not create,
 * only our pods, Services and Lease go (by label, and the Services by name too), and the run
 * waits until they are gone: the namespace stays the user's, empty as it was. Any other
 * namespace carrying the run's label (made by a suite for itself) is deleted.
 */
export async function teardown(kube: Kube, deployment: Deployment, options: { timeoutMs: number }): Promise<void> {
  const { namespace, runId } = deployment;
  const selector = `${RUN_LABEL}=${runId}`;
  // Unreadable (no right to list namespaces): then the run could not have made any either.
  const others = (await kube.listNamespaces(selector).catch(() => [])).map((n) => n.metadata!.name!).filter((n) => n !== namespace);
  const deleteOthers = Promise.all(others.map((n) => kube.deleteNamespace(n)));
  if (!deployment.createdNamespace) {
    await Promise.all([deleteRunObjects(kube, { namespace, runId, timeoutMs: options.timeoutMs, podGraceSeconds: POD_DELETE_GRACE_S, services: deployment.createdServices }), deleteOthers]);
    return;
  }
  // Each pod the run recorded by name, all at once: the API server works through a delete
  // collection one object after another (~0.6 s for a 3-node run's pods on the lab), and the
  // cleanup ends with the last pod stopped. The collection by label still catches any pod not
  // recorded (a create that timed out on the client but succeeded on the server).
  const deleteContent = () =>
    Promise.all([
      ...deployment.createdPods.map((name) => kube.deletePod(namespace, name, { gracePeriodSeconds: POD_DELETE_GRACE_S })),
      kube.deletePods(namespace, selector, { gracePeriodSeconds: POD_DELETE_GRACE_S }),
      kube.deleteServices(namespace, selector),
      ...deployment.createdServices.map((name) => kube.deleteService(namespace, name)),
    ]);
  // A failure of our own deletes is not fatal: the namespace's deletion deletes the rest, and we wait for that.
  await Promise.all([deleteContent().catch(() => undefined), kube.deleteNamespace(namespace), deleteOthers]);
  await waitFor(
    async () => {
      const [ns, pods, services] = await Promise.all([kube.readNamespace(namespace), kube.listPods(namespace), kube.listServices(namespace)]);
      if (!ns) return true;
      return ns.metadata?.deletionTimestamp && pods.every(stoppedOnItsNode) && services.length === 0 ? true : undefined;
    },
    { timeoutMs: options.timeoutMs, intervalMs: GONE_POLL_MS, what: `namespace ${namespace} to be terminating, with no Service left in it and every pod in it stopped on its node` },
  );
}
