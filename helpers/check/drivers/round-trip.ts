// Driver `round-trip`: a UDP port the kernel owns (the VXLAN device's 8472) has no listener to
// answer a connect; it is judged from the pod traffic that rides on it. Pod round trips between
// every pair of nodes are measured once per worker and IP family (probe-a → probe-a's address of
// the row's family, an HTTP request made in the source probe through its exec stream), and
// path-traffic.ts attributes a failure to one direction. Per family: on a dual-stack cluster a
// fault may break one family's pod traffic (and so its overlay) and not the other's.
import { bracketed, familyOf } from '../../ip.ts';
import type { CommandStreams } from '../../probes/stream.ts';
import type { ProbePod } from '../../topology.ts';
import type { IpFamily, WireEvent } from '../types.ts';
import { classify } from '../classify.ts';
import { askFromProbe } from './probe.ts';
import { attributeRoundTrips, type RoundTrip } from './path-traffic.ts';

export interface RoundTripContext {
  streams: CommandStreams;
  probes: readonly ProbePod[];
  podPort: number;
  family: IpFamily;
}

const measured = new Map<IpFamily, Promise<RoundTrip[]>>();

/** A probe's address of `family` (status.podIPs; a single-stack probe's only address when it is of that family). */
export function addressOf(probe: Pick<ProbePod, 'ip' | 'ips'>, family: IpFamily): string | undefined {
  return (probe.ips ?? [probe.ip]).find((ip) => ip && familyOf(ip) === family);
}

function measure(ctx: RoundTripContext): Promise<RoundTrip[]> {
  const known = measured.get(ctx.family);
  if (known) return known;
  const trips = (async () => {
    const pods = ctx.probes.filter((p) => p.role === 'probe-a' && p.ready && addressOf(p, ctx.family));
    const pairs = pods.flatMap((a, i) => pods.slice(i + 1).map((b) => [a, b] as const));
    return Promise.all(
      pairs.map(async ([a, b]): Promise<RoundTrip> => {
        const check = { protocol: 'tcp' as const, family: ctx.family, answer: { kind: 'hostname' as const, expected: [b.name] } };
        const drive = { control: { pod: a.name }, target: { host: addressOf(b, ctx.family)!, port: ctx.podPort } };
        // Two tries: one absorbs a one-off loss, as every check gets.
        let verdict = classify((await askFromProbe(ctx.streams, drive, check, 1)).events, check.answer);
        if (verdict.observed !== 'REACHABLE') verdict = classify((await askFromProbe(ctx.streams, drive, check, 1)).events, check.answer);
        const result = verdict.observed === 'REACHABLE' ? 'ok' : verdict.observed === 'CONTROL_ERROR' || verdict.observed === 'INCONCLUSIVE' ? 'no-verdict' : 'failed';
        return {
          a: a.node,
          b: b.node,
          result,
          detail: `${a.name} → ${b.name} ${bracketed(drive.target.host)}:${ctx.podPort}/tcp: ${verdict.observed}${result === 'ok' ? '' : `: ${verdict.detail.slice(0, 160)}`}`,
        };
      }),
    );
  })();
  measured.set(ctx.family, trips);
  return trips;
}

export async function roundTrip(ctx: RoundTripContext, drive: { fromNode: string; toNode: string }): Promise<{ events: WireEvent[]; sampleMs: number[] }> {
  const trips = await measure(ctx);
  const direction = attributeRoundTrips(trips, drive.fromNode, drive.toNode);
  // A round trip that gave no verdict leaves the row without one (INCONCLUSIVE, an error with its reason).
  if (direction.result === 'unknown') return { events: [{ kind: 'empty', text: direction.detail }], sampleMs: [] };
  return { events: [direction.result === 'open' ? { kind: 'connected', text: direction.detail } : { kind: 'timeout', text: direction.detail }], sampleMs: [] };
}
