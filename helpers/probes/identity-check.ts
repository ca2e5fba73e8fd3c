// After the checks: read the run's probes and the nodes again and turn rows that depended on a
// changed probe or node into errors naming the change (probes/identity.ts holds the logic).
import type { CheckResult } from '../check/types.ts';
import { messageOf } from '../errors.ts';
import { applyChanges, nodeChanges, probeChanges, type Change } from './identity.ts';
import type { Kube } from '../kube/index.ts';
import { COMPONENT_LABEL, PROBE_COMPONENTS, RUN_LABEL } from './manifests.ts';
import type { Topology } from '../topology.ts';

export async function recheckIdentity(kube: Kube, topology: Topology, results: CheckResult[], options: { from: string; onProgress?: (m: string) => void }): Promise<CheckResult[]> {
  let changes: Change[];
  try {
    const [pods, nodes] = await Promise.all([kube.listPods(topology.namespace, `${RUN_LABEL}=${topology.runId},${COMPONENT_LABEL} in (${PROBE_COMPONENTS.join(',')})`), kube.listNodes()]);
    const window = { from: options.from, to: new Date().toISOString() };
    changes = [...probeChanges(topology.probes, pods, window), ...nodeChanges(topology.nodes, nodes, window)];
  } catch (err) {
    options.onProgress?.(`warning: could not read the probes again after the checks (${messageOf(err)}); failures are reported as seen`);
    return results;
  }
  for (const c of changes) options.onProgress?.(`warning: ${c.text}; rows that depend on it are errors, not network verdicts`);
  return applyChanges(results, changes, topology.probes);
}
