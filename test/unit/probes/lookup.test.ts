// A name target's lookup command, run for real here (this machine's bash and dig: the Debian tools
// of the lab's probe image) through the real command loop, against a loopback DNS server over UDP
// and TCP. The probe's dig asks the resolver of /etc/resolv.conf; here it is pointed at the loopback
// server (@127.0.0.1 -p), and the names are absolute, so this machine's search path plays no part.
// And the lines bash keeps of dig's output are the ones grep -E kept with the same expression.
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { IpFamily, Protocol } from '../../../helpers/check/types.ts';
import { DIG_LINES, lookupCommand, lookupResult } from '../../../helpers/probes/lookup.ts';
import { q } from '../../../helpers/probes/quote.ts';
import { ProbeStreams } from '../../../helpers/probes/stream.ts';
import { localExec } from './local-exec.ts';
import { bindLoopback, closedPort, listenLoopback } from './loopback.ts';

/** The server's records; a name not here is NXDOMAIN. */
const RECORDS: Record<string, { A?: string[]; AAAA?: string[]; rcode?: number }> = {
  'dns-svc.ns.svc.cluster.local': { A: ['10.96.4.4'], AAAA: ['fd00:96::4'] },
  'dns-headless.ns.svc.cluster.local': { A: ['10.244.1.5', '10.244.2.7'] },
  'no-record.ns.svc.cluster.local': {},
  'broken.ns.svc.cluster.local': { rcode: 2 },
};

/** The answer to one query (RFC 1035: a header, the question copied, the records by a pointer to its name). */
function answer(query: Buffer): Buffer {
  let at = 12;
  const labels: string[] = [];
  while (query[at]) {
    labels.push(query.subarray(at + 1, at + 1 + query[at]!).toString());
    at += query[at]! + 1;
  }
  const question = query.subarray(12, at + 5);
  const type = query.readUInt16BE(at + 1) === 28 ? 'AAAA' : 'A';
  const record = RECORDS[labels.join('.').toLowerCase()];
  const addresses = record?.[type] ?? [];
  const header = Buffer.alloc(12);
  header.writeUInt16BE(query.readUInt16BE(0), 0);
  header.writeUInt16BE(0x8180 | (record ? (record.rcode ?? 0) : 3), 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(addresses.length, 6);
  const records = addresses.map((address) => {
    const data = type === 'A' ? Buffer.from(address.split('.').map(Number)) : ipv6Bytes(address);
    const rr = Buffer.alloc(12);
    rr.writeUInt16BE(0xc00c, 0);
    rr.writeUInt16BE(type === 'A' ? 1 : 28, 2);
    rr.writeUInt16BE(1, 4);
    rr.writeUInt32BE(30, 6);
    rr.writeUInt16BE(data.length, 10);
    return Buffer.concat([rr, data]);
  });
  return Buffer.concat([header, question, ...records]);
}

function ipv6Bytes(address: string): Buffer {
  const [head = '', tail = ''] = address.split('::');
  const groups = (s: string) => (s ? s.split(':').map((g) => parseInt(g, 16)) : []);
  const words = [...groups(head), ...Array<number>(8 - groups(head).length - groups(tail).length).fill(0), ...groups(tail)];
  const out = Buffer.alloc(16);
  words.forEach((w, i) => out.writeUInt16BE(w, i * 2));
  return out;
}

let udp: dgram.Socket;
let tcp: net.Server;
let silent: dgram.Socket;
const port = { udp: 0, tcp: 0, silent: 0, closed: 0 };
let streams: ProbeStreams;

beforeAll(async () => {
  udp = dgram.createSocket('udp4').on('message', (m, from) => udp.send(answer(m), from.port, from.address));
  // Over TCP each message is preceded by its length (RFC 1035 4.2.2).
  tcp = net.createServer((socket) => {
    let buffered = Buffer.alloc(0);
    socket.on('data', (d: Buffer) => {
      buffered = Buffer.concat([buffered, d]);
      while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        const reply = answer(buffered.subarray(2, 2 + buffered.readUInt16BE(0)));
        buffered = buffered.subarray(2 + buffered.readUInt16BE(0));
        const length = Buffer.alloc(2);
        length.writeUInt16BE(reply.length);
        socket.write(Buffer.concat([length, reply]));
      }
    });
  });
  silent = dgram.createSocket('udp4');
  [port.udp, port.silent, port.tcp, port.closed] = await Promise.all([bindLoopback(udp), bindLoopback(silent), listenLoopback(tcp), closedPort()]);
  streams = new ProbeStreams(localExec(), 'ns');
});
afterAll(() => {
  streams.close();
  tcp.close();
  for (const s of [udp, silent]) s.close();
});

/** The probe's lookup command, its dig pointed at the loopback server on `p`. */
function command(name: string, family: IpFamily, over: Protocol, p: number): string {
  const line = lookupCommand(name, { family, over });
  expect(line).toContain('(dig +search ');
  return line.replace('(dig +search ', `(dig @127.0.0.1 -p ${p} +search `);
}

async function lookup(name: string, options: { family?: IpFamily; over?: Protocol; port?: number } = {}) {
  const over = options.over ?? 'udp';
  const family = options.family ?? 'ipv4';
  const out = await streams.run('probe-a', command(name, family, over, options.port ?? (over === 'tcp' ? port.tcp : port.udp)), { timeoutMs: 10_000 });
  if ('failed' in out) throw new Error(out.failed);
  return { out, result: lookupResult(name, family, out) };
}

describe("a name's lookup in the probe: dig, its lines kept by bash", () => {
  test('resolved over UDP and TCP: every address of the family asked, and only the status and record lines printed', async () => {
    for (const over of ['udp', 'tcp'] as const) {
      const { out, result } = await lookup('dns-headless.ns.svc.cluster.local.', { over });
      expect(result, over).toEqual({ addresses: ['10.244.1.5', '10.244.2.7'] });
      expect(out.exitCode).toBe(0);
      const lines = out.output.split('\n');
      expect(lines[0]).toMatch(/^;; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: \d+$/);
      expect(lines.slice(1)).toEqual(['dns-headless.ns.svc.cluster.local. 30 IN A\t10.244.1.5', 'dns-headless.ns.svc.cluster.local. 30 IN A\t10.244.2.7']);
    }
    expect((await lookup('dns-svc.ns.svc.cluster.local.', { family: 'ipv6' })).result).toEqual({ addresses: ['fd00:96::4'] });
  });

  test('the DNS server says no: NXDOMAIN, an empty answer, SERVFAIL', async () => {
    const event = async (name: string) => (await lookup(name)).result;
    expect(await event('nowhere.ns.svc.cluster.local.')).toMatchObject({ event: { kind: 'dns', rcode: 'NXDOMAIN', text: 'no such host (NXDOMAIN)' } });
    expect(await event('no-record.ns.svc.cluster.local.')).toMatchObject({ event: { kind: 'dns', rcode: 'NXDOMAIN', text: 'no A record (NOERROR, empty answer)' } });
    expect(await event('broken.ns.svc.cluster.local.')).toMatchObject({ event: { kind: 'dns', rcode: 'SERVFAIL', text: 'the DNS server answered SERVFAIL' } });
  });

  test("no DNS server: refused over UDP (ICMP port unreachable) and TCP (RST), dig's status kept", async () => {
    for (const over of ['udp', 'tcp'] as const) {
      const { out, result } = await lookup('dns-svc.ns.svc.cluster.local.', { over, port: port.closed });
      expect(out.exitCode, over).toBe(9);
      expect(result, over).toMatchObject({ event: { kind: 'dns', rcode: 'REFUSED' } });
    }
  });

  test('a DNS server that never answers: timed out after the two tries of a second', async () => {
    const started = performance.now();
    const { out, result } = await lookup('dns-svc.ns.svc.cluster.local.', { port: port.silent });
    expect(out.exitCode).toBe(9);
    expect(result).toMatchObject({ event: { kind: 'dns', rcode: 'TIMEOUT' } });
    expect(performance.now() - started).toBeLessThan(4_000);
  });

  test('an image without dig: exit 127 and no verdict, not a DNS failure', async () => {
    const line = command('dns-svc.ns.svc.cluster.local.', 'ipv4', 'udp', port.udp).replace('(dig ', '(dig-not-installed ');
    const out = await streams.run('probe-a', line, { timeoutMs: 10_000 });
    if ('failed' in out) throw new Error(out.failed);
    expect(out.exitCode).toBe(127);
    expect(out.output).toMatch(/dig-not-installed: command not found$/);
    expect(lookupResult('x', 'ipv4', out)).toMatchObject({ event: { kind: 'empty' } });
  });
});

/** A program's stdout and status, run here without holding up this process's servers. */
function run(file: string, args: string[]): Promise<{ out: string; status: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ out, status }));
  });
}

describe("bash's filter keeps the lines grep -E kept", () => {
  /** What `printed` and `status` as dig's become through the command, and through grep -E with the same expression. */
  async function both(printed: string, status: number) {
    const dig = `dig() { printf %s ${q(printed)}; return ${status}; }`;
    const bash = (line: string) => run('bash', ['-o', 'pipefail', '-c', `${dig}; ${line}`]);
    const [ours, grep] = await Promise.all([bash(lookupCommand('dns-svc', { family: 'ipv4', over: 'udp' })), bash(`dig 2>&1 | grep -E ${q(DIG_LINES)}`)]);
    return { ours, grep };
  }

  test("dig's real output of each kind, and lines made to be awkward: the same lines, byte for byte", async () => {
    const outputs = await Promise.all([
      ...[
        ['dns-headless.ns.svc.cluster.local.', 'A', port.udp],
        ['nowhere.ns.svc.cluster.local.', 'A', port.udp],
        ['dns-svc.ns.svc.cluster.local.', 'AAAA', port.udp],
        ['dns-svc.ns.svc.cluster.local.', 'A', port.closed],
      ].map(async ([name, type, p]) => (await run('dig', ['@127.0.0.1', '-p', String(p), '+time=1', '+tries=1', '+noall', '+comments', '+answer', String(name), String(type)])).out),
      '',
      '\n\n',
      'status: NOERROR',
      ';; status: NOERROR\n\nx. 30 IN A\t10.0.0.1\n\n\n',
      'x. 30 IN\tAAAA fd00::1\ny. 30 IN A\n z  IN  A  1\nINA\n\tIN A \n',
      "a line with %s and \\n and '*' [x] -n\r\nconnection refused\r\n  leading and trailing  \n-e error\n",
      ';; no servers could be reached',
    ]);
    expect(outputs[0]).toContain(' IN A\t10.244.1.5');
    expect(outputs[3]).toContain('connection refused');
    for (const printed of outputs) {
      const { ours, grep } = await both(printed, 0);
      expect(ours.out, JSON.stringify(printed)).toBe(grep.out);
    }
  });

  test("the status is dig's: 127 where there is no dig, as the pipeline's was; 0 when dig ran well though it printed no line grep kept (grep's 1 before)", async () => {
    expect(await both(';; no servers could be reached\n', 9)).toMatchObject({ ours: { status: 9 }, grep: { status: 9 } });
    expect(await both('bash: line 1: dig: command not found\n', 127)).toMatchObject({ ours: { status: 127 }, grep: { status: 127 } });
    expect(await both(';; Got answer:\n', 0)).toMatchObject({ ours: { status: 0 }, grep: { status: 1 } });
  });
});
