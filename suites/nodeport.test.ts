// nodeport — MUST: NodePorts answer an outside client on every node.
// The runner (where kube-netconform runs) dials every node's address (InternalIP, or
// --node-address-type) on NodePorts, TCP (HTTP to netexec) and UDP. externalTrafficPolicy
// Cluster: every node answers with the one backend's hostname, also nodes with no local backend;
// its NodePorts sit at both ends and the middle of the range. externalTrafficPolicy Local: the
// backend's node answers and the backend sees the runner's own address; every other node must
// not answer. If the runner reaches no node address at all, one row says so and the others are
// errors (this host is not an outside client of this cluster), never cluster failures.
import { describe, test } from 'vitest';
import { nodePortRows, type NodePortRow, type NodePortStaticRow } from '../helpers/nodeport/rows.ts';
import { runNodePortCheck, runnerReaches } from '../helpers/nodeport/probe.ts';
import type { CheckResult } from '../helpers/results.ts';
import { select } from '../helpers/rows.ts';
import { NO_CHECKS_TITLE } from '../helpers/cli/suites.ts';
import { planFromSetup } from './check-rows.ts';

const plan = planFromSetup();
const nodePort = plan.topology.nodePort;
const rows = select(nodePortRows(nodePort, plan.topology.nodes), plan.selection);
const checks = rows.filter((r): r is NodePortRow => r.kind === 'nodeport');
const TIMEOUT_MS = 3_000;
const REACH_TITLE = `runner reaches the node network (${nodePort?.addressType ?? 'InternalIP'} addresses)`;

function staticResult(row: Pick<NodePortStaticRow, 'title' | 'node' | 'reason'> & { kind: 'error' | 'skip' }, extra: Partial<CheckResult> = {}): CheckResult {
  return {
    suite: 'nodeport', name: row.title,
    from: { node: '', ip: '', kind: 'runner' }, to: { node: row.node ?? '', ip: '', kind: 'nodeport' },
    port: 0, protocol: 'tcp', expect: 'REACHABLE', observed: 'NOT_RUN',
    outcome: row.kind === 'skip' ? 'skipped' : 'error', detail: row.reason, reason: row.reason, attempts: 0, latencyMs: 0, ...extra,
  };
}

/** Asked once per run: can this host reach any node address (TCP answer or refusal on a NodePort or the kubelet port)? */
let reach: Promise<{ ok: boolean; detail: string }> | undefined;
function runnerReach(): Promise<{ ok: boolean; detail: string }> {
  reach ??= (async () => {
    const addresses = [...new Set(checks.map((r) => r.address))];
    const ports = [...new Set([checks[0]?.nodePort ?? 0, 10250].filter(Boolean))];
    const { reached, failures } = await runnerReaches({ addresses, ports, timeoutMs: TIMEOUT_MS });
    if (reached.length > 0) return { ok: true, detail: `reached ${reached.length} of ${addresses.length} node addresses` };
    const detail = `this host is not on the node network: none of the ${addresses.length} node ${nodePort?.addressType ?? 'InternalIP'} addresses (${addresses.join(', ')}) answered on TCP ${ports.join(' or ')} (${failures.slice(0, 3).join('; ')}). NodePorts are checked from where kube-netconform runs; run it from a host that is on the node network, or pass --node-address-type ExternalIP|InternalIP.`;
    process.stderr.write(`nodeport: ${detail}\n`);
    return { ok: false, detail };
  })();
  return reach;
}

describe('nodeport', () => {
  if (rows.length === 0) {
    test.skip(NO_CHECKS_TITLE, () => undefined);
    return;
  }
  if (checks.length > 0) {
    test(REACH_TITLE, async ({ task }) => {
      const { ok, detail } = await runnerReach();
      task.meta.result = ok
        ? { ...staticResult({ kind: 'error', title: REACH_TITLE, reason: '' }), observed: 'REACHABLE', outcome: 'passed', detail, reason: undefined, attempts: 1 }
        : staticResult({ kind: 'error', title: REACH_TITLE, reason: detail });
      if (!ok) throw new Error(detail);
    });
  }
  // A plain loop, as in check-rows.ts: test.for's "$title" formatting quotes and truncates.
  for (const row of rows) test.concurrent(row.title, async ({ task, skip }) => {
    let result: CheckResult;
    if (row.kind !== 'nodeport') result = staticResult(row);
    else if (!(await runnerReach()).ok) result = staticResult({ kind: 'error', title: row.title, node: row.node, reason: `not run: the runner cannot reach the node network (see "${REACH_TITLE}")` }, { to: { node: row.node, ip: row.address, kind: 'nodeport' }, port: row.nodePort, protocol: row.protocol, expect: row.expect, properties: { externalTrafficPolicy: row.policy, service: row.service } });
    else result = await runNodePortCheck(row, { attempts: plan.attempts, timeoutMs: TIMEOUT_MS });
    task.meta.result = result;
    if (result.outcome === 'skipped') skip(result.reason);
    if (result.outcome === 'error') throw new Error(result.reason ?? result.detail);
    if (result.outcome === 'failed') throw new Error(result.detail);
  });
});
