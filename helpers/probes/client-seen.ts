// Whether a NodePort kept the client's address (externalTrafficPolicy: Local): the backend answers
// nothing but its name, and logs the client address of each request it answered (agnhost
// serve-hostname: "HTTP request from ip:port", "UDP request from ip:port"). The runner reads that
// log through the API server (the control path) right after its request was answered. Pure parsing
// here; the read is in check/run.ts.
import type { WireEvent } from '../check/types.ts';

/** How far back the log is read: the row's own requests are seconds old. */
export const CLIENT_LOG_SINCE_S = 60;

/** The clients in a serve-hostname log, in order: the address (without port) and the "address:port" as logged. */
export function clientsInLog(log: string): { address: string; logged: string }[] {
  return [...log.matchAll(/(?:HTTP|UDP|TCP) request from ((\[?)([0-9A-Fa-f:.]+?)\]?:\d+)\s*$/gm)].map((m) => ({ address: m[3]!, logged: m[1]! }));
}

/**
 * The answer event of a `clientip` row from the backend's log, as the client-address answers
 * read ("address:port", IPv6 bracketed): the runner's request when the backend logged one from
 * its address, else the request it logged last (who the client looked like).
 */
export function clientSeenEvent(log: string, expected: string): WireEvent {
  const seen = clientsInLog(log);
  const mine = seen.find((c) => c.address === expected) ?? seen.at(-1);
  if (mine) return { kind: 'answer', text: mine.logged };
  return { kind: 'empty', text: `the backend answered, but its log shows no request in the last ${CLIENT_LOG_SINCE_S} s: the client address it saw is unknown` };
}
