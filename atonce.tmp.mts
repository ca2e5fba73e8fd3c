import dgram from 'node:dgram';
import { execFile } from 'node:child_process';
import { askCommand, eventsOfAsk } from '/work/main/helpers/probes/client.ts';
const s = dgram.createSocket('udp4');
let bad = 0;
const main = async () => {
await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
const port = s.address().port;
const ask = { host: '127.0.0.1', port, protocol: 'udp' as const, family: 'ipv4' as const, answer: { kind: 'hostname' as const, expected: ['x'] }, tries: 6, concurrent: 'all' as const, timeoutS: 1 };
const cmd = askCommand(ask);

const one = () => new Promise<void>((resolve) => execFile('bash', ['-c', `exec {KNCS}<> <(:); ${cmd}`], (err, stdout) => {
  const ev = eventsOfAsk(ask, { exitCode: 0, output: stdout, ms: 0 });
  if (ev.some((e) => e.event.kind !== 'timeout')) { bad++; console.log('BAD', JSON.stringify(stdout), JSON.stringify(ev.map((e) => e.event))); }
  resolve();
}));
for (let round = 0; round < 8; round++) await Promise.all([one(), one(), one(), one(), one(), one()]);
console.log('bad', bad); s.close();
};
void main();
