// Named expectations and the verdict logic (STYLE.md §3): what a check expects, how a netexec
// /dial answer is classified, and how observed vs expected becomes an outcome. Pure functions.
import type { Expectation, Observation, Outcome } from './results.ts';

/** Why each path is expected to be reachable — written once, shown in every failure. */
export const EXPECTATIONS = {
  podToPod: { expect: 'REACHABLE', reason: 'the pod network is flat: every pod reaches every pod IP, on any node, without NAT' },
  hostToPod: { expect: 'REACHABLE', reason: 'nodes (host network) reach every pod IP' },
  podToService: { expect: 'REACHABLE', reason: 'Service VIPs are intercepted on every node and reach a ready backend' },
  hostToService: { expect: 'REACHABLE', reason: 'Service VIPs are intercepted in the host network of every node too' },
  podToApiServer: { expect: 'REACHABLE', reason: 'every pod reaches the API server through the `kubernetes` Service VIP' },
} as const satisfies Record<string, { expect: Expectation; reason: string }>;

/** What the answer must prove besides "something answered". */
export type AnswerCheck =
  /** Each answer is a hostname from `expected`; with minDistinct, at least that many different ones. */
  | { kind: 'hostname'; expected: string[]; minDistinct?: number }
  /** The echoed payload came back intact (full-size rows). */
  | { kind: 'echo'; payload: string }
  /** A TCP connection was made; the content does not matter (TLS ports spoken to in plain HTTP). */
  | { kind: 'connect' };

/** netexec /dial body: 200 even when every try failed; `responses` only when the last try succeeded. */
export interface DialBody {
  responses?: string[];
  errors?: string[];
}

export interface Verdict {
  observed: Observation;
  detail: string;
  /** Distinct answers (hostnames), for the report. */
  answers: string[];
}

/** Classify one network error string from netexec's dialer. */
export function classifyDialError(error: string): 'REFUSED' | 'FILTERED' | 'CONNECTED' {
  if (/connection refused/i.test(error)) return 'REFUSED';
  // These happen only after a TCP connection was established: the peer spoke, just not HTTP.
  if (/malformed HTTP|connection reset by peer|EOF|server gave HTTP response|tls/i.test(error)) return 'CONNECTED';
  return 'FILTERED'; // i/o timeout, Client.Timeout, no route to host, network unreachable
}

export function classifyDial(body: DialBody, check: AnswerCheck): Verdict {
  const responses = (body.responses ?? []).map((r) => r.trim());
  const errors = body.errors ?? [];
  const answers = [...new Set(responses.filter((r) => r.length > 0 && r.length <= 253 && check.kind === 'hostname'))];
  const errorText = errors.length ? `errors: ${summarize(errors)}` : '';

  if (check.kind === 'connect') {
    if (responses.length > 0 || errors.some((e) => classifyDialError(e) === 'CONNECTED')) {
      return { observed: 'REACHABLE', detail: 'TCP connection established', answers: [] };
    }
    return failure(errors);
  }
  if (responses.length === 0) return failure(errors);

  if (check.kind === 'echo') {
    const wrong = responses.filter((r) => r !== check.payload);
    if (wrong.length > 0) {
      const got = wrong[0] ?? '';
      return { observed: 'WRONG_ANSWER', detail: `echo of ${check.payload.length} bytes came back as ${got.length} bytes${got.length < 80 ? ` ("${got}")` : ''}`, answers: [] };
    }
    if (errors.length > 0) return failure(errors, `${responses.length} of ${responses.length + errors.length} tries answered; `);
    return { observed: 'REACHABLE', detail: `${check.payload.length}-byte payload echoed intact`, answers: [] };
  }

  const strangers = answers.filter((a) => !check.expected.includes(a));
  if (strangers.length > 0) {
    return { observed: 'WRONG_ANSWER', detail: `answered by ${strangers.join(', ')}, expected ${describeExpected(check.expected)}`, answers };
  }
  if (errors.length > 0) {
    // Some tries failed: the path is lossy. That is not "reachable".
    return failure(errors, `${responses.length} of ${responses.length + errors.length} tries answered (${answers.join(', ')}); `);
  }
  if (check.minDistinct && answers.length < check.minDistinct) {
    return { observed: 'WRONG_ANSWER', detail: `${responses.length} requests all reached ${answers.join(', ')}; expected at least ${check.minDistinct} different backends`, answers };
  }
  return { observed: 'REACHABLE', detail: `answered by ${answers.join(', ')}${errorText ? `; ${errorText}` : ''}`, answers };
}

function failure(errors: string[], prefix = ''): Verdict {
  if (errors.length === 0) return { observed: 'FILTERED', detail: `${prefix}no answer and no error reported`, answers: [] };
  const kinds = errors.map(classifyDialError);
  const observed: Observation = kinds.includes('FILTERED') ? 'FILTERED' : kinds.includes('REFUSED') ? 'REFUSED' : 'FILTERED';
  return { observed, detail: `${prefix}${summarize(errors)}`, answers: [] };
}

/** netexec quotes the whole URL in its errors: shorten a full-size payload to its size. */
export function shortenPayloads(text: string): string {
  return text.replace(/msg=([a-z0-9]{64,})/g, (_, payload: string) => `msg=<${payload.length} bytes>`);
}

function summarize(errors: string[]): string {
  const counts = new Map<string, number>();
  for (const raw of errors) {
    const e = shortenPayloads(raw);
    counts.set(e, (counts.get(e) ?? 0) + 1);
  }
  return [...counts].map(([e, n]) => (n > 1 ? `${n}× ${e}` : e)).join('; ');
}

function describeExpected(expected: string[]): string {
  return expected.length === 1 ? (expected[0] ?? '') : `one of ${expected.length} backends (${expected.slice(0, 4).join(', ')}${expected.length > 4 ? ', …' : ''})`;
}

export function outcomeOf(expect: Expectation, observed: Observation): Outcome {
  if (observed === 'CONTROL_ERROR') return 'error';
  return observed === expect ? 'passed' : 'failed';
}
