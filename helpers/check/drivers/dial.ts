// Driver `dial`: a probe's netexec dials the target, asked through the API server's pod proxy:
//   GET /api/v1/namespaces/N/pods/P:8080/proxy/dial?host=…&port=…&protocol=…&request=…&tries=…
// One API request per attempt; netexec reports each try. A failed request is a control event,
// never a network one: the control path is not the data path.
import { ControlError, messageOf } from '../../errors.ts';
import type { ControlClient } from '../../http.ts';
import { payloadOf } from '../classify.ts';
import type { AnswerCheck, Protocol, WireEvent } from '../types.ts';

/** netexec's own per-try deadline (HTTP client timeout and UDP read deadline). */
export const NETEXEC_TRY_MS = 5_000;

/** netexec /dial body: HTTP 200 even when every try failed; `responses` only when the last try succeeded. */
export interface DialBody {
  responses?: string[];
  errors?: string[];
}

export interface DialRequest {
  namespace: string;
  control: { pod: string; port: number };
  target: { host: string; port: number };
  protocol: Protocol;
  answer: AnswerCheck;
  tries: number;
}

/** What the source probe is asked to send: its hostname, an echo of the payload, or the client address. */
export function requestText(answer: AnswerCheck, protocol: Protocol): string {
  if (answer.kind === 'echo') {
    const payload = payloadOf(answer.bytes);
    return protocol === 'tcp' ? `echo?msg=${payload}` : `echo ${payload}`;
  }
  return answer.kind === 'clientip' ? 'clientip' : 'hostname';
}

/** An IPv6 literal goes bracketed into URLs netexec builds (host:port). */
export function dialPath(req: DialRequest): string {
  const query = new URLSearchParams({
    host: req.target.host,
    port: String(req.target.port),
    protocol: req.protocol === 'tcp' ? 'http' : 'udp',
    request: requestText(req.answer, req.protocol),
    tries: String(req.tries),
  });
  return `/api/v1/namespaces/${encodeURIComponent(req.namespace)}/pods/${encodeURIComponent(req.control.pod)}:${req.control.port}/proxy/dial?${query}`;
}

/** The errno texts (Go's, netcat's, agnhost connect's) of a packet the network or the sending kernel would not carry. */
export const UNREACHABLE_TEXT = /no route to host|host is unreachable|network is unreachable|operation not permitted|permission denied|invalid argument/i;

/** One dial error string from netexec's Go dialer → the wire event it stands for. */
export function eventOfDialError(error: string): WireEvent {
  if (/connection refused/i.test(error)) return { kind: 'refused', text: error };
  // These happen only after a TCP connection was established: the peer spoke, just not HTTP, or
  // closed it at once. Go says "server closed idle connection" when the close beat the request
  // out (a BGP daemon dropping a connection from an address it does not peer with, seen on the
  // lab's BIRD), "broken pipe" when it came while the request was written.
  if (/malformed HTTP|connection reset by peer|EOF|server gave HTTP response|tls|server closed idle connection|broken pipe|transport connection broken/i.test(error)) {
    return { kind: 'reset', text: error };
  }
  // The kernel refusing to send: an ICMP error came back, a firewall's EPERM, a `prohibit` route
  // (EACCES) or a `blackhole` route (EINVAL: "connect: invalid argument", seen under cut-route).
  if (UNREACHABLE_TEXT.test(error)) return { kind: 'unreachable', text: error };
  if (/i\/o timeout|Client\.Timeout|deadline exceeded|timed out/i.test(error)) return { kind: 'timeout', text: error };
  // A text not listed above is no evidence of a drop: say what netexec said, judge nothing.
  return { kind: 'empty', text: `netexec's dial failed in a way this tool does not know: ${error}` };
}

/**
 * netexec resolves a host name once, before its tries (net.ResolveTCPAddr / ResolveUDPAddr, Go's
 * resolver reading the pod's resolv.conf), and a failed lookup comes back as HTTP 400 "host
 * and/or port param are invalid. lookup NAME on SERVER: …". That is the cluster DNS's verdict,
 * not a control failure: one `dns` event. Go's texts: "no such host" (NXDOMAIN, or no record),
 * "server misbehaving" (SERVFAIL, REFUSED…), "i/o timeout", "connection refused".
 */
export function eventOfLookupError(body: string): WireEvent | undefined {
  const m = /lookup (\S+?)(?: on (\S+?))?: (.*)$/s.exec(body.trim());
  if (!/^host and\/or port param are invalid/.test(body.trim()) || !m) return undefined;
  const [, name = '', server, reason = ''] = m;
  const text = reason.trim();
  const rcode = /no such host/i.test(text)
    ? 'NXDOMAIN'
    : /server misbehaving/i.test(text)
      ? 'SERVFAIL'
      : /connection refused/i.test(text)
        ? 'REFUSED'
        : /operation not permitted|permission denied|no route to host|host is unreachable|network is unreachable/i.test(text)
          ? 'UNREACHABLE'
          : /i\/o timeout|timed? ?out/i.test(text)
            ? 'TIMEOUT'
            : 'OTHER';
  return { kind: 'dns', rcode, name, ...(server ? { server } : {}), text };
}

/** A /dial body → one event per try netexec reported. */
export function eventsOfDial(body: DialBody): WireEvent[] {
  const events: WireEvent[] = [...(body.errors ?? []).map(eventOfDialError), ...(body.responses ?? []).map((text): WireEvent => ({ kind: 'answer', text }))];
  return events.length ? events : [{ kind: 'empty', text: 'netexec /dial reported no try at all' }];
}

export async function dial(control: ControlClient, req: DialRequest): Promise<WireEvent[]> {
  try {
    const answer = await control.get(dialPath(req), { timeoutMs: req.tries * (NETEXEC_TRY_MS + 1_000) + 10_000, what: `cannot control probe ${req.control.pod}` });
    const lookup = answer.status === 400 ? eventOfLookupError(answer.body) : undefined;
    if (lookup) return [lookup];
    if (answer.status !== 200) {
      throw new ControlError(`cannot control probe ${req.control.pod}: the API server's pod proxy answered HTTP ${answer.status}: ${answer.body.trim().slice(0, 300)}`, { status: answer.status });
    }
    let body: DialBody;
    try {
      body = JSON.parse(answer.body) as DialBody;
    } catch {
      return [{ kind: 'empty', text: `probe ${req.control.pod}'s /dial answered with something that is not JSON: ${answer.body.slice(0, 200)}` }];
    }
    return eventsOfDial(body);
  } catch (err) {
    return [{ kind: 'control', text: messageOf(err) }];
  }
}
