import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { fullBody, paddedAnswer } from '../../../helpers/probes/answers.ts';
import { reproduceCommand } from '../../../helpers/check/reproduce.ts';
import { q } from '../../../helpers/probes/quote.ts';
import type { NetworkCheck } from '../../../helpers/check/types.ts';

const base: Omit<NetworkCheck, 'drive' | 'answer' | 'protocol' | 'port'> = {
  kind: 'network',
  suite: 'pod-to-pod',
  title: 't',
  from: { kind: 'pod', node: 'w1', pod: 'probe-a-w1', ip: '10.244.1.5', family: 'ipv4' },
  to: { kind: 'pod', node: 'w2', pod: 'probe-b-w2', ip: '10.244.2.6', family: 'ipv4' },
  family: 'ipv4',
  expect: 'REACHABLE',
  expectReason: 'flat',
};
const ctx = { namespace: 'netconform-abc123', tries: 3, probes: [], podPort: 8080, kubectl: { kubeconfig: '/tmp/my kube/config' } };

/** Runs a printed command here instead of in the probe: the `kubectl exec … --` prefix dropped, the rest as bash runs it. */
async function runHere(cmd: string): Promise<string> {
  return (await promisify(execFile)('bash', ['-c', cmd.replace(/^kubectl .*? -c probe -- /, '')], { encoding: 'utf8', timeout: 20_000 })).stdout;
}

let server: http.Server;
let port = 0;
beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end(req.url === '/full' || req.method === 'POST' ? fullBody('tcp') : paddedAnswer('probe-b-w2')));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('reproduction commands: the same request, pasted by hand', () => {
  test("probe: kubectl exec with the user's kubeconfig into the source probe, running the very command the check ran", async () => {
    const check: NetworkCheck = {
      ...base,
      protocol: 'tcp',
      port,
      answer: { kind: 'hostname', expected: ['probe-b-w2'] },
      drive: { via: 'probe', control: { pod: 'probe-a-w1' }, target: { host: '127.0.0.1', port }, tries: 1 },
    };
    const cmd = reproduceCommand(check, ctx);
    expect(
      cmd.startsWith(
        "kubectl --kubeconfig '/tmp/my kube/config' exec -n netconform-abc123 probe-a-w1 -c probe -- bash -o pipefail -c 'n=0; while ((n < 3)); do exec {f}< <(trap '\\'''\\'' PIPE; for ((i = n; i < 3; i++)); do",
      ),
    ).toBe(true);
    expect(cmd.endsWith('; echo "exit $?"')).toBe(true);
    // Run here against a server answering as a probe does: the answer, the try's line (HTTP status,
    // exit 0, its µs), exit 0. The run's tries (3 here), each on a connection of its own.
    expect(await runHere(cmd)).toMatch(/^(probe-b-w2\nKNCH 200 0 \d+ \n){3}exit 0\n$/);
  });

  test('a full-size request generates its 20 KiB in the shell, and what comes back is compared with the fixed body as the driver reads it', async () => {
    const cmd = reproduceCommand(
      {
        ...base,
        protocol: 'tcp',
        port,
        payload: 'full',
        answer: { kind: 'echo', bytes: 20480 },
        drive: { via: 'probe', control: { pod: 'probe-a-w1' }, target: { host: '127.0.0.1', port }, tries: 1 },
      },
      { ...ctx, tries: 1, kubectl: {} },
    );
    expect(cmd).toContain('exec 3<>/dev/tcp/127.0.0.1/');
    // A run by hand makes the same line the driver reads: the answer intact, 20480 bytes.
    expect(await runHere(cmd)).toMatch(/^KNCF 0 200 20480 intact \d+\nexit 0\n$/);
  });

  test("connect: kubectl exec into the host probe running bash's bare connect; outside: curl and nc from the runner", () => {
    const connect = reproduceCommand(
      { ...base, protocol: 'tcp', port: 10250, answer: { kind: 'connect' }, drive: { via: 'connect', control: { pod: 'hostnet-w1' }, target: { host: '172.28.0.12', port: 10250 } } },
      { ...ctx, kubectl: {} },
    );
    expect(connect).toBe(
      "kubectl exec -n netconform-abc123 hostnet-w1 -c probe -- bash -o pipefail -c 'exec {f}< <({ exec 3<>/dev/tcp/172.28.0.12/10250 && echo ok; } 2>&1); IFS= read -r -t 3 o <&$f; r=$?; kill $! 2>/dev/null; exec {f}<&-; printf '\\''%s\\nKNCC %s\\n'\\'' \"$o\" $r'; echo \"exit $?\"",
    );
    const udpConnect = reproduceCommand(
      { ...base, protocol: 'udp', port: 10250, answer: { kind: 'connect' }, drive: { via: 'connect', control: { pod: 'hostnet-w1' }, target: { host: '172.28.0.12', port: 10250 } } },
      { ...ctx, kubectl: {} },
    );
    expect(udpConnect).toBe(
      "kubectl exec -n netconform-abc123 hostnet-w1 -c probe -- bash -o pipefail -c '{ exec 3<>/dev/udp/172.28.0.12/10250 && printf %s $'\\''hostname\\n'\\'' >&3 && IFS= read -r -t 3 -N 1 a <&3; } 2>&1; printf '\\''KNCC %s\\n'\\'' $?'; echo \"exit $?\"",
    );
    const tcp = reproduceCommand(
      { ...base, protocol: 'tcp', port: 30000, answer: { kind: 'hostname', expected: ['b'] }, drive: { via: 'outside', target: { host: '172.28.0.12', port: 30000 }, timeoutMs: 3000 } },
      ctx,
    );
    expect(tcp).toBe('curl -sS -m 3 http://172.28.0.12:30000/hostname; echo " (exit $?)"');
    const udp = reproduceCommand(
      {
        ...base,
        protocol: 'udp',
        port: 30001,
        answer: { kind: 'clientip', expected: '172.28.0.1', client: 'runner' },
        drive: { via: 'outside', target: { host: '172.28.0.12', port: 30001 }, timeoutMs: 3000 },
      },
      ctx,
    );
    expect(udp).toBe('echo clientip | nc -u -w 3 172.28.0.12 30001');
  });

  test('round trip: the pod request between the two nodes the verdict came from', () => {
    const probes = [
      { role: 'probe-a' as const, name: 'probe-a-w1', node: 'w1', ip: '10.244.1.5', ready: true },
      { role: 'probe-a' as const, name: 'probe-a-w2', node: 'w2', ip: '10.244.2.5', ready: true },
    ];
    const cmd = reproduceCommand({ ...base, protocol: 'udp', port: 8472, answer: { kind: 'connect' }, drive: { via: 'round-trip', fromNode: 'w1', toNode: 'w2' } }, { ...ctx, probes, kubectl: {} });
    expect(cmd).toMatch(/^kubectl exec -n netconform-abc123 probe-a-w1 -c probe -- bash -o pipefail -c '.*\/dev\/tcp\/10\.244\.2\.5\/8080\b.*GET \/ HTTP\/1\.0/);
  });

  test('shell quoting leaves plain words alone and quotes the rest safely: each word is itself again in bash and in a POSIX sh (dash)', async () => {
    expect(q('abc-1.2:3')).toBe('abc-1.2:3');
    expect(q('a,b')).toBe('a,b');
    expect(q("it's")).toBe("'it'\\''s'");
    const words = ['abc-1.2:3', 'user@ctx,prod=1%+', "it's", 'a b', '$HOME', '~/x', '*', 'a{b,c}', '!x', '', '\\n"`;'];
    for (const shell of ['bash', 'sh']) {
      const { stdout } = await promisify(execFile)(shell, ['-c', `printf '%s\\n' ${words.map(q).join(' ')}`], { encoding: 'utf8' });
      expect(stdout, shell).toBe(words.map((w) => `${w}\n`).join(''));
    }
  });
});
