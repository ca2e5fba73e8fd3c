// The one way a check runs: its driver makes an attempt (one or more tries on the wire), the one
// classifier turns the events into an observation, the one retry policy decides whether another
// attempt could change it, and the one outcome function compares it with the expectation.
import type { ControlClient } from '../http.ts';
import type { ProbePod } from '../topology.ts';
import { classify, judgeLoss, outcomeOf, percent, worthRetrying, type Verdict } from './classify.ts';
import { reproduceCommand, type KubectlTarget } from './reproduce.ts';
import { connectFrom } from './drivers/connect.ts';
import { dial, NETEXEC_TRY_MS, requestText } from './drivers/dial.ts';
import { tcpAsk, udpAsk } from './drivers/outside.ts';
import { roundTrip } from './drivers/round-trip.ts';
import type { CheckResult, NetworkCheck, NetworkResult, SampleStats, StaticCheck, StaticResult, WireEvent } from './types.ts';

export interface RunContext {
  namespace: string;
  /** Attempts per row before a row that did not pass is reported (one retry absorbs one-off loss). */
  attempts: number;
  /** The API server client: pod proxy and exec (built lazily, once per worker). */
  control: () => Promise<ControlClient>;
  probes: readonly ProbePod[];
  /** netexec's HTTP port on pod-network probes (round trips). */
  podPort: number;
  /** Samples (tries) per attempt on rows that send one small request (--samples; default 1 here). */
  samples?: number;
  /** Lost samples a row may have, in percent (--max-loss; default 0). */
  maxLossPct?: number;
  /** How the printed reproduction commands reach the cluster (--kubeconfig, --context). */
  kubectl?: KubectlTarget;
}

/** One attempt: the events on the wire, and how long each sample took (answered ones). */
interface AttemptOut {
  events: WireEvent[];
  sampleMs: number[];
}

/**
 * Tries per attempt: --samples for rows that expect an answer to one small request from one fixed
 * peer (pod and host rows, a NodePort from the runner); rows that already send several (Service spread), a
 * full-size payload (one per attempt: MTU rows) or exec (heavy) keep their own.
 */
export function samplesOf(check: NetworkCheck, samples = 1): number {
  const d = check.drive;
  // Loss means something only where an answer is expected; "must not answer" rows would only wait longer.
  if (check.expect !== 'REACHABLE') return d.via === 'dial' ? d.tries : 1;
  if (check.answer.kind === 'echo') return d.via === 'dial' ? d.tries : 1;
  if (d.via === 'dial') return d.tries === 1 ? Math.max(1, samples) : d.tries;
  if (d.via === 'outside') return Math.max(d.tries ?? 1, samples);
  return 1;
}

/** Extra attempts granted to rows whose attempts gave no verdict at all (control failure, empty answer). */
const EXTRA_ATTEMPTS_WITHOUT_VERDICT = 1;

async function attempt(check: NetworkCheck, ctx: RunContext, notes: Map<string, string>): Promise<AttemptOut> {
  const d = check.drive;
  const started = performance.now();
  const timedAll = (events: WireEvent[]): AttemptOut => {
    // netexec does not time each try: a pod-proxy attempt's time, less what its lost tries
    // waited out (netexec's per-try deadline), is shared by the tries that answered.
    const answered = events.filter(answeredEvent).length;
    const lostTries = events.filter((e) => e.kind === 'timeout').length;
    const each = Math.max(0, performance.now() - started - lostTries * NETEXEC_TRY_MS) / Math.max(1, answered);
    return { events, sampleMs: Array.from({ length: answered }, () => each) };
  };
  switch (d.via) {
    case 'dial':
      return timedAll(
        await dial(await ctx.control(), { namespace: ctx.namespace, control: d.control, target: d.target, protocol: check.protocol, answer: check.answer, tries: samplesOf(check, ctx.samples) }),
      );
    case 'outside': {
      // The runner times each sample itself: these are real round trips.
      const request = requestText(check.answer, check.protocol);
      const out: AttemptOut = { events: [], sampleMs: [] };
      for (let i = 0; i < samplesOf(check, ctx.samples); i++) {
        const t0 = performance.now();
        const event =
          check.protocol === 'tcp'
            ? await tcpAsk({ address: d.target.host, port: d.target.port, path: `/${request}`, timeoutMs: d.timeoutMs })
            : await udpAsk({ address: d.target.host, port: d.target.port, request, timeoutMs: d.timeoutMs });
        out.events.push(event);
        if (answeredEvent(event)) out.sampleMs.push(performance.now() - t0);
      }
      return out;
    }
    case 'connect': {
      const out = await connectFrom({ control: await ctx.control(), namespace: ctx.namespace }, d.control, { ...d.target, protocol: check.protocol });
      notes.set('control', out.via);
      if (out.tool) notes.set('tool', out.tool);
      if (out.note) notes.set('control.note', out.note);
      return timedAll([out.event]);
    }
    case 'round-trip':
      return timedAll(await roundTrip({ control: await ctx.control(), namespace: ctx.namespace, probes: ctx.probes, podPort: ctx.podPort }, d));
  }
}

const answeredEvent = (e: WireEvent) => e.kind === 'answer' || e.kind === 'connected' || e.kind === 'reset' || e.kind === 'refused';

/** Nearest-rank percentile of a sorted list. */
export function percentile(sorted: readonly number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export function sampleStats(sent: number, lost: number, ms: readonly number[]): SampleStats {
  const sorted = [...ms].sort((a, b) => a - b);
  const round = (v: number | undefined) => (v === undefined ? undefined : Math.round(v * 10) / 10);
  const p50 = round(percentile(sorted, 50));
  const p99 = round(percentile(sorted, 99));
  return { sent, lost, lossPct: percent(lost, sent), ...(p50 !== undefined ? { p50Ms: p50 } : {}), ...(p99 !== undefined ? { p99Ms: p99 } : {}) };
}

function triesOf(check: NetworkCheck, ctx: RunContext): number {
  return samplesOf(check, ctx.samples);
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
  if (problem) {
    const result = networkResult(check, { observed: 'CONTROL_ERROR', detail: problem, answers: [] }, 0, 0, notes);
    return { ...result, reproduce: reproduceCommand(check, { namespace: ctx.namespace, tries: samplesOf(check, ctx.samples), probes: ctx.probes, podPort: ctx.podPort, kubectl: ctx.kubectl }) };
  }
  let verdict: Verdict = { observed: 'INCONCLUSIVE', detail: 'not attempted', answers: [] };
  let answered: WireEvent[] = [];
  let attempts = 0;
  let budget = Math.max(1, ctx.attempts);
  const maxLossPct = ctx.maxLossPct ?? 0;
  let sent = 0;
  let lost = 0;
  let judgedSent = 0;
  let judgedLost = 0;
  const sampleMs: number[] = [];
  while (attempts < budget) {
    attempts++;
    const out = await attempt(check, ctx, notes);
    // "More than one backend": answers seen on earlier attempts count too.
    const spread = check.answer.kind === 'hostname' && check.answer.minDistinct;
    verdict = classify(spread ? [...answered, ...out.events] : out.events, check.answer, { maxLossPct });
    if (spread) answered = [...answered, ...out.events.filter((e) => e.kind === 'answer')];
    // Samples: only attempts that reached the data path (a control failure sent nothing).
    if (verdict.observed !== 'CONTROL_ERROR' && verdict.observed !== 'INCONCLUSIVE') {
      const own = spread ? classify(out.events, check.answer) : verdict;
      const tries = own.tries ?? out.events.length;
      sent += tries;
      lost += own.lost ?? 0;
      // An attempt where some samples answered and some were lost is loss; one where none
      // answered is an outage, which a passing retry absorbs (and a failing one reports).
      if ((own.lost ?? 0) < tries) {
        judgedSent += tries;
        judgedLost += own.lost ?? 0;
      }
      sampleMs.push(...out.sampleMs);
    }
    if (outcomeOf(check.expect, verdict.observed) === 'passed' || !worthRetrying(verdict, { expect: check.expect, tries: triesOf(check, ctx) })) break;
    if ((verdict.observed === 'CONTROL_ERROR' || verdict.observed === 'INCONCLUSIVE') && budget === Math.max(1, ctx.attempts)) budget += EXTRA_ATTEMPTS_WITHOUT_VERDICT;
  }
  // Loss only means something where an answer was expected.
  if (check.expect === 'REACHABLE') verdict = judgeLoss(verdict, { sent: judgedSent, lost: judgedLost }, maxLossPct);
  const result = networkResult(check, verdict, attempts, performance.now() - started, notes);
  if (check.drive.via === 'dial' && result.properties) result.properties.tries = String(samplesOf(check, ctx.samples));
  if (sent > 0 && check.expect === 'REACHABLE') result.samples = sampleStats(sent, lost, sampleMs);
  if (result.outcome !== 'passed')
    result.reproduce = reproduceCommand(check, { namespace: ctx.namespace, tries: samplesOf(check, ctx.samples), probes: ctx.probes, podPort: ctx.podPort, kubectl: ctx.kubectl });
  return result;
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
    detail:
      outcome === 'passed'
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
