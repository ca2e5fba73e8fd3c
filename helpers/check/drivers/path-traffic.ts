// A UDP port the kernel owns (the VXLAN device's 8472) cannot get a temporary listener, and
// `connect` gets no answer from it. It is verified through the traffic that uses it: a pod on
// node A asks a pod on node B for its hostname. That round trip crosses A→B and B→A, so one
// pair's failure cannot say which direction is blocked; across all pairs it can: when every
// pair with node X fails while X's peers reach each other, X's inbound port is the blocked one.
// attributeRoundTrips is that reasoning, pure and unit-tested.

/**
 * One measured pod round trip. `no-verdict`: the probe could not be asked or its answer could
 * not be read (CONTROL_ERROR, INCONCLUSIVE): no evidence about the network either way.
 */
export interface RoundTrip {
  a: string;
  b: string;
  result: 'ok' | 'failed' | 'no-verdict';
  detail: string;
}

/** `unknown`: the round trips cannot say (the pair was not measured, or gave no verdict): never a pass, never a drop. */
export interface DirectionVerdict {
  result: 'open' | 'blocked' | 'unknown';
  detail: string;
}

/**
 * Judge the direction from → to (traffic *into* `to`) from all measured round trips.
 * - round trip passed: open in both directions.
 * - not measured, or no verdict: unknown.
 * - failed, and `to` fails with every peer while `from` works with some other peer: blocked into `to`.
 * - failed, and `from` is the node failing with everyone while `to` works elsewhere: the round
 *   trip broke on the way into `from`; this direction is not the cause (open, with that note).
 * - otherwise (only this pair fails, or both nodes fail everywhere): cannot tell → blocked.
 * A round trip with no verdict is evidence for neither: a node "fails everywhere" only when every
 * one of its round trips gave a verdict and failed.
 */
export function attributeRoundTrips(trips: readonly RoundTrip[], from: string, to: string): DirectionVerdict {
  const pair = trips.find((t) => (t.a === from && t.b === to) || (t.a === to && t.b === from));
  if (!pair) return { result: 'unknown', detail: `no pod round trip between ${from} and ${to} was measured` };
  if (pair.result === 'no-verdict') return { result: 'unknown', detail: `the pod round trip between ${from} and ${to} gave no verdict (${pair.detail})` };
  if (pair.result === 'ok') return { result: 'open', detail: `pod traffic between ${from} and ${to} works both ways (${pair.detail})` };
  const failsEverywhere = (node: string) => {
    const mine = trips.filter((t) => t.a === node || t.b === node);
    return mine.length > 0 && mine.every((t) => t.result === 'failed');
  };
  const worksElsewhere = (node: string, except: string) => trips.some((t) => (t.a === node || t.b === node) && t.a !== except && t.b !== except && t.result === 'ok');
  if (failsEverywhere(to) && (worksElsewhere(from, to) || !failsEverywhere(from))) {
    return {
      result: 'blocked',
      detail: `pod traffic between ${from} and ${to} fails, and every pod path with ${to} fails while ${from} reaches other nodes: traffic into ${to} is dropped (${pair.detail})`,
    };
  }
  if (failsEverywhere(from) && worksElsewhere(to, from)) {
    return {
      result: 'open',
      detail: `pod traffic between ${from} and ${to} fails, but every pod path with ${from} fails while ${to} works with other nodes: the break is on the way into ${from}, not into ${to}`,
    };
  }
  return { result: 'blocked', detail: `pod traffic between ${from} and ${to} fails; which direction is blocked cannot be told from the other pairs (${pair.detail})` };
}
