// One nodeport check, from the runner itself (the outside client) to a node address: TCP as an
// HTTP GET to netexec (/hostname, /clientip) through http.ts, UDP as a datagram netexec's UDP
// server answers ("hostname", "clientip"). Only node addresses are dialled (see http.ts).
import dgram from 'node:dgram';
import net from 'node:net';
import { OutsideError, outsideGet } from '../http.ts';
import { messageOf } from '../errors.ts';
import type { CheckResult, Observation, Outcome } from '../results.ts';
import type { NodePortRow } from './rows.ts';

export type Reply = { ok: true; body: string } | { ok: false; code: string; message: string };

/** The runner's source address toward `address` (a connected UDP socket sends nothing). */
export function runnerAddressFor(address: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket(net.isIPv6(address) ? 'udp6' : 'udp4');
    socket.on('error', () => { socket.close(); resolve(undefined); });
    socket.connect(9, address, () => {
      const local = socket.address().address;
      socket.close();
      resolve(local);
    });
  });
}

/** Send one datagram and wait for one answer; ICMP port unreachable arrives as ECONNREFUSED. */
export function udpAsk(options: { address: string; port: number; request: string; timeoutMs: number }): Promise<Reply> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket(net.isIPv6(options.address) ? 'udp6' : 'udp4');
    let done = false;
    const finish = (reply: Reply) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.close();
      resolve(reply);
    };
    const timer = setTimeout(() => finish({ ok: false, code: 'TimeoutError', message: `no UDP answer within ${options.timeoutMs / 1000} s` }), options.timeoutMs);
    socket.on('error', (err: NodeJS.ErrnoException) => finish({ ok: false, code: err.code ?? 'error', message: err.message }));
    socket.on('message', (msg) => finish({ ok: true, body: msg.toString() }));
    socket.connect(options.port, options.address, () => socket.send(`${options.request}\n`));
  });
}

export async function tcpAsk(options: { address: string; port: number; path: string; timeoutMs: number }): Promise<Reply> {
  const host = net.isIPv6(options.address) ? `[${options.address}]` : options.address;
  try {
    const answer = await outsideGet(`http://${host}:${options.port}${options.path}`, { timeoutMs: options.timeoutMs });
    if (answer.status !== 200) return { ok: false, code: `HTTP ${answer.status}`, message: `HTTP ${answer.status}: ${answer.body.slice(0, 200)}` };
    return { ok: true, body: answer.body };
  } catch (err) {
    return { ok: false, code: err instanceof OutsideError ? err.code : 'error', message: messageOf(err) };
  }
}

/** A failed reply → verdict. Refused: the node answered "nothing here"; anything silent or unreachable: filtered. */
export function observationOfFailure(code: string): Observation {
  if (code === 'ECONNREFUSED') return 'REFUSED';
  if (code.startsWith('HTTP ') || code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'WRONG_ANSWER';
  return 'FILTERED';
}

/** Compare an answer with what the row needs: the backend's hostname, or the runner's own address. */
export function judgeReply(row: Pick<NodePortRow, 'answer' | 'expect'>, reply: Reply, runnerIP: string | undefined): { observed: Observation; detail: string } {
  if (!reply.ok) return { observed: observationOfFailure(reply.code), detail: reply.message };
  const body = reply.body.trim();
  // A node that must not answer did: whatever it said, it is reachable.
  if (row.expect === 'FILTERED') return { observed: 'REACHABLE', detail: `answered ("${body.slice(0, 80)}") although no endpoint runs on this node` };
  if (row.answer.kind === 'hostname') {
    return body === row.answer.expected
      ? { observed: 'REACHABLE', detail: `answered by ${body}` }
      : { observed: 'WRONG_ANSWER', detail: `answered by "${body.slice(0, 80)}", expected ${row.answer.expected}` };
  }
  const seen = body.replace(/^\[?([^\]]*?)\]?:\d+$/, '$1');
  if (runnerIP && seen === runnerIP) return { observed: 'REACHABLE', detail: `the backend saw the runner's own address ${seen}` };
  return { observed: 'WRONG_ANSWER', detail: `the backend saw ${seen || '(nothing)'} instead of the runner's address ${runnerIP ?? '(unknown)'}: the client address was rewritten (SNAT)` };
}

/** Local, no endpoint: "must not answer" holds when the node drops (FILTERED) or refuses (REFUSED). */
export function nodePortOutcome(row: Pick<NodePortRow, 'expect'>, observed: Observation): Outcome {
  if (observed === 'CONTROL_ERROR' || observed === 'NOT_RUN') return 'error';
  if (row.expect === 'FILTERED') return observed === 'FILTERED' || observed === 'REFUSED' ? 'passed' : 'failed';
  return observed === row.expect ? 'passed' : 'failed';
}

export function ask(row: NodePortRow, timeoutMs: number): Promise<Reply> {
  const request = row.answer.kind === 'hostname' ? 'hostname' : 'clientip';
  return row.protocol === 'tcp'
    ? tcpAsk({ address: row.address, port: row.nodePort, path: `/${request}`, timeoutMs })
    : udpAsk({ address: row.address, port: row.nodePort, request, timeoutMs });
}

export async function runNodePortCheck(row: NodePortRow, options: { attempts: number; timeoutMs: number }): Promise<CheckResult> {
  const started = performance.now();
  const runnerIP = await runnerAddressFor(row.address);
  let verdict: { observed: Observation; detail: string } = { observed: 'NOT_RUN', detail: 'not attempted' };
  let attempts = 0;
  while (attempts < Math.max(1, options.attempts)) {
    attempts++;
    verdict = judgeReply(row, await ask(row, options.timeoutMs), runnerIP);
    if (nodePortOutcome(row, verdict.observed) === 'passed') break;
  }
  const latencyMs = performance.now() - started;
  const outcome = nodePortOutcome(row, verdict.observed);
  return {
    suite: 'nodeport',
    name: row.title,
    from: { node: '', ip: runnerIP ?? '', kind: 'runner' },
    to: { node: row.node, ip: row.address, kind: 'nodeport' },
    port: row.nodePort,
    protocol: row.protocol,
    expect: row.expect,
    observed: verdict.observed,
    outcome,
    detail: outcome === 'passed'
      ? verdict.detail
      : `runner (${runnerIP ?? '?'}) → ${row.node} ${row.address}:${row.nodePort}/${row.protocol} (${row.service}): expected ${row.expect} (${row.expectReason}), observed ${verdict.observed}: ${verdict.detail}; ${attempts} attempt(s) in ${(latencyMs / 1000).toFixed(1)} s`,
    attempts,
    latencyMs,
    properties: {
      externalTrafficPolicy: row.policy,
      service: row.service,
      'nodeport.position': row.position,
      'backend.node': row.backendNode,
      'expect.reason': row.expectReason,
    },
  };
}

/**
 * Can the runner reach the node network at all? A node address counts as reached when a TCP
 * connect to any of `ports` gets an answer (connected or refused). Run once per suite.
 */
export async function runnerReaches(options: { addresses: string[]; ports: number[]; timeoutMs: number }): Promise<{ reached: string[]; failures: string[] }> {
  const tryConnect = (address: string, port: number) => new Promise<string | true>((resolve) => {
    const socket = net.connect({ host: address, port, timeout: options.timeoutMs });
    const done = (value: string | true) => { socket.destroy(); resolve(value); };
    socket.on('connect', () => done(true));
    socket.on('timeout', () => done(`${address}:${port} no answer within ${options.timeoutMs / 1000} s`));
    socket.on('error', (err: NodeJS.ErrnoException) => done(err.code === 'ECONNREFUSED' ? true : `${address}:${port} ${err.code ?? err.message}`));
  });
  const reached: string[] = [];
  const failures: string[] = [];
  await Promise.all(options.addresses.map(async (address) => {
    const results = await Promise.all(options.ports.map((p) => tryConnect(address, p)));
    if (results.includes(true)) reached.push(address);
    else failures.push(...results.filter((r): r is string => r !== true));
  }));
  return { reached, failures };
}
