// The one way a check runs: its driver makes an attempt (one or more tries on the wire), the one
// classifier turns the events into an observation, the one retry policy decides whether another
// attempt could change it, and the one outcome function compares it with the expectation.
import { clientSeenEvent, CLIENT_LOG_SINCE_S } from '../probes/client-seen.ts';
import type { CommandStreams } from '../probes/stream.ts';
import { messageOf } from '../errors.ts';
import type { ProbePod } from '../topology.ts';
import { classify, judgeLoss, outcomeOf, percent, worthRetrying, type Verdict } from './classify.ts';
import { reproduceCommand, type KubectlTarget } from './reproduce.ts';
import { CONNECT_TIMEOUT_S } from './drivers/connect.ts';
import { requestText, tcpAsk, udpAsk } from './drivers/outside.ts';
import { askFromProbe } from './drivers/probe.ts';
import { roundTrip } from './drivers/round-trip.ts';
import type { CheckResult, NetworkCheck, NetworkResult, SampleStats, StaticCheck, StaticResult, WireEvent } from './types.ts';

export interface RunContext {
  namespace: string;
  /** Attempts per row before a row that did not pass is reported (one retry absorbs one-off loss). */
  attempts: number;
  /** The probes' exec streams (API server → kubelet → probe; built lazily, once per worker). */
  streams: () => Promise<CommandStreams>;
  probes: readonly ProbePod[];
  /** The pod-network probes' HTTP port (round trips). */
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
  if (check.expect !== 'REACHABLE') return d.via === 'probe' ? d.tries : 1;
  if (check.answer.kind === 'echo') return d.via === 'probe' ? d.tries : 1;
  if (d.via === 'probe') return d.tries === 1 ? Math.max(1, samples) : d.tries;
  if (d.via === 'outside') return Math.max(d.tries ?? 1, samples);
  return 1;
}

/** Extra attempts granted to rows whose attempts gave no verdict at all (control failure, empty answer). */
const EXTRA_ATTEMPTS_WITHOUT_VERDICT = 1;

async function attempt(check: NetworkCheck, ctx: RunContext, notes: Map<string, string>): Promise<AttemptOut> {
  const d = check.drive;
  switch (d.via) {
    case 'probe':
      return askFromProbe(await ctx.streams(), d, check, samplesOf(check, ctx.samples));
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
        if (answeredEvent(event)) out.sampleMs.push(performance.now() - t0);
        out.events.push(event);
      }
      // A clientip row: the backend's log says who its answered requests came from (read once per attempt).
      if (check.answer.kind === 'clientip' && d.clientSeenIn && out.events.some((e) => e.kind === 'answer')) {
        const seen = await clientSeen(ctx, d.clientSeenIn, check.answer.expected);
        out.events = out.events.map((e) => (e.kind === 'answer' ? seen : e));
      }
      return out;
    }
    case 'connect': {
      notes.set('control', 'exec');
      notes.set('tool', 'bash');
      const ask = { kind: 'connect' as const };
      // A bare connect: ~1 ms of the probe's bash (probes/connect-client.ts), so one try; the client's own timeout is the ports suite's 3 s.
      return askFromProbe(await ctx.streams(), { ...d, timeoutS: CONNECT_TIMEOUT_S }, { protocol: check.protocol, family: check.family, answer: ask }, 1);
    }
    case 'round-trip':
      return roundTrip({ streams: await ctx.streams(), probes: ctx.probes, podPort: ctx.podPort, family: check.family }, d);
  }
}

/** The client address a backend logged for the request it just answered (probes/client-seen.ts), read through the API server. */
async function clientSeen(ctx: RunContext, where: { pod: string; container: string }, expected: string): Promise<WireEvent> {
  const control = (await ctx.streams()).control;
  const path = `/api/v1/namespaces/${encodeURIComponent(ctx.namespace)}/pods/${encodeURIComponent(where.pod)}/log?container=${encodeURIComponent(where.container)}&sinceSeconds=${CLIENT_LOG_SINCE_S}`;
  try {
    const answer = await control.get(path, { timeoutMs: 5_000, what: `the log of ${where.pod}/${where.container}` });
    if (answer.status !== 200) return { kind: 'control', text: `cannot read the log of ${where.pod}/${where.container}: HTTP ${answer.status}: ${answer.body.slice(0, 200)}` };
    return clientSeenEvent(answer.body, expected);
  } catch (err) {
    return { kind: 'control', text: messageOf(err) };
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

/** A ready probe the API server's exec cannot command (control preflight): its checks are errors at once. */
function controlProblem(check: NetworkCheck, probes: readonly ProbePod[]): string | undefined {
  const d = check.drive;
  if (d.via !== 'probe' && d.via !== 'connect') return undefined;
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
  if (check.drive.via === 'probe' && result.properties) result.properties.tries = String(samplesOf(check, ctx.samples));
  if (sent > 0 && check.expect === 'REACHABLE') result.samples = sampleStats(sent, lost, sampleMs);
  if (result.outcome !== 'passed')
    result.reproduce = reproduceCommand(check, { namespace: ctx.namespace, tries: samplesOf(check, ctx.samples), probes: ctx.probes, podPort: ctx.podPort, kubectl: ctx.kubectl });
  return result;
}

function networkResult(check: NetworkCheck, verdict: Verdict, attempts: number, latencyMs: number, notes: Map<string, string>): NetworkResult {
  const outcome = outcomeOf(check.expect, verdict.observed);
  const properties: Record<string, string> = { ...check.properties, 'expect.reason': check.expectReason, via: check.drive.via, ...Object.fromEntries(notes) };
  if ('control' in check.drive) properties['control.pod'] = check.drive.control.pod;
  if (check.drive.via === 'probe') properties.tries = String(check.drive.tries);
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
