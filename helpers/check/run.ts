// The one way a check runs: its driver makes an attempt (one or more tries on the wire), the one
// classifier turns the events into an observation, the one retry policy decides whether another
// attempt could change it, and the one outcome function compares it with the expectation.
import type { ControlClient } from '../http.ts';
import type { Kube } from '../kube.ts';
import type { ProbePod } from '../topology.ts';
import { classify, outcomeOf, worthRetrying, type Verdict } from './classify.ts';
import { connectFrom } from './drivers/connect.ts';
import { dial, requestText } from './drivers/dial.ts';
import { tcpAsk, udpAsk } from './drivers/outside.ts';
import { roundTrip } from './drivers/round-trip.ts';
import type { CheckResult, NetworkCheck, NetworkResult, StaticCheck, StaticResult, WireEvent } from './types.ts';

export interface RunContext {
  namespace: string;
  /** Attempts per row before a row that did not pass is reported (one retry absorbs one-off loss). */
  attempts: number;
  /** The pod-proxy client (built lazily, once per worker). */
  control: () => Promise<ControlClient>;
  /** The API client, for drivers that exec (loaded only where one is needed). */
  kube: () => Promise<Kube>;
  probes: readonly ProbePod[];
  /** netexec's HTTP port on pod-network probes (round trips). */
  podPort: number;
}

/** Extra attempts granted to rows whose attempts gave no verdict at all (control failure, empty answer). */
const EXTRA_ATTEMPTS_WITHOUT_VERDICT = 1;

async function attempt(check: NetworkCheck, ctx: RunContext, notes: Map<string, string>): Promise<WireEvent[]> {
  const d = check.drive;
  switch (d.via) {
    case 'dial':
      return dial(await ctx.control(), { namespace: ctx.namespace, control: d.control, target: d.target, protocol: check.protocol, answer: check.answer, tries: d.tries });
    case 'outside': {
      const request = requestText(check.answer, check.protocol);
      return [check.protocol === 'tcp'
        ? await tcpAsk({ address: d.target.host, port: d.target.port, path: `/${request}`, timeoutMs: d.timeoutMs })
        : await udpAsk({ address: d.target.host, port: d.target.port, request, timeoutMs: d.timeoutMs })];
    }
    case 'connect': {
      const out = await connectFrom({ kube: await ctx.kube(), control: await ctx.control(), namespace: ctx.namespace }, d.control, { ...d.target, protocol: check.protocol });
      notes.set('control', out.via);
      if (out.note) notes.set('control.note', out.note);
      return [out.event];
    }
    case 'round-trip':
      return roundTrip({ control: await ctx.control(), namespace: ctx.namespace, probes: ctx.probes, podPort: ctx.podPort }, d);
  }
}

function triesOf(check: NetworkCheck): number {
  return check.drive.via === 'dial' ? check.drive.tries : 1;
}

/** A ready probe the API server's pod proxy cannot reach (control preflight): its checks are errors at once. */
function controlProblem(check: NetworkCheck, probes: readonly ProbePod[]): string | undefined {
  const d = check.drive;
  if (d.via !== 'dial' && d.via !== 'connect') return undefined;
  const problem = probes.find((p) => p.name === d.control.pod)?.controlProblem;
  return problem ? `cannot control probe ${d.control.pod}: ${problem}` : undefined;
}

export async function runNetworkCheck(check: NetworkCheck, ctx: RunContext): Promise<NetworkResult> {
  const started = performance.now();
  const notes = new Map<string, string>();
  const problem = controlProblem(check, ctx.probes);
  if (problem) return networkResult(check, { observed: 'CONTROL_ERROR', detail: problem, answers: [] }, 0, 0, notes);
  let verdict: Verdict = { observed: 'INCONCLUSIVE', detail: 'not attempted', answers: [] };
  let answered: WireEvent[] = [];
  let attempts = 0;
  let budget = Math.max(1, ctx.attempts);
  while (attempts < budget) {
    attempts++;
    const events = await attempt(check, ctx, notes);
    // "More than one backend": answers seen on earlier attempts count too.
    const spread = check.answer.kind === 'hostname' && check.answer.minDistinct;
    verdict = classify(spread ? [...answered, ...events] : events, check.answer);
    if (spread) answered = [...answered, ...events.filter((e) => e.kind === 'answer')];
    if (outcomeOf(check.expect, verdict.observed) === 'passed' || !worthRetrying(verdict, { expect: check.expect, tries: triesOf(check) })) break;
    if ((verdict.observed === 'CONTROL_ERROR' || verdict.observed === 'INCONCLUSIVE') && budget === Math.max(1, ctx.attempts)) budget += EXTRA_ATTEMPTS_WITHOUT_VERDICT;
  }
  return networkResult(check, verdict, attempts, performance.now() - started, notes);
}

function networkResult(check: NetworkCheck, verdict: Verdict, attempts: number, latencyMs: number, notes: Map<string, string>): NetworkResult {
  const outcome = outcomeOf(check.expect, verdict.observed);
  const properties: Record<string, string> = { ...check.properties, 'expect.reason': check.expectReason, via: check.drive.via, ...Object.fromEntries(notes) };
  if ('control' in check.drive) properties['control.pod'] = check.drive.control.pod;
  if (check.drive.via === 'dial') properties.tries = String(check.drive.tries);
  if (verdict.answers.length) properties['answered.by'] = verdict.answers.join(',');
  if (verdict.dns) properties['dns.result'] = verdict.dns;
  if (check.answer.kind === 'echo') properties['payload.bytes'] = String(check.answer.bytes);
  const from = `${check.from.node ? `${check.from.node}/` : ''}${check.from.pod ?? check.from.kind} (${check.from.ip || '?'})`;
  const target = check.drive.via === 'round-trip' ? `${check.to.node} ${check.to.ip}` : `${hostPort(check)}`;
  const note = notes.get('control.note');
  return {
    kind: 'network',
    suite: check.suite,
    name: check.title,
    from: check.from,
    to: check.to,
    port: check.port,
    protocol: check.protocol,
    family: check.family,
    ...(check.payload ? { payload: check.payload } : {}),
    expect: check.expect,
    observed: verdict.observed,
    outcome,
    detail: outcome === 'passed'
      ? `${verdict.detail}${note ? ` [${note}]` : ''}`
      : `${from} → ${target}/${check.protocol}: expected ${check.expect} (${check.expectReason}), observed ${verdict.observed}: ${verdict.detail}${note ? ` [${note}]` : ''}; ${attempts} attempt(s) in ${(latencyMs / 1000).toFixed(1)} s`,
    ...(outcome === 'error' ? { reason: verdict.detail } : {}),
    attempts,
    latencyMs,
    properties,
  };
}

function hostPort(check: NetworkCheck): string {
  const host = 'target' in check.drive ? check.drive.target.host : check.to.ip;
  return `${host.includes(':') ? `[${host}]` : host}:${check.port}`;
}

export function staticResult(check: StaticCheck): StaticResult {
  const outcome = check.status === 'skipped' ? 'skipped' : check.status === 'not-run' ? 'error' : check.holds ? 'passed' : 'failed';
  return {
    kind: 'static',
    suite: check.suite,
    name: check.title,
    status: check.status,
    ...(check.node ? { node: check.node } : {}),
    outcome,
    detail: check.reason,
    ...(outcome === 'skipped' || outcome === 'error' ? { reason: check.reason } : {}),
    ...(check.properties ? { properties: check.properties } : {}),
  };
}

export function runCheck(check: NetworkCheck | StaticCheck, ctx: RunContext): Promise<CheckResult> {
  return check.kind === 'static' ? Promise.resolve(staticResult(check)) : runNetworkCheck(check, ctx);
}
