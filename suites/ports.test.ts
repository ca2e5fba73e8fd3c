// ports — MUST: the ports the cluster needs are open between the right nodes, and the ones that
// must be closed are not reachable.
// A port profile (--profile: kubeadm by default, seed-2017, or a YAML file) says, per rule, which
// node role reaches which role on which port/protocol, open or closed; rules for CNI add-ons
// apply to the add-ons detected in the cluster, and `apiserver` is the port of the kubernetes
// endpoints. Each row runs from the host-network probe on the source node to the target node's
// address (`agnhost connect` through exec). An open port with nothing listening gets a temporary
// listener so the verdict proves the firewall, VXLAN's kernel-owned port is judged from pod
// traffic, ranges are sampled at both ends and one port inside; each row says how its verdict
// was obtained (properties verdictSource, sample).
import { describe, test } from 'vitest';
import { NO_CHECKS_TITLE } from '../helpers/cli/suites.ts';
import { ControlClient } from '../helpers/http.ts';
import { Kube, loadKubeConfig } from '../helpers/kube.ts';
import { runPortsCheck } from '../helpers/ports-check/check.ts';
import { portsRows, type PortsStaticRow } from '../helpers/ports-check/rows.ts';
import type { CheckResult } from '../helpers/results.ts';
import { select } from '../helpers/rows.ts';
import { controlTransport, countApiRequests, planFromSetup } from './check-rows.ts';

const plan = planFromSetup();
const rows = select(portsRows(plan.topology.portsPlan, plan.topology.probes, plan.topology.nodes, { short: plan.selection.short }), plan.selection);

let clients: Promise<{ kube: Kube; control: ControlClient }> | undefined;
let made: { kube: Kube; control: ControlClient } | undefined;
/** One API client (exec, listeners) and one pod-proxy client per worker, built lazily. */
function apiClients() {
  clients ??= (async () => {
    const kube = new Kube(loadKubeConfig(plan.kube));
    return (made = { kube, control: new ControlClient(await controlTransport(plan), { concurrency: plan.concurrency }) });
  })();
  return clients;
}
countApiRequests(() => (made ? made.kube.requests + made.control.requests : 0));

function staticResult(row: PortsStaticRow): CheckResult {
  return {
    suite: 'ports', name: row.title,
    from: { node: row.node ?? '', ip: '', kind: 'host' }, to: { node: '', ip: '', kind: 'host' },
    port: 0, protocol: 'tcp', expect: 'REACHABLE', observed: 'NOT_RUN',
    outcome: row.kind === 'skip' ? 'skipped' : 'error', detail: row.reason, reason: row.reason, attempts: 0, latencyMs: 0,
  };
}

describe('ports', () => {
  if (rows.length === 0) {
    test.skip(NO_CHECKS_TITLE, () => undefined);
    return;
  }
  // A plain loop, as in check-rows.ts: test.for's "$title" formatting quotes and truncates.
  for (const row of rows) test.concurrent(row.title, async ({ task, skip }) => {
    const result = row.kind === 'port'
      ? await runPortsCheck(row, { ...(await apiClients()), topology: plan.topology, attempts: plan.attempts })
      : staticResult(row);
    task.meta.result = result;
    if (result.outcome === 'skipped') skip(result.reason);
    if (result.outcome === 'error') throw new Error(result.reason ?? result.detail);
    if (result.outcome === 'failed') throw new Error(result.detail);
  });
});
