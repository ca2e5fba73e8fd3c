// The batch command a source pod runs for a row of the truth table, run for real here (this
// machine's bash, nc, socat and dig: the Debian tools of the lab's probe image) through the real command
// loop of the exec streams, against loopback servers answering as porter does ("x/a", padded).
// Then observe(): the cells of a table grouped into one command per source pod.
import dgram from 'node:dgram';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { paddedAnswer } from '../../../helpers/probes/answers.ts';
import { ProbeStreams } from '../../../helpers/probes/stream.ts';
import { batchCommand, MAX_CELLS, parseBatch, verdictOf, type ProbeTarget } from '../../../helpers/netpol/probe.ts';
import { observe, type Prober } from '../../../helpers/netpol/observe.ts';
import { caseWorld } from '../../../helpers/netpol/case-world.ts';
import { localExec } from '../probes/local-exec.ts';
import { caseOptions, NS } from './fake-cluster.ts';

let tcp: http.Server;
let udp: dgram.Socket;
const port = { tcp: 0, udp: 0, closed: 0 };
let streams: ProbeStreams;

beforeAll(async () => {
  tcp = http.createServer((req, res) => (req.resume(), req.on('end', () => res.end(paddedAnswer('x/a')))));
  udp = dgram.createSocket('udp4').on('message', (_m, from) => udp.send(paddedAnswer('x/a'), from.port, from.address));
  await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
  await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
  port.tcp = (tcp.address() as AddressInfo).port;
  port.udp = udp.address().port;
  const s = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  port.closed = s.address().port;
  s.close();
  streams = new ProbeStreams(localExec(), 'ns');
});
afterAll(() => {
  streams.close();
  tcp.close();
  udp.close();
});

/** The cells both branches (bash's own clients, nc and socat) must code alike: connected, refused, answered by the right and by the wrong name. */
const cells = (): ProbeTarget[] => [
  { host: '127.0.0.1', port: port.tcp, kind: 'tcp' },
  { host: '127.0.0.1', port: port.closed, kind: 'tcp' },
  { host: '127.0.0.1', port: port.udp, kind: 'udp', expect: 'x/a' },
  { host: '127.0.0.1', port: port.udp, kind: 'udp', expect: 'y/b' },
  { host: '127.0.0.1', port: port.closed, kind: 'udp', expect: 'x/a' },
];

describe('the batch command, run through the command loop against loopback servers', () => {
  test('one command, one line per cell: connected, refused, answered by the right and by the wrong name', async () => {
    const targets: ProbeTarget[] = [...cells(), { host: '127.0.0.1', port: port.closed, kind: 'dns-udp' }];
    const command = batchCommand(targets);
    expect(command).not.toContain('\n');
    const started = performance.now();
    const out = await streams.run('x-a', command, { timeoutMs: 20_000 });
    expect(performance.now() - started).toBeLessThan(3_000); // all at once: refusals are immediate
    if ('failed' in out) throw new Error(out.failed);
    expect(out.output.split('\n').filter(Boolean)).toHaveLength(6);
    expect(parseBatch(out.output, targets.length)).toEqual(['A', 'R', 'A', 'W', 'R', 'R']);
  });

  test('a UDP server that never answers: no answer in time, within the cell timeout', async () => {
    const silent = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
    try {
      const started = performance.now();
      const out = await streams.run('x-a', batchCommand([{ host: '127.0.0.1', port: silent.address().port, kind: 'udp', expect: 'x/a' }]), { timeoutMs: 20_000 });
      if ('failed' in out) throw new Error(out.failed);
      expect(parseBatch(out.output, 1)).toEqual(['T']);
      expect(performance.now() - started).toBeLessThan(4_000);
    } finally {
      silent.close();
    }
  });

  test('on a bash older than 5.2 the cells go through nc and socat, with the same codes', async () => {
    const targets = cells();
    // The version test made false: the socat branch, as a bash 5.0 or 5.1 runs it.
    const command = batchCommand(targets, { timeoutS: 0.5 }).replaceAll('>= 502', '>= 99999');
    expect(command).toContain('socat -T 1 -t 1');
    expect(command).toContain('nc -z -v -w 1');
    const out = await streams.run('x-a', command, { timeoutMs: 20_000 });
    if ('failed' in out) throw new Error(out.failed);
    expect(parseBatch(out.output, targets.length)).toEqual(['A', 'R', 'A', 'W', 'R']);
  });

  test('a deadline below a second (the poll rounds): a silent UDP server is a timeout after it, the other codes as before', async () => {
    const silent = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
    try {
      const targets: ProbeTarget[] = [
        { host: '127.0.0.1', port: port.tcp, kind: 'tcp' },
        { host: '127.0.0.1', port: port.closed, kind: 'tcp' },
        { host: '127.0.0.1', port: silent.address().port, kind: 'udp', expect: 'x/a' },
        { host: '127.0.0.1', port: port.udp, kind: 'udp', expect: 'x/a' },
      ];
      const started = performance.now();
      const out = await streams.run('x-a', batchCommand(targets, { timeoutS: 0.3 }), { timeoutMs: 20_000 });
      if ('failed' in out) throw new Error(out.failed);
      expect(parseBatch(out.output, targets.length)).toEqual(['A', 'R', 'T', 'A']);
      expect(performance.now() - started).toBeLessThan(900);
    } finally {
      silent.close();
    }
  });

  test("a UDP answer shorter than porter's that never completes is another pod's, not a drop", async () => {
    const short = dgram.createSocket('udp4').on('message', (_m, from) => short.send('hello\n', from.port, from.address));
    await new Promise<void>((resolve) => short.bind(0, '127.0.0.1', resolve));
    try {
      const out = await streams.run('x-a', batchCommand([{ host: '127.0.0.1', port: short.address().port, kind: 'udp', expect: 'x/a' }]), { timeoutMs: 20_000 });
      if ('failed' in out) throw new Error(out.failed);
      expect(parseBatch(out.output, 1)).toEqual(['W']);
    } finally {
      short.close();
    }
  });

  test("IPv6 targets go bare (bash's /dev/udp; the socat branch brackets them); a target the command cannot carry is refused", () => {
    expect(batchCommand([{ host: 'fd00::1', port: 80, kind: 'udp', expect: 'x/a' }])).toContain('0,u,fd00::1,80,x/a,6');
    expect(() => batchCommand([{ host: '1.2.3.4; rm -rf /', port: 80, kind: 'tcp' }])).toThrow(/cannot carry/);
    expect(() => batchCommand(Array.from({ length: MAX_CELLS + 1 }, () => ({ host: '10.0.0.1', port: 80, kind: 'tcp' as const })))).toThrow(/at most/);
  });
});

describe('the output', () => {
  test('lines are read by index; a missing or garbled line is no verdict (E), never a guess', () => {
    expect(parseBatch('2 A\n0 R\nnoise\n7 A\n', 4)).toEqual(['R', 'E', 'A', 'E']);
    expect(['A', 'R', 'T', 'U', 'W', 'E'].map((c) => verdictOf(c as never))).toEqual([true, false, false, false, undefined, undefined]);
  });
});

describe('observe: a table as one command per source pod', () => {
  const options = caseOptions();
  const world = caseWorld(options);
  const answerName = (namespace: string, pod: string) => `${Object.entries(NS).find(([, n]) => n === namespace)?.[0]}/${pod}`;

  test('cells grouped by source, each target at its address, UDP with the name it must answer', async () => {
    const seen: { namespace: string; pod: string; command: string }[] = [];
    const prober: Prober = {
      async run(namespace, pod, command) {
        seen.push({ namespace, pod, command });
        const n = (command.match(/ \d+,[tud],/g) ?? []).length;
        return { exitCode: 0, output: Array.from({ length: n }, (_, i) => `${i} ${i % 2 ? 'R' : 'A'}`).join('\n'), ms: 1 };
      },
    };
    const cells = [
      { from: `${NS.x}/a`, to: `${NS.y}/b`, port: 80, protocol: 'TCP' as const },
      { from: `${NS.x}/a`, to: `${NS.y}/b`, port: 81, protocol: 'UDP' as const },
      { from: `${NS.z}/c`, to: `${NS.x}/a`, port: 80, protocol: 'UDP' as const },
    ];
    const o = await observe(prober, world, cells, { answerName });
    expect(seen.map((s) => `${s.namespace}/${s.pod}`)).toEqual([`${NS.x}/a`, `${NS.z}/c`]);
    const yb = options.pods!['y/b']!.ips[0];
    expect(seen[0]!.command).toContain(`for x in 0,t,${yb},80,-,4 1,u,${yb},81,y/b,4; do`);
    expect(o.table.cells.map((c) => c.allowed)).toEqual([true, false, true]);
    expect(o.problems).toEqual([]);
  });

  test('a failed exec leaves its cells without a verdict, listed', async () => {
    const prober: Prober = { run: async () => ({ failed: 'exec stream closed' }) };
    const o = await observe(prober, world, [{ from: `${NS.x}/a`, to: `${NS.y}/b`, port: 80, protocol: 'TCP' }], { answerName });
    expect(o.table.cells).toEqual([]);
    expect(o.problems).toEqual([`${NS.x}/a: exec stream closed`, `${NS.x}/a → ${NS.y}/b 80/TCP: no verdict`]);
  });
});
