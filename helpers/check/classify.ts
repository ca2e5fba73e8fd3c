// The one classifier: wire events of one attempt (each try a driver made) → an observation,
// and observation + named expectation → outcome. Every path goes through here, so one wire
// event means the same thing in every suite. Pure; unit-tested for TCP and UDP.
import type { AnswerCheck, DnsResult, Expectation, Observation, Outcome, WireEvent } from './types.ts';

export interface Verdict {
  observed: Observation;
  detail: string;
  /** Distinct answers (hostnames), for the report and the "more than one backend" rule. */
  answers: string[];
  /** Tries judged, and those of them lost (no answer in time, or unreachable): the row's samples. */
  tries?: number;
  lost?: number;
  /** How the target's name lookup ended, when a lookup was part of the attempt (dns events, nxdomain checks). */
  dns?: DnsResult;
}

export interface ClassifyOptions {
  /** Lost tries tolerated, in percent of the tries (--max-loss); the rest must all have answered right. */
  maxLossPct?: number;
}

/** A deterministic lowercase payload (netexec's UDP server lowercases what it echoes). */
export function payloadOf(bytes: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let s = '';
  for (let i = 0; s.length < bytes; i++) s += alphabet[i % alphabet.length];
  return s.slice(0, bytes);
}

/** netexec quotes the whole URL in its errors: shorten a full-size payload to its size. */
export function shortenPayloads(text: string): string {
  return text.replace(/msg=([a-z0-9]{64,})/g, (_, payload: string) => `msg=<${payload.length} bytes>`);
}

type Judged = { ok: true; answer?: string } | { ok: false; observed: Observation; text: string };

const DNS_TEXT: Record<DnsResult, string> = {
  NOERROR: 'the name resolved',
  NXDOMAIN: 'NXDOMAIN: the name does not exist ("no such host")',
  SERVFAIL: 'SERVFAIL: the DNS server answered with an error ("server misbehaving")',
  TIMEOUT: 'DNS timeout: no answer from the DNS server',
  REFUSED: 'DNS server unreachable: its port refused the query (no DNS endpoint behind the Service, or nothing listens)',
  UNREACHABLE: 'DNS query rejected on the way (ICMP unreachable, or a local firewall rule: kube-proxy rejects a Service with no endpoints this way from the host network)',
  OTHER: 'the name lookup failed',
};

/** A failed lookup against the answer check: the DNS verdict, told apart from the data path. */
function judgeLookup(event: Extract<WireEvent, { kind: 'dns' }>, check: AnswerCheck): Judged {
  const text = `${DNS_TEXT[event.rcode]} — lookup of ${event.name}${event.server ? ` on ${event.server}` : ''}: ${event.text}`;
  if (check.kind === 'nxdomain' && event.rcode === 'NXDOMAIN') return { ok: true };
  switch (event.rcode) {
    case 'NXDOMAIN':
    case 'SERVFAIL':
      return { ok: false, observed: 'WRONG_ANSWER', text };
    case 'TIMEOUT':
    case 'UNREACHABLE':
      return { ok: false, observed: 'FILTERED', text };
    case 'REFUSED':
      return { ok: false, observed: 'REFUSED', text };
    default:
      return { ok: false, observed: 'INCONCLUSIVE', text };
  }
}

/** One try's event against the answer check. */
function judge(event: WireEvent, check: AnswerCheck): Judged {
  if (event.kind === 'dns') return judgeLookup(event, check);
  // A name that must not exist resolved: whatever the address did next, the DNS answer is wrong.
  if (check.kind === 'nxdomain' && event.kind !== 'control' && event.kind !== 'empty') {
    return { ok: false, observed: 'WRONG_ANSWER', text: `the name resolved (then: ${event.kind}${'text' in event && event.text ? `: ${event.text.slice(0, 120)}` : ''}); expected NXDOMAIN` };
  }
  switch (event.kind) {
    case 'answer': {
      const text = event.text.trim();
      if (text === '') return { ok: false, observed: 'INCONCLUSIVE', text: 'an empty answer' };
      if (check.kind === 'connect' || check.kind === 'nxdomain') return { ok: true };
      if (check.kind === 'hostname') {
        return check.expected.includes(text)
          ? { ok: true, answer: text }
          : { ok: false, observed: 'WRONG_ANSWER', text: `answered by ${text.slice(0, 80)}, expected ${describeExpected(check.expected)}` };
      }
      if (check.kind === 'echo') {
        const payload = payloadOf(check.bytes);
        return text === payload
          ? { ok: true }
          : { ok: false, observed: 'WRONG_ANSWER', text: `echo of ${check.bytes} bytes came back as ${text.length} bytes${text.length < 80 ? ` ("${text}")` : ''}` };
      }
      const seen = text.replace(/^\[?([^\]]*?)\]?:\d+$/, '$1');
      return seen === check.expected
        ? { ok: true, answer: seen }
        : {
            ok: false,
            observed: 'WRONG_ANSWER',
            text: `the backend saw ${seen || '(nothing)'} instead of the ${check.client}'s address ${check.expected || '(unknown)'}: ${check.otherwise ?? 'the client address was rewritten (SNAT)'}`,
          };
    }
    case 'connected':
      return check.kind === 'connect' || check.kind === 'nxdomain' ? { ok: true } : { ok: false, observed: 'WRONG_ANSWER', text: `connected, but no answer${event.text ? ` (${event.text})` : ''}` };
    case 'reset':
      // The handshake completed: a bare connect passed; an answer that never came is someone else speaking.
      return check.kind === 'connect' || check.kind === 'nxdomain' ? { ok: true } : { ok: false, observed: 'WRONG_ANSWER', text: `connected, then reset before an answer: ${event.text}` };
    case 'refused':
      return { ok: false, observed: 'REFUSED', text: event.text };
    case 'unreachable':
    case 'timeout':
      return { ok: false, observed: 'FILTERED', text: event.text };
    case 'empty':
      return { ok: false, observed: 'INCONCLUSIVE', text: event.text };
    case 'control':
      return { ok: false, observed: 'CONTROL_ERROR', text: event.text };
  }
}

/** Observations in the order one of them speaks for a whole attempt. */
const PRECEDENCE: Observation[] = ['CONTROL_ERROR', 'WRONG_ANSWER', 'FILTERED', 'REFUSED', 'INCONCLUSIVE'];

/** How the lookup ended: the first dns event's result; NOERROR when the target's name resolved (a non-IP target, any data-path event). */
function lookupOf(events: readonly WireEvent[], check: AnswerCheck): DnsResult | undefined {
  const dns = events.find((e): e is Extract<WireEvent, { kind: 'dns' }> => e.kind === 'dns');
  if (dns) return dns.rcode;
  if (check.kind === 'nxdomain' && events.some((e) => e.kind !== 'control' && e.kind !== 'empty')) return 'NOERROR';
  return undefined;
}

export function classify(events: readonly WireEvent[], check: AnswerCheck, options: ClassifyOptions = {}): Verdict {
  const verdict = classifyTries(events, check, options);
  const dns = lookupOf(events, check);
  return dns ? { ...verdict, dns } : verdict;
}

function classifyTries(events: readonly WireEvent[], check: AnswerCheck, options: ClassifyOptions): Verdict {
  if (events.length === 0) return { observed: 'INCONCLUSIVE', detail: 'no try was made', answers: [], tries: 0, lost: 0 };
  const judged = events.map((e) => judge(e, check));
  const answers = [...new Set(judged.flatMap((j) => (j.ok && j.answer && check.kind === 'hostname' ? [j.answer] : [])))];
  const failures = judged.filter((j): j is Extract<Judged, { ok: false }> => !j.ok);
  const passedTries = judged.length - failures.length;
  const lost = failures.filter((f) => f.observed === 'FILTERED').length;
  const counts = { tries: judged.length, lost };
  // Only lost tries, within --max-loss, and the others answered right: a lossy but working path.
  const tolerated = failures.length > 0 && lost === failures.length && passedTries > 0 && (lost / judged.length) * 100 <= (options.maxLossPct ?? 0);
  if (failures.length === 0 || tolerated) {
    if (check.kind === 'hostname' && check.minDistinct && answers.length < check.minDistinct) {
      return { observed: 'WRONG_ANSWER', detail: `${judged.length} requests all reached ${answers.join(', ')}; expected at least ${check.minDistinct} different backends`, answers, ...counts };
    }
    if (check.kind === 'hostname' && check.maxDistinct && answers.length > check.maxDistinct) {
      return {
        observed: 'WRONG_ANSWER',
        detail: `${judged.length} requests of one client reached ${answers.length} different backends (${answers.join(', ')}); expected ${check.maxDistinct === 1 ? 'every one on the same backend' : `at most ${check.maxDistinct}`}`,
        answers,
        ...counts,
      };
    }
    const lossText = lost > 0 ? `; lost ${lost} of ${judged.length} (within --max-loss ${options.maxLossPct ?? 0} %)` : '';
    return {
      observed: 'REACHABLE',
      detail: `${reachableText(
        check,
        answers,
        events.filter((e) => e.kind !== 'timeout' && e.kind !== 'unreachable'),
      )}${lossText}`,
      answers,
      ...counts,
    };
  }
  const observed = PRECEDENCE.find((o) => failures.some((f) => f.observed === o)) ?? 'INCONCLUSIVE';
  // A stranger answered: that speaks louder than lost tries.
  const relevant = observed === 'WRONG_ANSWER' ? failures.filter((f) => f.observed === 'WRONG_ANSWER') : failures;
  const prefix =
    passedTries > 0
      ? observed === 'FILTERED'
        ? `lost ${lost} of ${judged.length} (${passedTries} answered${answers.length ? `: ${answers.join(', ')}` : ''}); `
        : `${passedTries} of ${judged.length} tries answered${answers.length ? ` (${answers.join(', ')})` : ''}; `
      : '';
  return { observed, detail: `${prefix}${summarize(relevant.map((f) => f.text))}`, answers, ...counts };
}

/** Percent with one decimal. */
export function percent(part: number, whole: number): number {
  return whole > 0 ? Math.round((part / whole) * 1000) / 10 : 0;
}

/**
 * The row's loss over every sample of every attempt, against --max-loss: an attempt that passed
 * after earlier ones lost samples still shows the loss ("lost K of N"). Applied once, after the
 * retry loop, so retries add samples instead of hiding them.
 */
export function judgeLoss(verdict: Verdict, samples: { sent: number; lost: number }, maxLossPct: number): Verdict {
  if (samples.lost === 0) return verdict;
  // Failed anyway: say the whole row's loss when earlier attempts lost samples too.
  if (verdict.observed === 'FILTERED' && samples.sent > (verdict.tries ?? 0) && samples.lost < samples.sent) {
    return { ...verdict, detail: `lost ${samples.lost} of ${samples.sent} samples (${percent(samples.lost, samples.sent)} %) over all attempts; the last: ${verdict.detail}` };
  }
  if (verdict.observed !== 'REACHABLE') return verdict;
  const pct = percent(samples.lost, samples.sent);
  if (pct <= maxLossPct) return verdict;
  return { ...verdict, observed: 'FILTERED', detail: `lost ${samples.lost} of ${samples.sent} samples (${pct} %, more than --max-loss ${maxLossPct} %); the others answered (${verdict.detail})` };
}

function reachableText(check: AnswerCheck, answers: string[], events: readonly WireEvent[]): string {
  if (check.kind === 'hostname') return `answered by ${answers.join(', ')}`;
  if (check.kind === 'echo') return `${check.bytes}-byte payload echoed intact`;
  if (check.kind === 'clientip') return `the backend saw the ${check.client}'s own address ${check.expected}`;
  if (check.kind === 'nxdomain') return 'NXDOMAIN ("no such host") from the cluster DNS, as required for a name that does not exist';
  const first = events[0];
  return first?.kind === 'answer'
    ? 'connected and answered'
    : first?.kind === 'reset'
      ? `connection established (then reset: ${first.text})`
      : (first?.kind === 'connected' && first.text) || 'connection established';
}

function summarize(texts: string[]): string {
  const counts = new Map<string, number>();
  for (const raw of texts) {
    const e = shortenPayloads(raw);
    counts.set(e, (counts.get(e) ?? 0) + 1);
  }
  return [...counts].map(([e, n]) => (n > 1 ? `${n}× ${e}` : e)).join('; ');
}

function describeExpected(expected: string[]): string {
  return expected.length === 1 ? (expected[0] ?? '') : `one of ${expected.length} backends (${expected.slice(0, 4).join(', ')}${expected.length > 4 ? ', …' : ''})`;
}

/** The one outcome function. INCONCLUSIVE and CONTROL_ERROR are never network verdicts. */
export function outcomeOf(expect: Expectation, observed: Observation): Outcome {
  if (observed === 'CONTROL_ERROR' || observed === 'INCONCLUSIVE') return 'error';
  switch (expect) {
    case 'REACHABLE':
      return observed === 'REACHABLE' ? 'passed' : 'failed';
    case 'CLOSED':
      return observed === 'REFUSED' || observed === 'FILTERED' ? 'passed' : 'failed';
    case 'DELIVERED':
      return observed === 'REACHABLE' || observed === 'WRONG_ANSWER' || observed === 'REFUSED' ? 'passed' : 'failed';
  }
}

/** Whether another attempt could change the verdict (one policy for every path). */
export function worthRetrying(verdict: Verdict, check: { expect: Expectation; tries: number }): boolean {
  if (verdict.observed === 'CONTROL_ERROR' || verdict.observed === 'INCONCLUSIVE') return true;
  // A clean refusal is an answer, not loss.
  if (verdict.observed === 'REFUSED') return false;
  // Several tries in one attempt, none answered: those tries were the retries.
  if (check.tries >= 3 && verdict.answers.length === 0 && verdict.observed === 'FILTERED') return false;
  return true;
}
