// One check: a row in, a CheckResult out. The runner asks the source probe (netexec) to dial
// the target through the API server's pod proxy:
//   GET /api/v1/namespaces/N/pods/P:8080/proxy/dial?host=…&port=…&protocol=…&request=…&tries=…
// One API request per attempt. A proxy failure is a CONTROL_ERROR ("cannot control probe X"),
// never a network verdict: the control path is not the data path.
import { ControlError, messageOf } from './errors.ts';
import type { ControlClient } from './http.ts';
import type { CheckResult } from './results.ts';
import { serviceRangeOverlaps } from './cidr.ts';
import type { CheckRow, Row } from './rows.ts';
import { classifyDial, outcomeOf, type AnswerCheck, type DialBody, type Verdict } from './verdicts.ts';

export interface ProbeOptions {
  control: ControlClient;
  namespace: string;
  /** Control requests per row before giving up on a row that did not pass (absorbs one-off loss). */
  attempts: number;
}

/** netexec's own per-try deadline (HTTP client timeout and UDP read deadline). */
const NETEXEC_TRY_MS = 5_000;

/** A deterministic lowercase payload (netexec's UDP server lowercases what it echoes). */
export function payloadOf(bytes: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let s = '';
  for (let i = 0; s.length < bytes; i++) s += alphabet[i % alphabet.length];
  return s.slice(0, bytes);
}

export function dialPath(row: CheckRow, namespace: string, request: string): string {
  const query = new URLSearchParams({
    host: row.target.host,
    port: String(row.target.port),
    protocol: row.target.protocol === 'tcp' ? 'http' : 'udp',
    request,
    tries: String(row.tries),
  });
  return `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(row.control.pod)}:${row.control.port}/proxy/dial?${query}`;
}

function requestOf(row: CheckRow): { request: string; check: AnswerCheck } {
  const a = row.answer;
  if (a.kind === 'echo') {
    const payload = payloadOf(a.bytes);
    return { request: row.target.protocol === 'tcp' ? `echo?msg=${payload}` : `echo ${payload}`, check: { kind: 'echo', payload } };
  }
  return { request: 'hostname', check: a };
}

/** Ask the source probe to dial once (with row.tries tries). */
async function dialOnce(row: CheckRow, opts: ProbeOptions, request: string): Promise<DialBody> {
  const answer = await opts.control.get(dialPath(row, opts.namespace, request), {
    timeoutMs: row.tries * (NETEXEC_TRY_MS + 1_000) + 10_000,
    what: `cannot control probe ${row.control.pod}`,
  });
  if (answer.status !== 200) {
    throw new ControlError(`cannot control probe ${row.control.pod}: the API server's pod proxy answered HTTP ${answer.status}: ${answer.body.trim().slice(0, 300)}`, { status: answer.status });
  }
  try {
    return JSON.parse(answer.body) as DialBody;
  } catch {
    throw new ControlError(`cannot control probe ${row.control.pod}: /dial answered with something that is not JSON: ${answer.body.slice(0, 200)}`);
  }
}

export async function runCheck(row: CheckRow, opts: ProbeOptions): Promise<CheckResult> {
  const { request, check } = requestOf(row);
  const started = performance.now();
  let verdict: Verdict = { observed: 'CONTROL_ERROR', detail: 'not attempted', answers: [] };
  let seen: string[] = [];
  let attempts = 0;
  while (attempts < Math.max(1, opts.attempts)) {
    attempts++;
    try {
      const body = await dialOnce(row, opts, request);
      // Service rows: backends seen on earlier attempts count toward "more than one backend".
      if (check.kind === 'hostname' && check.minDistinct) seen = [...seen, ...(body.responses ?? [])];
      verdict = classifyDial(check.kind === 'hostname' && check.minDistinct && body.responses ? { ...body, responses: seen } : body, check);
    } catch (err) {
      verdict = { observed: 'CONTROL_ERROR', detail: messageOf(err), answers: [] };
    }
    if (verdict.observed === row.expect) break;
    // Several tries in one attempt, none answered: those tries were the retries (one-off loss
    // cannot take them all); another attempt would only wait out every timeout again.
    if (row.tries >= 3 && verdict.answers.length === 0 && (verdict.observed === 'FILTERED' || verdict.observed === 'REFUSED')) break;
  }
  return resultOf(row, verdict, attempts, performance.now() - started);
}

/** A row whose control probe failed the pod-proxy preflight: CONTROL_ERROR at once, with that reason. */
export function unreachableControlResult(row: CheckRow, problem: string): CheckResult {
  return resultOf(row, { observed: 'CONTROL_ERROR', detail: `cannot control probe ${row.control.pod}: ${problem}`, answers: [] }, 0, 0);
}

function resultOf(row: CheckRow, verdict: Verdict, attempts: number, latencyMs: number): CheckResult {
  const outcome = outcomeOf(row.expect, verdict.observed);
  const properties: Record<string, string> = { ...row.properties, 'control.pod': row.control.pod, 'expect.reason': row.expectReason, tries: String(row.tries) };
  if (verdict.answers.length) properties['answered.by'] = verdict.answers.join(',');
  if (row.answer.kind === 'echo') properties['payload.bytes'] = String(row.answer.bytes);
  return {
    suite: row.suite,
    name: row.title,
    from: row.from,
    to: row.to,
    port: row.target.port,
    protocol: row.target.protocol,
    payload: row.payload,
    expect: row.expect,
    observed: verdict.observed,
    outcome,
    detail: outcome === 'passed' ? verdict.detail : `${row.from.node}/${row.from.pod ?? 'host'} (${row.from.ip}) → ${row.target.host}:${row.target.port}/${row.target.protocol}: expected ${row.expect} (${row.expectReason}), observed ${verdict.observed}: ${verdict.detail}; ${attempts} attempt(s) in ${(latencyMs / 1000).toFixed(1)} s`,
    ...(outcome === 'error' ? { reason: verdict.detail } : {}),
    attempts,
    latencyMs,
    properties,
  };
}

/** Rows that need no probe: setup failures, skips, the Service-range check. */
export function evaluateStaticRow(row: Exclude<Row, CheckRow>): CheckResult {
  const base = {
    suite: row.suite,
    name: row.title,
    from: { node: 'node' in row && row.node ? row.node : '', ip: '', kind: 'pod' as const },
    to: { node: 'node' in row && row.node ? row.node : '', ip: '', kind: 'pod' as const },
    port: 0,
    protocol: 'tcp' as const,
    expect: 'REACHABLE' as const,
    attempts: 0,
    latencyMs: 0,
  };
  if (row.kind === 'setup') return { ...base, observed: 'NOT_RUN', outcome: 'error', detail: row.reason, reason: row.reason, properties: { phase: 'setup' } };
  if (row.kind === 'skip') return { ...base, observed: 'NOT_RUN', outcome: 'skipped', detail: row.reason, reason: row.reason };
  const overlaps = serviceRangeOverlaps(row);
  const passed = overlaps.length === 0;
  return {
    ...base,
    from: { node: 'cluster', ip: '', kind: 'service' },
    to: { node: 'cluster', ip: row.serviceCIDRs.join(','), kind: 'service' },
    observed: passed ? 'REACHABLE' : 'WRONG_ANSWER',
    outcome: passed ? 'passed' : 'failed',
    detail: passed
      ? `Service CIDR ${row.serviceCIDRs.join(', ')} is disjoint from ${row.nodeAddresses.length} node addresses and ${row.podCIDRs.length} pod CIDRs`
      : `Service CIDR overlaps: ${overlaps.map((o) => `${o.serviceCIDR} contains ${o.what}`).join('; ')} — traffic to those addresses would be intercepted as Service traffic`,
    properties: { 'service.cidrs': row.serviceCIDRs.join(',') },
  };
}
