// One ports row: from the source node's host-network probe to the target node's address.
//   must be closed → connect as the cluster has it (verdict source `direct`).
//   must be open   → connect; connected = `existing-listener`; filtered = dropped (`direct`);
//                    refused = nothing listens: start a temporary listener on the target's host
//                    network and connect again (`temporary-listener`), or, if none could start,
//                    count the refusal as "packets arrive" (`no-listener`).
//   kernel-owned UDP (VXLAN) → judged from pod round trips across all node pairs (`path-traffic`).
import { messageOf } from '../errors.ts';
import type { ControlClient } from '../http.ts';
import type { Kube } from '../kube/index.ts';
import { runCheck } from '../probe.ts';
import { portRowProperties } from '../ports/rules.ts';
import { judgePort, type PortJudgement, type VerdictSource } from '../ports/verdicts.ts';
import type { CheckResult } from '../results.ts';
import type { CheckRow } from '../rows.ts';
import type { Topology } from '../topology.ts';
import { connectFrom, type ConnectVerdict } from './connect.ts';
import { ensureListener } from './listeners.ts';
import { attributeRoundTrips, type RoundTrip } from './path-traffic.ts';
import type { PortsCheckRow } from './rows.ts';

export interface PortsCheckContext {
  kube: Kube;
  control: ControlClient;
  topology: Topology;
  attempts: number;
}

interface Judged {
  judgement: PortJudgement;
  source: VerdictSource;
  via: string;
  notes: string[];
  attempts: number;
}

async function connectWithRetry(ctx: PortsCheckContext, row: PortsCheckRow, passes: (v: ConnectVerdict) => boolean): Promise<{ verdict: ConnectVerdict & { controlNote?: string }; attempts: number }> {
  const connectCtx = { kube: ctx.kube, control: ctx.control, namespace: ctx.topology.namespace, probePort: ctx.topology.ports.hostHttp };
  let verdict = await connectFrom(connectCtx, row.sourceProbe, { host: row.toAddress, port: row.port, protocol: row.protocol });
  let attempts = 1;
  // A second try absorbs one lost packet; a clean refusal is an answer, not loss.
  while (attempts < Math.max(1, ctx.attempts) && !passes(verdict) && verdict.verdict !== 'refused') {
    attempts++;
    verdict = await connectFrom(connectCtx, row.sourceProbe, { host: row.toAddress, port: row.port, protocol: row.protocol });
  }
  return { verdict, attempts };
}

async function judgeConnect(ctx: PortsCheckContext, row: PortsCheckRow): Promise<Judged> {
  const first = await connectWithRetry(ctx, row, (v) => (row.expect === 'open' ? v.verdict === 'open' : v.verdict !== 'open' && v.verdict !== 'error'));
  const notes = first.verdict.controlNote ? [first.verdict.controlNote] : [];
  const base = { via: first.verdict.via, notes, attempts: first.attempts };
  if (row.expect === 'closed' || first.verdict.verdict === 'filtered' || first.verdict.verdict === 'error') {
    return { ...base, judgement: judgePort(first.verdict, { expect: row.expect }), source: 'direct' };
  }
  if (first.verdict.verdict === 'open') return { ...base, judgement: judgePort(first.verdict, { expect: 'open' }), source: 'existing-listener' };
  const plan = ctx.topology.portsPlan!;
  const listener = await ensureListener(
    { kube: ctx.kube, namespace: ctx.topology.namespace, runId: ctx.topology.runId, image: plan.image, imagePullSecret: plan.imagePullSecret },
    { node: row.to, port: row.port },
  );
  if (!listener.ok) {
    return { ...base, notes: [...notes, listener.reason], judgement: judgePort(first.verdict, { expect: 'open', refusedCountsAsOpen: true }), source: 'no-listener' };
  }
  const second = await connectWithRetry(ctx, row, (v) => v.verdict === 'open');
  return {
    ...base,
    attempts: first.attempts + second.attempts,
    notes: [...notes, `refused at first (nothing listened on ${row.to}:${row.port}); temporary listener ${listener.pod} started`],
    judgement: judgePort(second.verdict, { expect: 'open' }),
    source: 'temporary-listener',
  };
}

/** Pod round trips between every pair of nodes, measured once per run (shared by all kernel-owned rows). */
let roundTrips: Promise<RoundTrip[]> | undefined;
function measureRoundTrips(ctx: PortsCheckContext): Promise<RoundTrip[]> {
  roundTrips ??= (async () => {
    const pods = ctx.topology.probes.filter((p) => p.role === 'probe-a' && p.ready && p.ip);
    const pairs = pods.flatMap((a, i) => pods.slice(i + 1).map((b) => [a, b] as const));
    return Promise.all(pairs.map(async ([a, b]): Promise<RoundTrip> => {
      const row: CheckRow = {
        kind: 'check', suite: 'ports', title: `${a.node} ↔ ${b.node}`,
        from: { node: a.node, pod: a.name, ip: a.ip, kind: 'pod' }, to: { node: b.node, pod: b.name, ip: b.ip, kind: 'pod' },
        control: { pod: a.name, port: ctx.topology.ports.http }, target: { host: b.ip, port: ctx.topology.ports.http, protocol: 'tcp' },
        payload: 'small', answer: { kind: 'hostname', expected: [b.name] }, tries: 1, expect: 'REACHABLE', expectReason: 'pod traffic crosses the overlay',
      };
      try {
        const r = await runCheck(row, { control: ctx.control, namespace: ctx.topology.namespace, attempts: ctx.attempts });
        return { a: a.node, b: b.node, ok: r.outcome === 'passed', detail: `${a.name} → ${b.name} ${b.ip}:${ctx.topology.ports.http}/tcp: ${r.observed}${r.outcome === 'passed' ? '' : `: ${r.detail.slice(0, 160)}`}` };
      } catch (err) {
        return { a: a.node, b: b.node, ok: false, detail: messageOf(err) };
      }
    }));
  })();
  return roundTrips;
}

async function judgePathTraffic(ctx: PortsCheckContext, row: PortsCheckRow): Promise<Judged> {
  const trips = await measureRoundTrips(ctx);
  const direction = attributeRoundTrips(trips, row.from, row.to);
  const verdict = direction.ok ? { verdict: 'open' as const, detail: direction.detail } : { verdict: 'filtered' as const, detail: direction.detail };
  return { judgement: judgePort(verdict, { expect: row.expect }), source: 'path-traffic', via: 'pod-proxy', notes: [], attempts: 1 };
}

export async function runPortsCheck(row: PortsCheckRow, ctx: PortsCheckContext): Promise<CheckResult> {
  const started = performance.now();
  const judged = row.kernelOwned ? await judgePathTraffic(ctx, row) : await judgeConnect(ctx, row);
  const latencyMs = performance.now() - started;
  const { judgement } = judged;
  const facts = `${row.from} (host network) → ${row.to} ${row.toAddress}:${row.port}/${row.protocol}`;
  const notes = judged.notes.length ? ` [${judged.notes.join('; ')}]` : '';
  return {
    suite: 'ports',
    name: row.title,
    from: { node: row.from, pod: row.sourceProbe, ip: row.fromAddress, kind: 'host' },
    to: { node: row.to, ip: row.toAddress, kind: 'host' },
    port: row.port,
    protocol: row.protocol,
    expect: judgement.expect,
    observed: judgement.observed,
    outcome: judgement.outcome,
    detail: judgement.outcome === 'passed'
      ? `${judgement.detail}${notes}`
      : `${facts}: ${judgement.detail}${notes}; rule ${row.rule}; ${judged.attempts} attempt(s) in ${(latencyMs / 1000).toFixed(1)} s`,
    ...(judgement.outcome === 'error' ? { reason: judgement.detail } : {}),
    attempts: judged.attempts,
    latencyMs,
    properties: { ...portRowProperties(row, { verdictSource: judged.source }), control: judged.via },
  };
}
