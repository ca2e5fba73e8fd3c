// Driver `probe`: the source probe makes the request itself, with the image's own client tools,
// run through its exec stream (API server → kubelet → the probe; never the pod network under
// test). The tries of an attempt are one command in the probe (a loop of bash's own HTTP or UDP
// tries; at once where the check says so), each try one sample the probe times itself (its wall
// time there). A failure of the stream is a control event, never
// a network one. A name target is looked up first (dig, over UDP or TCP), then asked at its address.
import net from 'node:net';
import { askCommand, eventsOfAsk, triesOf, TRY_S, type Ask } from '../../probes/client.ts';
import { lookupCommand, lookupResult } from '../../probes/lookup.ts';
import type { CommandStreams } from '../../probes/stream.ts';
import type { AnswerCheck, IpFamily, Protocol, WireEvent } from '../types.ts';

export interface ProbeDrive {
  control: { pod: string };
  target: { host: string; port: number };
  anySource?: boolean;
  resolveOver?: Protocol;
  path?: string;
  /** The client's own per-try deadline in the probe (default TRY_S). */
  timeoutS?: number;
  /** The tries of one command at once (probes/client.ts Ask.concurrent). */
  concurrent?: 'all' | 'after-first';
}

export interface ProbeAttempt {
  events: WireEvent[];
  /** The probe's own time of each answered try, in milliseconds. */
  sampleMs: number[];
}

/**
 * The request options a drive sets (only those it sets: an absent one keeps askCommand's
 * default). The check and its reproduction command both take them from here, so the command a
 * report prints is the one the check ran.
 */
export function askOptionsOf(drive: ProbeDrive): Pick<Ask, 'anySource' | 'path' | 'timeoutS' | 'concurrent'> {
  return {
    ...(drive.anySource ? { anySource: true } : {}),
    ...(drive.path ? { path: drive.path } : {}),
    ...(drive.timeoutS ? { timeoutS: drive.timeoutS } : {}),
    ...(drive.concurrent ? { concurrent: drive.concurrent } : {}),
  };
}

/** A command's deadline on the runner's side: the client's own, plus the stream's round trip. */
const SLACK_MS = 15_000;

export async function askFromProbe(streams: CommandStreams, drive: ProbeDrive, check: { protocol: Protocol; family: IpFamily; answer: AnswerCheck }, tries: number): Promise<ProbeAttempt> {
  const out: ProbeAttempt = { events: [], sampleMs: [] };
  let host = drive.target.host;
  if (net.isIP(host) === 0) {
    const looked = await streams.run(drive.control.pod, lookupCommand(host, { family: check.family, over: drive.resolveOver ?? 'udp' }), { timeoutMs: 6_000 + SLACK_MS });
    if ('failed' in looked) return { events: [{ kind: 'control', text: looked.failed }], sampleMs: [] };
    const result = lookupResult(host, check.family, looked);
    if ('event' in result) return { events: [result.event], sampleMs: [] };
    const [address = ''] = result.addresses;
    // A name that must not exist resolved: the address is what went wrong.
    if (check.answer.kind === 'nxdomain') return { events: [{ kind: 'connected', text: `resolved to ${result.addresses.join(', ')}` }], sampleMs: [] };
    host = address;
  }
  const ask: Ask = {
    host,
    port: drive.target.port,
    protocol: check.protocol,
    family: check.family,
    answer: check.answer,
    ...askOptionsOf(drive),
  };
  // One command carries every try (a small request); full-size and bare-connect ones are one try a command.
  const perCommand = triesOf({ ...ask, tries });
  for (let sent = 0; sent < Math.max(1, tries); sent += perCommand) {
    const n = Math.min(perCommand, Math.max(1, tries) - sent);
    const one = { ...ask, tries: n };
    const ran = await streams.run(drive.control.pod, askCommand(one), { timeoutMs: (ask.timeoutS ?? TRY_S) * 1_000 * (n + 1) + SLACK_MS });
    if ('failed' in ran) {
      out.events.push({ kind: 'control', text: ran.failed });
      break;
    }
    for (const { event, ms } of eventsOfAsk(one, ran)) {
      out.events.push(event);
      if (ms !== undefined) out.sampleMs.push(ms);
    }
  }
  return out;
}

/** The command line a person runs to make the same request by hand (bash in the probe). */
export function probeCommandLine(drive: ProbeDrive, check: { protocol: Protocol; family: IpFamily; answer: AnswerCheck }, tries = 1): string {
  const name = net.isIP(drive.target.host) === 0;
  const lookup = name ? `${lookupCommand(drive.target.host, { family: check.family, over: drive.resolveOver ?? 'udp' })}; ` : '';
  // A name: the lookup as the check made it, then the request to the name (curl and socat resolve it the same way).
  const ask = askCommand({
    host: drive.target.host,
    port: drive.target.port,
    protocol: check.protocol,
    family: check.family,
    answer: check.answer.kind === 'nxdomain' ? { kind: 'connect' } : check.answer,
    ...askOptionsOf(drive),
    tries,
  });
  return check.answer.kind === 'nxdomain' ? lookup.replace(/; $/, '') : `${lookup}${ask}`;
}
