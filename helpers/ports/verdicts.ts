// Port verdicts for the `ports` suite: what one `agnhost connect` told us, and whether that
// is what the profile expects. agnhost exits 1 for every failure and names the kind on
// stderr (REFUSED, TIMEOUT, DNS: …, OTHER: …, UNKNOWN: …); see test/images/agnhost/connect.
//
//   open     connected (TCP handshake done / UDP answer received)
//   refused  the target host answered "nothing here" (TCP RST, ICMP port unreachable):
//            the packets arrive, so the firewall lets them through
//   filtered no answer within the timeout (dropped), or a firewall rejected it with ICMP
//            "host prohibited" (firewalld's default reject → "no route to host")
//   error    no network verdict: bad arguments, DNS, or the probe could not run

import type { Expectation, Observation, Outcome, Protocol } from '../results.ts';
import type { PortExpectation } from './profiles.ts';

export type PortVerdict = 'open' | 'refused' | 'filtered' | 'error';

export interface ConnectOutput {
  exitCode: number;
  stderr: string;
}

/**
 * OTHER errors that mean a firewall or the network rejected us, not an unknown failure.
 * EHOSTUNREACH/ENETUNREACH come back as ICMP host/net unreachable or "admin prohibited";
 * EPERM/EACCES come from a local OUTPUT rule dropping the packet before it leaves.
 */
const REJECTED = /no route to host|host is unreachable|network is unreachable|operation not permitted|permission denied/i;

export function classifyConnect(out: ConnectOutput, opts: { protocol: Protocol }): { verdict: PortVerdict; detail: string } {
  const stderr = out.stderr.trim();
  const firstLine = stderr.split('\n')[0] ?? '';
  if (out.exitCode === 0) {
    return { verdict: 'open', detail: opts.protocol === 'udp' ? 'UDP answer received' : 'TCP connection established' };
  }
  if (out.exitCode !== 1) {
    // 126/127: agnhost or connect missing in the image; anything else: the exec itself failed.
    return { verdict: 'error', detail: `probe could not run connect (exit ${out.exitCode})${firstLine ? `: ${firstLine}` : ''}` };
  }
  if (/^REFUSED/.test(firstLine)) {
    return {
      verdict: 'refused',
      detail: opts.protocol === 'udp' ? 'ICMP port unreachable: the host is reached, nothing listens on the port' : 'connection refused (RST): the host is reached, nothing listens on the port',
    };
  }
  if (/^TIMEOUT/.test(firstLine)) {
    return {
      verdict: 'filtered',
      detail: opts.protocol === 'udp'
        ? 'no UDP answer within the timeout: dropped on the way, or the listener does not reply'
        : 'no answer to the TCP handshake within the timeout: dropped on the way (firewall DROP or no route)',
    };
  }
  if (/^OTHER/.test(firstLine) && REJECTED.test(firstLine)) {
    return { verdict: 'filtered', detail: `rejected by a firewall or the network (${firstLine.replace(/^OTHER:\s*/, '')})` };
  }
  if (/^(DNS|OTHER|UNKNOWN)/.test(firstLine)) return { verdict: 'error', detail: `no network verdict: ${firstLine}` };
  return { verdict: 'error', detail: `unrecognised connect output: ${firstLine || '(empty stderr)'}` };
}

/**
 * How a verdict was obtained, reported per row (issue 4: a port without a listener cannot
 * prove the firewall lets it through).
 */
export const VERDICT_SOURCES = {
  'existing-listener': 'a component already listens on the port; connected to it',
  'temporary-listener': 'the port was free: a temporary listener was started on the target host for this check',
  'path-traffic': 'the kernel owns this port (VXLAN device): verified through the traffic that uses it, cross-node pod checks',
  'no-listener': 'the port was free and no listener could be started: "refused" shows the packets arrive, not more',
  direct: 'checked as the cluster has it, no listener added: a port that must be closed must stay unreachable, and a filtered port is dropped whatever listens',
} as const;
export type VerdictSource = keyof typeof VERDICT_SOURCES;

/** The result-contract Expectation for a profile expectation. `closed` passes as refused or filtered. */
export function expectationFor(expect: PortExpectation): Expectation {
  return expect === 'open' ? 'REACHABLE' : 'FILTERED';
}

const OBSERVATION: Record<PortVerdict, Observation> = {
  open: 'REACHABLE',
  refused: 'REFUSED',
  filtered: 'FILTERED',
  // Not a network verdict: reported as an error row, like a probe the runner could not drive.
  error: 'CONTROL_ERROR',
};

export interface PortJudgement {
  outcome: Outcome;
  expect: Expectation;
  observed: Observation;
  /** "expected open, got filtered: no answer …" */
  detail: string;
}

/**
 * Compare a verdict with the rule. With `refusedCountsAsOpen` (no listener could be placed,
 * see VERDICT_SOURCES['no-listener']) a refusal passes an `open` rule: the RST proves the
 * firewall passed the SYN — unless a firewall rejects with a reset, which the detail admits.
 */
export function judgePort(
  result: { verdict: PortVerdict; detail: string },
  opts: { expect: PortExpectation; refusedCountsAsOpen?: boolean },
): PortJudgement {
  const { verdict, detail } = result;
  const expect = expectationFor(opts.expect);
  const observed = OBSERVATION[verdict];
  const text = (ok: boolean) => `expected ${opts.expect}, got ${verdict}${ok ? '' : ' (mismatch)'}: ${detail}`;
  if (verdict === 'error') return { outcome: 'error', expect, observed, detail: `expected ${opts.expect}, no verdict: ${detail}` };
  if (opts.expect === 'closed') {
    const ok = verdict !== 'open';
    return { outcome: ok ? 'passed' : 'failed', expect, observed, detail: text(ok) };
  }
  if (verdict === 'open') return { outcome: 'passed', expect, observed, detail: text(true) };
  if (verdict === 'refused' && opts.refusedCountsAsOpen) {
    return {
      outcome: 'passed',
      expect,
      observed,
      detail: `expected open, got refused: the host answered, so the firewall passes the port (a firewall rejecting with a TCP reset would look the same): ${detail}`,
    };
  }
  return { outcome: 'failed', expect, observed, detail: text(false) };
}
