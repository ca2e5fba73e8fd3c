// Driver `outside`: the runner itself is the client outside the cluster and dials a node
// address: TCP as an HTTP GET to netexec (/hostname, /clientip, /echo), UDP as one datagram
// netexec's UDP server answers. Only node addresses are dialled (see http.ts).
import dgram from 'node:dgram';
import net from 'node:net';
import { OutsideError, outsideGet } from '../../http.ts';
import { messageOf } from '../../errors.ts';
import { payloadOf } from '../classify.ts';
import type { AnswerCheck, Protocol, WireEvent } from '../types.ts';

/** What the runner asks a node address for: its hostname, an echo of the payload, or the client address. */
export function requestText(answer: AnswerCheck, protocol: Protocol): string {
  if (answer.kind === 'echo') {
    const payload = payloadOf(answer.bytes);
    return protocol === 'tcp' ? `echo?msg=${payload}` : `echo ${payload}`;
  }
  return answer.kind === 'clientip' ? 'clientip' : 'hostname';
}

/** The runner's source address toward `address` (a connected UDP socket sends nothing). */
export function runnerAddressFor(address: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket(net.isIPv6(address) ? 'udp6' : 'udp4');
    socket.on('error', () => {
      socket.close();
      resolve(undefined);
    });
    socket.connect(9, address, () => {
      const local = socket.address().address;
      socket.close();
      resolve(local);
    });
  });
}

/** A socket error code → the wire event (shared by TCP and UDP). */
export function eventOfSocketError(code: string, message: string): WireEvent {
  if (code === 'ECONNREFUSED') return { kind: 'refused', text: message };
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE') return { kind: 'reset', text: message };
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'EPERM' || code === 'EACCES' || code === 'EINVAL') return { kind: 'unreachable', text: message };
  if (TIMEOUT_CODES.has(code)) return { kind: 'timeout', text: message };
  // Any other code (EADDRNOTAVAIL, EMFILE, …) is the runner's own trouble, no evidence of a drop.
  return { kind: 'empty', text: `the runner's socket failed (${code}), which says nothing about the network: ${message}` };
}

/** The codes a deadline ends with: ours (TimeoutError), undici's, the kernel's. */
const TIMEOUT_CODES = new Set(['TimeoutError', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);

/** Send one datagram and wait for one answer; ICMP port unreachable arrives as ECONNREFUSED. */
export function udpAsk(options: { address: string; port: number; request: string; timeoutMs: number }): Promise<WireEvent> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket(net.isIPv6(options.address) ? 'udp6' : 'udp4');
    let done = false;
    const finish = (event: WireEvent) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.close();
      resolve(event);
    };
    const timer = setTimeout(() => finish({ kind: 'timeout', text: `no UDP answer within ${options.timeoutMs / 1000} s` }), options.timeoutMs);
    socket.on('error', (err: NodeJS.ErrnoException) => finish(eventOfSocketError(err.code ?? 'error', err.message)));
    socket.on('message', (msg) => finish({ kind: 'answer', text: msg.toString() }));
    socket.connect(options.port, options.address, () => socket.send(`${options.request}\n`));
  });
}

export async function tcpAsk(options: { address: string; port: number; path: string; timeoutMs: number }): Promise<WireEvent> {
  const host = net.isIPv6(options.address) ? `[${options.address}]` : options.address;
  try {
    const answer = await outsideGet(`http://${host}:${options.port}${options.path}`, { timeoutMs: options.timeoutMs });
    // Something spoke HTTP, but not netexec's answer to this request.
    if (answer.status !== 200) return { kind: 'reset', text: `HTTP ${answer.status}: ${answer.body.slice(0, 200)}` };
    return { kind: 'answer', text: answer.body };
  } catch (err) {
    return eventOfSocketError(err instanceof OutsideError ? err.code : 'error', messageOf(err));
  }
}
